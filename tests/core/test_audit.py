"""The hash-chained audit log: services write it, `jiceng audit verify` proves it or names
the first broken link, a refused change leaves nothing behind, and logins are recorded."""

import datetime
import io
import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from jiceng.core import audit
from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent, AuditHead, Grant
from jiceng.orgs import services as org_services
from jiceng.orgs.models import LeadershipPost, NodeCount, Organization
from jiceng.people import services as people_services
from jiceng.people.models import Membership, MembershipPeriod, Person

from .. import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    """A small history: a tree, members, a status change, an appointment, a grant."""
    province = b.org(None, "浙江省", "province", division_code="330000")
    county = b.org(province, "安吉县", "county", division_code="330523")
    branch = b.org(county, "县委办党支部", "branch", "agency")
    m1 = b.member(branch, "张三")
    b.member(branch, "李四", status="probationary", since=datetime.date(2025, 3, 1), gender="F")
    people_services.change_status(None, m1, "left", datetime.date(2025, 6, 1))
    b.user("admin_a", "org_admin", county)
    return county, branch


def verify_message():
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def verify_error():
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", stdout=io.StringIO())
    return str(caught.value)


def everything():
    return {model.__name__: model.objects.count()
            for model in (Organization, Person, Membership, MembershipPeriod, NodeCount, LeadershipPost, Grant,
                          AuditEvent)} | {"head": AuditHead.objects.values_list("seq", "hash").first()}


def test_services_write_events(chain):
    county, branch = chain
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["orgs.create"] * 3 + ["people.register_member"] * 2 + [
        "people.change_status", "core.grant"]
    created = AuditEvent.objects.get(action="orgs.create", object_id=str(branch.pk))
    assert created.object_type == "orgs.organization" and created.after["name"] == "县委办党支部"
    assert created.actor_id is None and created.actor_name == ""
    change = AuditEvent.objects.get(action="people.change_status")
    assert change.before["status"] == "full" and change.after["status"] == "left"
    person_event = AuditEvent.objects.filter(action="people.register_member").first()
    id_number = Membership.objects.get(pk=person_event.object_id).person.id_number
    masked = person_event.after["person_new"]["id_number"]
    assert masked != id_number and masked.count("*") == 11

    admin = get_user_model().objects.get(username="admin_a")
    org_services.update_org(admin, county, name="安吉县（新）")
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_id, event.actor_name) == ("orgs.update", admin.pk, "admin_a")
    assert event.before["name"] == "安吉县" and event.after["name"] == "安吉县（新）"


def test_sequence_is_contiguous_and_linked(chain):
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS
    assert all(e.prev_hash == p.hash for p, e in zip(events, events[1:]))
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def test_verify_passes_on_an_intact_chain(chain):
    n = AuditEvent.objects.count()
    assert n >= 7
    assert f"共 {n} 条事件" in verify_message()
    assert audit.verify() == (True, n, f"审计链完整，共 {n} 条事件")


def test_verify_passes_on_an_empty_log(db):
    assert audit.verify()[0] is True
    verify_message()


@pytest.mark.parametrize("field, value", [
    ("after", {"name": "伪造的名称"}),
    ("before", {"status": "full"}),
    ("action", "orgs.delete"),
    ("actor_name", "someone"),
    ("object_id", "999"),
    ("at", datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)),
])
def test_tampered_event_is_named(chain, field, value):
    seq = 5
    assert AuditEvent.objects.filter(seq=seq).update(**{field: value}) == 1
    message = verify_error()
    assert re.search(rf"第 {seq} 条", message) and "篡改" in message, message
    assert audit.verify()[1] == seq - 1  # events before it were proven


def test_tampered_after_json_of_the_last_event_is_named(chain):
    last = AuditEvent.objects.order_by("-seq").first()
    AuditEvent.objects.filter(pk=last.pk).update(after={**last.after, "role": "org_admin "})
    assert f"第 {last.seq} 条" in verify_error()


def test_rehashed_event_breaks_the_next_link(chain):
    """Recomputing a forged event's own hash moves the break to the next event's link."""
    seq = 4
    e = AuditEvent.objects.get(seq=seq)
    forged_after = {**(e.after or {}), "name": "伪造"}
    e.after = forged_after
    forged_hash = audit._digest(e)
    AuditEvent.objects.filter(pk=e.pk).update(after=forged_after, hash=forged_hash)
    message = verify_error()
    assert f"第 {seq + 1} 条" in message and "前一哈希" in message


def test_deleted_middle_event_is_named(chain):
    seq = 3
    AuditEvent.objects.filter(seq=seq).delete()
    message = verify_error()
    assert f"第 {seq} 条审计事件缺失" in message and f"第 {seq + 1} 条" in message


def test_truncated_tail_is_named(chain):
    last = AuditHead.objects.get(pk=1).seq
    AuditEvent.objects.filter(seq__gte=last - 1).delete()
    message = verify_error()
    assert f"第 {last} 条" in message and f"只有 {last - 2} 条" in message and "截断" in message


def test_appended_forgery_without_the_head_is_found(chain):
    head = AuditHead.objects.get(pk=1)
    AuditEvent.objects.create(seq=head.seq + 1, at=datetime.datetime.now(datetime.timezone.utc), action="orgs.create",
                              prev_hash=head.hash, hash="f" * 64)
    assert f"第 {head.seq + 1} 条" in verify_error()


def test_refused_service_leaves_no_event_and_no_rows(chain):
    county, branch = chain
    before = everything()
    # register_member refuses the age before anything is written
    with pytest.raises(DomainError) as caught:
        b.member(branch, "少年", birth=datetime.date(2012, 1, 1), since=datetime.date(2025, 1, 1))
    assert caught.value.code == "too_young"
    assert everything() == before
    with pytest.raises(DomainError) as caught:
        org_services.move_org(None, county, branch)
    assert caught.value.code == "tree_cycle"
    with pytest.raises(DomainError):
        b.org(county, "坏统一代码单位", "unit", uscc="91330523MA28C1234X")
    assert everything() == before
    # and the chain goes on with no gap
    b.member(branch, "王五")
    assert f"共 {before['AuditEvent'] + 1} 条事件" in verify_message()


def test_form_login_and_failed_login_are_recorded(client, chain):
    user = b.user("secretary_a", "secretary", chain[1])
    page = client.post("/accounts/login/", {"username": "secretary_a", "password": "wrong-password-1"})
    assert page.status_code == 200
    failed = AuditEvent.objects.order_by("-seq").first()
    assert (failed.action, failed.object_id, failed.actor_id) == ("auth.login_failed", "secretary_a", None)
    assert failed.after == {"ip": "127.0.0.1"}

    page = client.post("/accounts/login/", {"username": "secretary_a", "password": "correct-horse-battery"})
    assert page.status_code == 302
    login = AuditEvent.objects.order_by("-seq").first()
    assert (login.action, login.actor_id, login.object_id) == ("auth.login", user.pk, str(user.pk))

    client.post("/accounts/logout/")
    assert AuditEvent.objects.order_by("-seq").first().action == "auth.logout"
    verify_message()


def test_client_login_is_recorded(client, chain):
    user = b.user("grid_a", "grid_worker", chain[0])
    client.force_login(user)
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_id) == ("auth.login", user.pk)


def test_deleting_an_actor_keeps_the_chain_intact(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("leaver", password="x-leaver-password-1")
    audit.record(user, "test.act", user)
    user.delete()
    ok, count, message = audit.verify()
    assert ok, message


def test_a_broken_link_in_another_chain_is_named_with_its_chain(chain):
    """Events of chain 2 (as concurrent writers on PostgreSQL make them) are proven on their own."""
    with transaction.atomic():
        first = audit.record(None, "test.a", object_type="x", object_id="1")
    AuditHead.objects.filter(pk=2).update(seq=0, hash=audit.GENESIS)
    AuditEvent.objects.filter(pk=first.pk).update(chain=2, seq=1, prev_hash=audit.GENESIS)
    moved = AuditEvent.objects.get(pk=first.pk)
    AuditEvent.objects.filter(pk=first.pk).update(hash=audit._digest(moved))
    AuditHead.objects.filter(pk=2).update(seq=1, hash=audit._digest(moved))
    AuditHead.objects.filter(pk=1).update(seq=first.seq - 1, hash=first.prev_hash)
    assert audit.verify()[0] is True
    AuditEvent.objects.filter(pk=first.pk).update(action="test.forged")
    assert "审计链 2：第 1 条审计事件内容已被篡改" in verify_error()
    AuditHead.objects.filter(pk=2).update(seq=2)
    AuditEvent.objects.filter(pk=first.pk).update(action="test.a")
    assert "审计链 2：审计链末端被截断：链头记录到第 2 条，实际只有 1 条" in verify_error()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite's writers are serial: every append there is chain 1's")
def test_concurrent_writers_append_to_separate_chains_without_waiting(db):
    """A writer holding a chain head until it commits does not hold up the others: each takes a
    free chain (FOR UPDATE SKIP LOCKED), and every chain proves out afterwards."""
    writers = 4
    audit.record(None, "test.heads")  # the heads, which a flushed test database lacks
    inside, release = threading.Barrier(writers + 1), threading.Event()
    chains, errors = [], []

    def writer(n):
        try:
            with transaction.atomic():
                chains.append(audit.record(None, "test.concurrent", object_type="x", object_id=str(n)).chain)
                audit.record(None, "test.concurrent.again", object_type="x", object_id=str(n))
                inside.wait(timeout=30)  # every writer holds its head at once
                release.wait(timeout=30)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    inside.wait(timeout=30)
    release.set()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(chains) == list(range(1, writers + 1))  # chain 1 was free again
    for n in range(writers):  # a transaction's events stay on its chain, in order
        events = list(AuditEvent.objects.filter(object_id=str(n)).order_by("seq"))
        assert [e.chain for e in events] == [events[0].chain] * 2 and events[1].seq == events[0].seq + 1
    assert audit.verify() == (True, 2 * writers + 1, f"审计链完整，共 {2 * writers + 1} 条事件")

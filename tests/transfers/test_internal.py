"""Transfers inside the system: the membership stays with the sender until the receiver accepts,
then moves with its counts and its history, in one transaction; every refusal leaves all as it was."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from jiceng.core.errors import DomainError, NotFound
from jiceng.core.models import AuditEvent
from jiceng.orgs import rollups
from jiceng.people import services as people_services
from jiceng.people.models import Membership, MembershipPeriod
from jiceng.transfers import queries, services
from jiceng.transfers.models import Transfer

from tests import builders as b

pytestmark = pytest.mark.django_db
D = datetime.date


def state(world, membership):
    """Where the member is, every count on both paths, and the history: what a refusal must not change."""
    m = Membership.objects.get(pk=membership.pk)
    return (m.org_id, m.status, rollups.counts(world.a.branch), rollups.counts(world.b.branch),
            rollups.counts(world.province), list(MembershipPeriod.objects.filter(person_id=m.person_id)
                                                 .values_list("org_id", "start", "end", "reason")))


def test_send_then_accept_moves_the_membership_its_counts_and_history(world):
    a, z = world.a, world.b
    m = a.members[2]
    Membership.objects.filter(pk=m.pk).update(group=a.group)  # a group does not travel
    before_a, before_z, before_top = rollups.counts(a.branch), rollups.counts(z.branch), rollups.counts(world.province)
    t = services.send(a.users["secretary"], m, z.branch, D(2025, 9, 1), "工作调动")
    assert (t.kind, t.status, t.expires_on) == (Transfer.INTERNAL, Transfer.PENDING, D(2025, 12, 1))
    # In transit: still the sender's member, counted there only.
    assert Membership.objects.get(pk=m.pk).org_id == a.branch.pk
    assert rollups.counts(a.branch) == before_a and rollups.counts(z.branch) == before_z
    # Both ends see the transfer; the member sees their own only.
    assert queries.visible(a.users["secretary"]).filter(pk=t.pk).exists()
    assert queries.visible(z.users["secretary"]).filter(pk=t.pk).exists()
    assert queries.visible(z.users["auditor"]).filter(pk=t.pk).exists()
    assert not queries.visible(a.users["member"]).filter(pk=t.pk).exists()

    services.accept(z.users["secretary"], t, D(2025, 9, 10))
    moved = Membership.objects.get(pk=m.pk)
    assert (moved.org_id, moved.group_id, moved.status, moved.since) == (z.branch.pk, None, "full", D(2015, 7, 1))
    after_a, after_z = rollups.counts(a.branch), rollups.counts(z.branch)
    gender, year = f"gender:{m.person.gender}", f"birth_year:{m.person.birth_date.year}"
    for key in ("status:full", gender, year, "sector:urban_community"):
        assert after_a.get(key, 0) == before_a.get(key, 0) - 1, key
        assert after_z.get(key, 0) == before_z.get(key, 0) + 1, key
    assert rollups.counts(a.county)["status:full"] == before_a["status:full"] - 1
    assert rollups.counts(world.province) == before_top  # the common ancestor keeps its count
    periods = list(MembershipPeriod.objects.filter(person=m.person).order_by("start", "id"))
    assert [(p.org_id, p.status, p.start, p.end) for p in periods] == [
        (a.branch.pk, "full", D(2015, 7, 1), D(2025, 9, 10)), (z.branch.pk, "full", D(2025, 9, 10), None)]
    assert periods[0].reason == f"登记；转出：组织关系转接 #{t.pk}（甲园社区党支部 → 乙园社区党支部）"
    assert periods[1].reason == f"转入：组织关系转接 #{t.pk}（甲园社区党支部 → 乙园社区党支部）"
    t.refresh_from_db()
    assert (t.status, t.decided_on, t.decided_by) == (Transfer.ACCEPTED, D(2025, 9, 10), z.users["secretary"])
    assert rollups.mismatches() == []
    assert list(AuditEvent.objects.filter(action__in=["transfers.send", "people.move_membership", "transfers.accept"])
                .order_by("pk").values_list("action", flat=True)) == \
        ["transfers.send", "people.move_membership", "transfers.accept"]


def test_return_keeps_the_member_with_the_sender_and_allows_a_new_transfer(world):
    a, z = world.a, world.b
    m = a.members[3]
    t = services.send(a.users["secretary"], m, z.branch, D(2025, 9, 1))
    before = state(world, m)
    with pytest.raises(DomainError) as refused:
        services.return_transfer(z.users["secretary"], t, D(2025, 9, 5), " ")
    assert refused.value.code == "reason_required"
    services.return_transfer(z.users["secretary"], t, D(2025, 9, 5), "本支部不是该党员的新工作单位")
    t.refresh_from_db()
    assert (t.status, t.return_reason, t.decided_on) == (Transfer.RETURNED, "本支部不是该党员的新工作单位", D(2025, 9, 5))
    assert state(world, m) == before
    with pytest.raises(DomainError) as refused:
        services.accept(z.users["secretary"], t, D(2025, 9, 6))
    assert refused.value.code == "transfer_closed" and "已于 2025-09-05 退回" in refused.value.message
    again = services.send(a.users["secretary"], m, z.branch, D(2025, 9, 8))
    assert again.status == Transfer.PENDING
    assert rollups.mismatches() == []


def refuse(code, fn, *args, **kwargs):
    with pytest.raises(DomainError) as refused:
        fn(*args, **kwargs)
    assert refused.value.code == code, refused.value.message
    return refused.value.message


def test_bad_input_is_refused_with_the_rule_and_date_and_changes_nothing(world):
    a, z = world.a, world.b
    sec_a, sec_z = a.users["secretary"], z.users["secretary"]
    m = a.members[2]
    applicant = people_services.register_member(None, org=a.branch, status="applicant", since=D(2025, 1, 2),
                                                name="甲申请", id_number=b.id_number(D(1990, 1, 1)))
    t = services.send(sec_a, m, z.branch, D(2025, 9, 1))
    before = state(world, m)
    # A member already in transit.
    message = refuse("in_transit", services.send, sec_a, m, z.branch, D(2025, 9, 2))
    assert "2025-09-01" in message and "乙园社区党支部" in message and "有效期至 2025-12-01" in message
    refuse("in_transit", services.issue_letter, sec_a, m, "外省某党支部", D(2025, 9, 2))
    # The same organization; a node that cannot hold members.
    other = a.members[3]
    assert "甲园社区党支部" in refuse("same_org", services.send, sec_a, other, a.branch, D(2025, 9, 2))
    assert "社区" in refuse("org_cannot_hold_members", services.send, sec_a, other, z.community, D(2025, 9, 2))
    refuse("org_cannot_hold_members", services.send, sec_a, other, z.group, D(2025, 9, 2))
    # Only a party member, by someone who may change the sending branch, not in the future.
    refuse("not_a_party_member", services.send, sec_a, applicant, z.branch, D(2025, 9, 2))
    refuse("permission_denied", services.send, a.users["auditor"], other, z.branch, D(2025, 9, 2))
    with pytest.raises(NotFound):
        services.send(sec_z, other, z.branch, D(2025, 9, 2))
    refuse("date_in_future", services.send, sec_a, other, z.branch, D(2099, 1, 1))
    refuse("date_before_current", services.send, sec_a, other, z.branch, D(2010, 1, 1))
    # Acceptance by someone without rights on the receiver: the sender, another county, the member.
    assert "只有接收方“乙园社区党支部”" in refuse("wrong_side", services.accept, sec_a, t, D(2025, 9, 10))
    refuse("wrong_side", services.accept, a.users["org_admin"], t, D(2025, 9, 10))
    with pytest.raises(NotFound):
        services.accept(z.users["grid_worker"], t, D(2025, 9, 10))
    refuse("wrong_side", services.return_transfer, sec_a, t, D(2025, 9, 10), "不接收")
    # Out of its validity: before it was sent, after it ended.
    refuse("date_before_sent", services.accept, sec_z, t, D(2025, 8, 31))
    message = refuse("transfer_expired", services.accept, sec_z, t, D(2025, 12, 2))
    assert "2025-09-01" in message and "3 个月" in message and "2025-12-01" in message
    assert state(world, m) == before
    assert Transfer.objects.get(pk=t.pk).status == Transfer.PENDING
    assert rollups.mismatches() == []
    # The last day of its validity is still inside it.
    services.accept(sec_z, t, D(2025, 12, 1))
    assert Membership.objects.get(pk=m.pk).org_id == z.branch.pk
    refuse("transfer_closed", services.accept, sec_z, t, D(2025, 12, 1))


def test_a_refused_move_inside_acceptance_rolls_the_whole_acceptance_back(world):
    """The receiving branch was dissolved after the transfer was sent: nothing is half done."""
    a, z = world.a, world.b
    m = a.members[2]
    t = services.send(a.users["secretary"], m, z.branch, D(2025, 9, 1))
    before = state(world, m)
    type(z.branch).objects.filter(pk=z.branch.pk).update(status="dissolved")
    refuse("org_dissolved", services.accept, z.users["secretary"], t, D(2025, 9, 10))
    assert state(world, m) == before and Transfer.objects.get(pk=t.pk).status == Transfer.PENDING


def test_one_pending_transfer_per_membership_is_a_database_constraint(world):
    t = services.send(world.a.users["secretary"], world.a.members[2], world.b.branch, D(2025, 9, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(kind=Transfer.INTERNAL, membership=t.membership, from_org=world.a.branch,
                                to_org=world.b.branch, sent_on=D(2025, 9, 2), expires_on=D(2025, 12, 2))
    Transfer.objects.create(kind=Transfer.INTERNAL, membership=t.membership, from_org=world.a.branch,
                            to_org=world.b.branch, sent_on=D(2025, 1, 2), expires_on=D(2025, 4, 2),
                            status=Transfer.EXPIRED)  # closed ones may be many


def test_validity_months_end_on_the_same_day_or_the_months_last(world):
    assert services.add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert services.add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)
    assert services.add_months(D(2023, 11, 29), 3) == D(2024, 2, 29)
    assert services.add_months(D(2025, 10, 15), 3) == D(2026, 1, 15)
    assert services.expiry(D(2025, 9, 1)) == D(2025, 12, 1)

"""Per-node counts (NodeCount) equal the live tables after any sequence of service calls;
`jiceng rollups check` names a corrupted row and `jiceng rollups rebuild` repairs it."""

import datetime
import io
import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from jiceng.core import policy
from jiceng.core.dates import add_years
from jiceng.core.errors import DomainError
from jiceng.orgs import rollups
from jiceng.orgs import services as org_services
from jiceng.orgs.kinds import ALLOWED_PARENTS, MEMBER_HOLDING_KINDS, SECTOR_LABELS
from jiceng.orgs.models import NodeCount, Organization
from jiceng.people import services as people_services
from jiceng.people.models import Membership, MembershipPeriod, Person
from jiceng.people.services import STATUS_ORDER

from .. import builders as b

pytestmark = pytest.mark.django_db

REGIONS = ["330523", "330521", "330522", "330102", "330106", "110105"]
_numbers = itertools.count(1)


def fresh_id_number(birth, gender):
    """A valid ID-card number for `birth` and `gender`, never repeated in this session."""
    n = next(_numbers)
    region = REGIONS[(n // 500) % len(REGIONS)]
    body = f"{region}{birth:%Y%m%d}{(n % 500) * 2 + (1 if gender == 'M' else 0):03d}"
    return body + ric.calc_check_digit(body + "0")


def today():
    return timezone.localdate()


@pytest.fixture
def base(db):
    province = b.org(None, "浙江省", "province", division_code="330000")
    county = b.org(province, "安吉县", "county", division_code="330523")
    street = b.org(county, "城关街道", "street", "urban_community")
    community = b.org(street, "花园社区", "community", "urban_community")
    branch = b.org(community, "花园社区党支部", "branch", "urban_community")
    b.org(branch, "第一党小组", "group")
    township = b.org(county, "递铺镇", "township", "rural")
    village = b.org(township, "鹤鹿溪村", "village", "rural")
    vbranch = b.org(village, "鹤鹿溪村党支部", "branch", "rural")
    for i, (org, status) in enumerate([(branch, "full"), (branch, "probationary"), (vbranch, "full"),
                                       (vbranch, "applicant")]):
        people_services.register_member(None, org=org, status=status, since=datetime.date(2024, 1, 1),
                                        name=f"基础{i}", id_number=fresh_id_number(datetime.date(1970 + i, 2, 3),
                                                                                   "MF"[i % 2]))
    assert rollups.mismatches() == []
    return county


births = st.dates(min_value=datetime.date(1940, 1, 1), max_value=datetime.date(2005, 12, 31))
genders = st.sampled_from(["M", "F"])


def _register(data):
    branches = list(Organization.objects.filter(kind__in=MEMBER_HOLDING_KINDS))
    org = data.draw(st.sampled_from(branches), label="branch")
    birth, gender = data.draw(births, label="birth"), data.draw(genders, label="gender")
    # register_member refuses a date before people.applicant_min_age is in force (policy_not_in_force)
    in_force = min(v.effective for v in policy.policy("people.applicant_min_age").values)
    earliest = max(add_years(birth, 18), in_force)
    since = data.draw(st.dates(min_value=earliest, max_value=today()), label="since")
    status = data.draw(st.sampled_from(STATUS_ORDER), label="status")
    people_services.register_member(None, org=org, status=status, since=since, name="新党员",
                                    id_number=fresh_id_number(birth, gender))


def _change_status(data):
    open_ = list(Membership.objects.exclude(status="left").order_by("pk"))
    if not open_:
        return
    m = data.draw(st.sampled_from(open_), label="membership")
    nxt = STATUS_ORDER.index(m.status) + 1
    choices = ["left"] + ([STATUS_ORDER[nxt]] if nxt < len(STATUS_ORDER) else [])
    status = data.draw(st.sampled_from(choices), label="to")
    # not before the open span (a transfer may have begun it after the status)
    start = max([m.since] + list(MembershipPeriod.objects.filter(person_id=m.person_id, end__isnull=True)
                                 .values_list("start", flat=True)))
    on = data.draw(st.dates(min_value=start, max_value=today()), label="on")
    people_services.change_status(None, m, status, on)


def _update_person(data):
    people = list(Person.objects.order_by("pk"))
    person = data.draw(st.sampled_from(people), label="person")
    # a new ID number with the birth date and gender it implies, all three changed together
    birth, gender = data.draw(births, label="new birth"), data.draw(genders, label="new gender")
    people_services.update_person(None, person, id_number=fresh_id_number(birth, gender), birth_date=birth,
                                  gender=gender)


def _update_sector(data):
    org = data.draw(st.sampled_from(list(Organization.objects.order_by("path"))), label="org")
    sector = data.draw(st.sampled_from(sorted(SECTOR_LABELS)), label="sector")
    org_services.update_org(None, org, sector=sector)


def _move(data):
    nodes = list(Organization.objects.order_by("path"))
    node = data.draw(st.sampled_from([n for n in nodes if n.parent_id]), label="node")
    targets = [t for t in nodes if t.kind in ALLOWED_PARENTS[node.kind] and not t.path.startswith(node.path)]
    if targets:
        org_services.move_org(None, node, data.draw(st.sampled_from(targets), label="target"))


def _create(data):
    nodes = list(Organization.objects.order_by("path"))
    parent = data.draw(st.sampled_from(nodes), label="parent")
    kinds = sorted(k for k, parents in ALLOWED_PARENTS.items() if parent.kind in parents)
    if kinds:
        kind = data.draw(st.sampled_from(kinds), label="kind")
        sector = data.draw(st.sampled_from(sorted(SECTOR_LABELS)), label="sector")
        org_services.create_org(None, parent=parent, name="新组织", kind=kind, sector=sector)


OPS = {"register": _register, "change_status": _change_status, "update_person": _update_person,
       "update_sector": _update_sector, "move": _move, "create": _create}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rollups_equal_live_counts_after_any_changes(base, data):
    with transaction.atomic():
        ops = data.draw(st.lists(st.sampled_from(sorted(OPS)), min_size=1, max_size=12), label="ops")
        for op in ops:
            OPS[op](data)
        assert rollups.mismatches() == []
        transaction.set_rollback(True)


def test_counts_follow_a_member_through_status_changes_and_a_move(base):
    branch = Organization.objects.get(name="花园社区党支部")
    county = Organization.objects.get(name="安吉县")
    township = Organization.objects.get(name="递铺镇")
    before = rollups.counts(county)
    m = people_services.register_member(None, org=branch, status="probationary", since=datetime.date(2025, 1, 1),
                                        name="赵六", id_number=fresh_id_number(datetime.date(1990, 1, 1), "F"))
    after = rollups.counts(county)
    assert after["status:probationary"] == before.get("status:probationary", 0) + 1
    assert after["gender:F"] == before.get("gender:F", 0) + 1
    assert after["birth_year:1990"] == before.get("birth_year:1990", 0) + 1
    assert after["sector:urban_community"] == before.get("sector:urban_community", 0) + 1
    people_services.change_status(None, m, "full", datetime.date(2026, 1, 1))
    org_services.move_org(None, branch, township)
    assert rollups.counts(Organization.objects.get(name="城关街道")).get("status:full", 0) == 0
    assert rollups.counts(township)["status:full"] == 3
    people_services.change_status(None, m, "left", datetime.date(2026, 2, 1))
    assert rollups.counts(township)["status:full"] == 2
    assert "birth_year:1990" not in rollups.counts(county)
    assert rollups.mismatches() == []


def test_register_with_a_copy_of_the_branch_loaded_before_a_move_or_sector_change(base):
    branch = Organization.objects.get(name="花园社区党支部")
    stale = Organization.objects.get(pk=branch.pk)
    org_services.move_org(None, branch, Organization.objects.get(name="递铺镇"))
    org_services.update_org(None, branch, sector="soe")
    people_services.register_member(None, org=stale, status="full", since=datetime.date(2020, 1, 1), name="钱七",
                                    id_number=fresh_id_number(datetime.date(1980, 1, 1), "M"))
    assert rollups.mismatches() == []


def test_refused_change_leaves_counts_alone(base):
    branch = Organization.objects.get(name="花园社区党支部")
    rows = sorted(NodeCount.objects.values_list("node_id", "key", "value"))
    with pytest.raises(DomainError):
        people_services.register_member(None, org=branch, status="full", since=datetime.date(2020, 1, 1),
                                        name="少年", id_number=fresh_id_number(datetime.date(2010, 1, 1), "M"))
    assert sorted(NodeCount.objects.values_list("node_id", "key", "value")) == rows


# -- the commands ---------------------------------------------------------------------------


def test_check_passes_on_intact_rollups(base):
    out = io.StringIO()
    call_command("rollups", "check", stdout=out)
    assert "equal" in out.getvalue()


@pytest.mark.parametrize("corruption", ["changed", "deleted", "invented"])
def test_check_names_the_corrupted_node_and_key_and_rebuild_fixes_it(base, corruption):
    branch = Organization.objects.get(name="花园社区党支部")
    if corruption == "changed":
        key = "status:full"
        NodeCount.objects.filter(node=branch, key=key).update(value=41)
    elif corruption == "deleted":
        key = "gender:M"
        assert NodeCount.objects.filter(node=branch, key=key).delete()[0] == 1
    else:
        key = "status:candidate"
        NodeCount.objects.create(node=branch, key=key, value=2)
    assert [(n, k) for n, k, *_ in rollups.mismatches()] == [(branch.pk, key)]

    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("rollups", "check", stdout=io.StringIO(), stderr=err)
    assert f"node {branch.pk}" in str(caught.value) and key in str(caught.value)
    assert f"node {branch.pk} {key}" in err.getvalue()

    out = io.StringIO()
    call_command("rollups", "rebuild", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert rollups.mismatches() == []
    call_command("rollups", "check", stdout=io.StringIO())


def test_rebuild_reproduces_the_kept_counts(base):
    kept = rollups.stored_totals()
    NodeCount.objects.all().delete()
    assert rollups.mismatches() != []
    assert rollups.rebuild() == len(kept)
    assert rollups.stored_totals() == kept


def test_apply_all_moves_a_count_without_touching_the_common_ancestors(db):
    """A member moving between two branches of one county, in one statement: the branches'
    counts change, the county's and the province's stay (their −1 and +1 cancel out)."""
    province = b.org(None, "浙江省", "province")
    county = b.org(province, "安吉县", "county")
    one, two = b.org(county, "一支部", "branch"), b.org(county, "二支部", "branch")
    rollups.apply(one.path, {"test:k": 1})
    written = dict(NodeCount.objects.filter(key="test:k").values_list("node_id", "value"))
    assert written == {one.pk: 1, county.pk: 1, province.pk: 1}
    rollups.apply_all([(one.path, {"test:k": -1}), (two.path, {"test:k": 1})])
    assert dict(NodeCount.objects.filter(key="test:k").values_list("node_id", "value")) == {
        one.pk: 0, two.pk: 1, county.pk: 1, province.pk: 1}

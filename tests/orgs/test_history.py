"""Counts on a past date (orgs.history) against a hand-checked fixture and against a
brute-force count of the periods; the kept daily changes survive a rebuild and follow
corrections of a person or an organization."""

import datetime
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiceng.core.errors import DomainError
from jiceng.orgs import history, rollups
from jiceng.orgs import services as org_services
from jiceng.orgs.kinds import MEMBER_HOLDING_KINDS
from jiceng.orgs.models import NodeCountChange, Organization
from jiceng.people import services as people_services
from jiceng.people.models import Membership, MembershipPeriod, Person

from .. import builders as b
from .test_rollups import OPS, base, fresh_id_number, today  # noqa: F401  (base is a fixture)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def county(db):
    """浙江省 › 安吉县 › 城关街道 (kept: depth 3) › 花园社区 (counted: depth 4) › 花园支部 (甲),
    and › 递铺镇 › 鹤鹿溪村 › 鹤鹿溪支部 (乙) beside the 旧支部, founded 2018, dissolved 2025-06-30."""
    province = b.org(None, "浙江省", "province")
    county = b.org(province, "安吉县", "county")
    street = b.org(county, "城关街道", "street", "urban_community")
    community = b.org(street, "花园社区", "community", "urban_community")
    a = b.org(community, "花园支部", "branch", "urban_community")
    township = b.org(county, "递铺镇", "township", "rural")
    village = b.org(township, "鹤鹿溪村", "village", "rural")
    z = b.org(village, "鹤鹿溪支部", "branch", "rural")
    old = b.org(village, "旧支部", "branch", "rural", founded_on=D(2018, 1, 1))
    org_services.update_org(None, old, status=Organization.DISSOLVED, dissolved_on=D(2025, 6, 30))
    m1 = b.member(a, "张一", "full", D(1980, 5, 1), "F", since=D(2010, 7, 1), education="undergraduate")
    m2 = b.member(a, "李二", "applicant", D(2000, 1, 1), "M", since=D(2024, 3, 1))
    people_services.change_status(None, m2, "activist", D(2025, 3, 1))
    m3 = b.member(z, "王三", "probationary", D(1995, 1, 1), "M", since=D(2025, 2, 1), ethnicity="畲族")
    people_services.change_status(None, m3, "full", D(2026, 2, 1))
    m4 = b.member(a, "赵四", "full", D(1970, 1, 1), "M", since=D(2015, 1, 1))
    people_services.move_membership(None, m4, z, D(2025, 7, 1), "工作调动")  # mid-year transfer
    m5 = b.member(z, "钱五", "full", D(1960, 1, 1), "F", since=D(2012, 1, 1))
    people_services.change_status(None, m5, "left", D(2025, 10, 1))
    return {o.name: o for o in Organization.objects.all()}


def members(counts):
    return {k: n for k, n in counts.items() if k.startswith("status:")}


@pytest.mark.parametrize("name,day,expected", [
    ("浙江省", D(2024, 12, 31), {"status:full": 3, "status:applicant": 1}),
    ("浙江省", D(2025, 6, 30), {"status:full": 3, "status:activist": 1, "status:probationary": 1}),
    ("浙江省", D(2025, 12, 31), {"status:full": 2, "status:activist": 1, "status:probationary": 1}),
    ("浙江省", D(2026, 2, 1), {"status:full": 3, "status:activist": 1}),
    ("浙江省", D(2009, 12, 31), {}),
    # before the transfer (2025-07-01) 赵四 counts in 城关街道, from that day in 递铺镇
    ("城关街道", D(2025, 6, 30), {"status:full": 2, "status:activist": 1}),
    ("城关街道", D(2025, 7, 1), {"status:full": 1, "status:activist": 1}),
    ("花园社区", D(2025, 6, 30), {"status:full": 2, "status:activist": 1}),
    ("花园社区", D(2025, 7, 1), {"status:full": 1, "status:activist": 1}),
    ("递铺镇", D(2025, 6, 30), {"status:full": 1, "status:probationary": 1}),
    ("递铺镇", D(2025, 7, 1), {"status:full": 2, "status:probationary": 1}),
    ("鹤鹿溪村", D(2025, 10, 1), {"status:full": 1, "status:probationary": 1}),  # 钱五 left that day
    ("鹤鹿溪支部", D(2025, 9, 30), {"status:full": 2, "status:probationary": 1}),
    ("鹤鹿溪支部", D(2026, 11, 1), {"status:full": 2}),
])
def test_members_on_a_date(county, name, day, expected):
    assert members(history.counts_on(county[name], day)) == expected


def test_party_members_by_who_they_are_on_a_date(county):
    township = history.counts_on(county["递铺镇"], D(2025, 7, 1))  # 王三 (probationary), 赵四, 钱五
    assert township["gender:M"] == 2 and township["gender:F"] == 1
    assert (township["birth_year:1995"], township["birth_year:1970"], township["birth_year:1960"]) == (1, 1, 1)
    assert township["ethnicity:畲族"] == 1 and township["ethnicity:汉族"] == 2
    assert township["sector:rural"] == 3
    street = history.counts_on(county["城关街道"], D(2025, 7, 1))  # 张一 only: 李二 is not a party member
    assert street["education:undergraduate"] == 1 and street["sector:urban_community"] == 1
    assert "gender:M" not in street


@pytest.mark.parametrize("name,day,branches", [
    ("鹤鹿溪村", D(2017, 12, 31), 1), ("鹤鹿溪村", D(2018, 1, 1), 2), ("鹤鹿溪村", D(2025, 6, 29), 2),
    ("鹤鹿溪村", D(2025, 6, 30), 1), ("安吉县", D(2018, 1, 1), 3), ("安吉县", D(2025, 6, 30), 2),
])
def test_organizations_on_a_date(county, name, day, branches):
    counts = history.counts_on(county[name], day)
    assert counts.get("kind:branch", 0) == branches
    assert counts["kind:village"] == 1  # no founding date: it always existed


def test_today_equals_the_kept_counts_and_children_in_one_call(county):
    for node in county.values():
        assert history.counts_on(node, today()) == {
            k: n for k, n in rollups.counts(node).items() if history.is_history_key(k)}
    children = list(Organization.objects.filter(parent=county["安吉县"]))
    together = history.counts_on_for(children + [county["鹤鹿溪村"], county["浙江省"]], D(2025, 6, 30))
    for node in children + [county["鹤鹿溪村"], county["浙江省"]]:
        assert together[node.pk] == history.counts_on(node, D(2025, 6, 30))
    assert rollups.mismatches() == []


def test_correcting_a_person_moves_their_history(county):
    person = Person.objects.get(name="赵四")
    before = history.counts_on(county["城关街道"], D(2020, 1, 1))
    assert before["birth_year:1970"] == 1
    people_services.update_person(None, person, id_number=fresh_id_number(D(1971, 2, 2), "F"),
                                  birth_date=D(1971, 2, 2), gender="F", education="college", ethnicity="回族")
    after = history.counts_on(county["城关街道"], D(2020, 1, 1))
    assert "birth_year:1970" not in after and after["birth_year:1971"] == 1
    assert after["gender:F"] == before["gender:F"] + 1 and "gender:M" not in after
    assert after["education:college"] == 1 and after["ethnicity:回族"] == 1
    # after the transfer the corrected person counts in 递铺镇, and no longer in 城关街道
    township = history.counts_on(county["递铺镇"], D(2025, 8, 1))
    assert township["ethnicity:回族"] == 1 and township["birth_year:1971"] == 1
    assert rollups.mismatches() == []


def test_correcting_an_organization_moves_its_history(county):
    org_services.update_org(None, county["旧支部"], founded_on=D(2019, 1, 1), dissolved_on=None,
                            status=Organization.ACTIVE)
    org_services.update_org(None, county["鹤鹿溪支部"], sector="soe")
    assert history.counts_on(county["鹤鹿溪村"], D(2018, 6, 1)).get("kind:branch") == 1
    assert history.counts_on(county["安吉县"], D(2026, 1, 1))["kind:branch"] == 3
    past = history.counts_on(county["递铺镇"], D(2025, 8, 1))
    assert past["sector:soe"] == 3 and "sector:rural" not in past
    assert rollups.mismatches() == []


def test_rebuild_restores_the_change_rows(county):
    kept = rollups.stored_history()
    assert kept
    NodeCountChange.objects.filter(node=county["安吉县"]).update(delta=7)
    assert any("@" in key for _, key, *_ in rollups.mismatches())
    rollups.rebuild()
    assert rollups.stored_history() == kept
    assert rollups.mismatches() == []


def test_moving_subtrees_keeps_the_history(county):
    """A community to another township (same depth), the county under a new city (its streets
    go from depth 3, kept, to 4, counted), then a street up under the city (4 → 3)."""
    before = {name: history.counts_on(county[name], D(2025, 6, 30)) for name in ("花园社区", "安吉县", "城关街道")}
    org_services.move_org(None, county["花园社区"], county["递铺镇"])
    assert members(history.counts_on(county["递铺镇"], D(2025, 6, 30))) == {
        "status:full": 3, "status:activist": 1, "status:probationary": 1}
    assert members(history.counts_on(county["城关街道"], D(2025, 6, 30))) == {}
    org_services.move_org(None, county["花园社区"], county["城关街道"])
    city = b.org(county["浙江省"], "湖州市", "city")
    org_services.move_org(None, county["安吉县"], city)
    street = Organization.objects.get(name="城关街道")
    assert street.depth == rollups.HISTORY_DEPTH + 1 and not NodeCountChange.objects.filter(node=street).exists()
    assert history.counts_on(city, D(2025, 6, 30)) == dict(Counter(before["安吉县"]) + Counter(
        {"kind:city": 1, "org_sector:other": 1}))  # the city itself
    assert history.counts_on(street, D(2025, 6, 30)) == before["城关街道"]
    assert rollups.mismatches() == []
    org_services.move_org(None, street, city)
    street.refresh_from_db()
    assert street.depth == rollups.HISTORY_DEPTH and NodeCountChange.objects.filter(node=street).exists()
    assert history.counts_on(street, D(2025, 6, 30)) == before["城关街道"]
    assert rollups.mismatches() == []


# -- against brute force ---------------------------------------------------------------------


def brute_force(node, day):
    """The history keys of `node`'s subtree on `day`, from every period and organization in Python."""
    out = Counter()
    for p in MembershipPeriod.objects.select_related("person", "org"):
        if p.org.path.startswith(node.path) and p.start <= day and (p.end is None or p.end > day):
            out.update(rollups.membership_keys(p.status, p.person.gender, p.person.birth_date.year, p.org.sector,
                                               p.person.education, p.person.ethnicity))
    for o in Organization.objects.all():
        if o.path.startswith(node.path) and (o.founded_on or day) <= day and (o.dissolved_on or day + D.resolution) > day:
            out.update(rollups.org_keys(o.kind, o.sector))
    return {k: n for k, n in out.items() if n}


def _transfer(data):
    open_ = list(Membership.objects.exclude(status="left").order_by("pk"))
    branches = list(Organization.objects.filter(kind__in=MEMBER_HOLDING_KINDS, status="active").order_by("pk"))
    if not open_:
        return
    m = data.draw(st.sampled_from(open_), label="membership")
    targets = [t for t in branches if t.pk != m.org_id]
    start = MembershipPeriod.objects.filter(person_id=m.person_id, end__isnull=True).get().start
    if targets:
        people_services.move_membership(None, m, data.draw(st.sampled_from(targets), label="to"),
                                        data.draw(st.dates(min_value=start, max_value=today()), label="on"), "调动")


def _dates(data):
    org = data.draw(st.sampled_from(list(Organization.objects.order_by("path"))), label="org")
    founded = data.draw(st.one_of(st.none(), st.dates(D(2000, 1, 1), D(2024, 12, 31))), label="founded")
    dissolved = data.draw(st.one_of(st.none(), st.dates(founded or D(2000, 1, 1), today())), label="dissolved")
    org_services.update_org(None, org, founded_on=founded, dissolved_on=dissolved)


MORE = OPS | {"transfer": _transfer, "dates": _dates}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_counts_on_equals_a_brute_force_count(base, data):  # noqa: F811
    with transaction.atomic():
        for op in data.draw(st.lists(st.sampled_from(sorted(MORE)), min_size=1, max_size=10), label="ops"):
            MORE[op](data)
        nodes = list(Organization.objects.order_by("path"))
        for _ in range(4):
            node = data.draw(st.sampled_from(nodes), label="node")
            day = data.draw(st.dates(D(1990, 1, 1), today()), label="day")
            assert history.counts_on(node, day) == brute_force(node, day)
        assert rollups.mismatches() == []
        transaction.set_rollback(True)


def test_a_change_of_many_days_is_written_in_several_statements(county):
    """SQLite allows 500 terms in one compound SELECT: 3 kept ancestors × 400 days go in parts."""
    branch = county["花园支部"]
    days = [D(2000, 1, 1) + datetime.timedelta(days=i) for i in range(400)]
    rollups.apply_history([(branch.path, day, {"status:full": 1}) for day in days])
    assert NodeCountChange.objects.filter(node=county["安吉县"], day__in=days, key="status:full").count() == 400
    street = county["城关街道"]
    before, after = (history.counts_on(street, day).get("status:full", 0) for day in (D(1999, 12, 31), D(2000, 12, 31)))
    assert after - before == 366


def test_daily_changes_held_in_memory_write_what_one_apply_history_writes(county):
    """An import's changes, counted on the deepest kept node and written whenever two are held,
    end as the same rows (negative changes, both streets' sums at their county) as one write."""
    def changes_rows():
        # a change written in one part and taken back in another leaves a row of 0: no change
        rows = list(NodeCountChange.objects.exclude(delta=0).order_by("node__path", "day", "key").values_list(
            "node__path", "day", "key", "delta"))
        NodeCountChange.objects.all().delete()
        return rows

    branches, day = (county["花园支部"], county["鹤鹿溪支部"]), D(2001, 1, 1)
    changes = [(branches[i % 2], day + datetime.timedelta(days=i % 3), ("status:full", "gender:F", "owes:branch"),
                -1 if i % 4 == 3 else 1) for i in range(12)]
    NodeCountChange.objects.all().delete()
    held = rollups.DailyChanges(held=2)
    for branch, on, keys, n in changes:
        held.add(branch.path, on, keys, n)
    held.write()
    in_parts = changes_rows()
    rollups.apply_history([(branch.path, on, dict.fromkeys(keys, n)) for branch, on, keys, n in changes])
    assert in_parts == changes_rows()
    county_rows = {(day_, key): n for path, day_, key, n in in_parts if path == county["安吉县"].path}
    assert county_rows[(day, "status:full")] == 3 - 1 and (day, "owes:branch") not in county_rows  # not a history key


def test_a_status_change_before_the_transfer_is_refused(county):
    """赵四 is full since 2015 but in 鹤鹿溪支部 only since 2025-07-01: leaving earlier would
    close that span before it began."""
    m4 = Membership.objects.get(person__name="赵四")
    with pytest.raises(DomainError) as caught:
        people_services.change_status(None, m4, "left", D(2025, 6, 30))
    assert caught.value.code == "date_before_current" and "2025-07-01" in caught.value.message
    people_services.change_status(None, m4, "left", D(2025, 7, 1))
    assert members(history.counts_on(county["鹤鹿溪支部"], D(2025, 7, 1))) == {"status:full": 1, "status:probationary": 1}

"""Compliance over a year of records against a hand-checked fixture, with a rule that
changes mid-year and a member who transfers in mid-quarter."""

import datetime
import datetime as dt

import pytest

from jiceng.core import policy
from jiceng.life import absences, compliance, services
from jiceng.life.models import AbsenceRun
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization
from tests import builders as b

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 1, 15)
RULES = {
    "general_assembly": ("quarter", 1), "committee_meeting": ("month", 1), "group_meeting": ("month", 1),
    "lecture": ("quarter", 1), "themed_day": ("month", 1), "life_meeting": ("year", 1),
    "member_review": ("year", 1), "talk": ("year", 1),
}


@pytest.fixture
def lectures_monthly_from_july(settings, tmp_path):
    """A regional rule: from 2025-07-01 a lecture every month instead of every quarter."""
    rules = dict(RULES, lecture=("month", 1))
    table = ", ".join(f'{k} = {{ per = "{per}", times = {n} }}' for k, (per, n) in rules.items())
    (tmp_path / "life.toml").write_text(
        f'[requirements]\n[[requirements.values]]\nfrom = 2025-07-01\nvalue = {{ {table} }}\n', encoding="utf-8")
    settings.JICENG_POLICY_DIRS = [*settings.JICENG_POLICY_DIRS, tmp_path]
    policy.registry.cache_clear()
    yield
    policy.registry.cache_clear()


def meet(branch, kind, day, attendance=None, **kw):
    return services.record_meeting(None, org=branch, kind=kind, held_on=day, topic=f"{kind} {day}",
                                   attendance=attendance or {}, **kw)


@pytest.fixture
def branch(world):
    branch = b.org(world.a.community, "甲园社区第三党支部", "branch", "urban_community")
    group = b.org(branch, "第一党小组", "group", "urban_community")
    members = [b.member(branch, f"甲丙{i}", since=datetime.date(2010, 1, 1)) for i in range(7)]
    for person, title in zip(members, ("secretary", "deputy_secretary", "member")):
        b.org_services.appoint(None, branch, person.person, title, datetime.date(2024, 1, 1))
    d = datetime.date
    for month in range(1, 13):
        if month not in (3, 8):
            meet(branch, "committee_meeting", d(2025, month, 6))
        meet(branch, "group_meeting", d(2025, month, 8), group=group)
        if month != 12:
            meet(branch, "themed_day", d(2025, month, 1))
    for month in (2, 5, 11):  # Q1, Q2, Q4; Q3 is missing
        meet(branch, "general_assembly", d(2025, month, 20))
    for month in (2, 5, 7, 8, 10, 11, 12):  # quarterly until June, then monthly: September missing
        meet(branch, "lecture", d(2025, month, 25))
    meet(branch, "life_meeting", d(2025, 12, 28))
    for m in members[1:]:  # six of the seven members had their talk
        services.record_talk(None, org=branch, held_on=d(2025, 6, 1), leader=members[0].person, member=m.person)
    return branch


def test_year_of_records_matches_hand_checked_figures(world, branch, lectures_monthly_from_july):
    report = compliance.report(Organization.objects.filter(pk=branch.pk), 2025, today=TODAY)
    assert report.by_kind == {
        "committee_meeting": (10, 12),
        "general_assembly": (3, 4),
        "group_meeting": (12, 12),
        "lecture": (7, 8),          # Q1, Q2, then July–December monthly: September missed
        "themed_day": (11, 12),
        "life_meeting": (1, 1),
        "member_review": (0, 1),
        "talk": (0, 1),
    }
    assert sorted((s.kind, s.period, s.held, s.required) for s in report.shortfalls) == [
        ("committee_meeting", "2025-03", 0, 1), ("committee_meeting", "2025-08", 0, 1),
        ("general_assembly", "2025-Q3", 0, 1), ("lecture", "2025-09", 0, 1), ("member_review", "2025", 0, 1),
        ("talk", "2025", 6, 7), ("themed_day", "2025-12", 0, 1),
    ]


def test_without_the_rule_change_lectures_stay_quarterly(world, branch):
    report = compliance.report(Organization.objects.filter(pk=branch.pk), 2025, today=TODAY)
    assert report.by_kind["lecture"] == (4, 4)


def test_running_periods_are_not_shortfalls_and_branches_without_committee_owe_no_committee_meetings(world):
    report = compliance.report(Organization.objects.filter(pk=world.a.branch.pk), 2025,
                               today=datetime.date(2025, 3, 20))
    kinds = {s.kind for s in report.shortfalls}
    assert "committee_meeting" not in report.by_kind  # one post: no committee
    assert "general_assembly" not in kinds             # Q1 is still running on 20 March
    assert ("themed_day", "2025-01") in {(s.kind, s.period) for s in report.shortfalls}


def test_subtree_report_counts_every_branch(world, branch):
    report = compliance.report(Organization.objects.filter(world.a.county.subtree_q()), 2025, today=TODAY)
    assert report.branches == 2


def test_members_absent_without_reason_three_times_running_are_listed(world):
    a, steady, newcomer = world.a.members[1], world.a.members[2], None
    d = datetime.date
    newcomer = b.member(world.a.branch, "甲转入", since=d(2025, 5, 15))  # transferred in mid-quarter
    for day, statuses in [
        (d(2025, 4, 10), {a.person_id: "absent_unexcused", steady.person_id: "absent_unexcused"}),
        (d(2025, 5, 10), {a.person_id: "absent_unexcused", steady.person_id: "present"}),
        (d(2025, 6, 10), {a.person_id: "absent_unexcused", steady.person_id: "absent_unexcused",
                          newcomer.person_id: "absent_unexcused"}),
        (d(2025, 7, 10), {a.person_id: "absent_unexcused", steady.person_id: "absent_unexcused",
                          newcomer.person_id: "absent_unexcused"}),
    ]:
        meet(world.a.branch, "themed_day", day, attendance=statuses)
    n, rows, total = absences.listed(world.a.county)
    assert n == 3
    assert [p.name for p, _ in rows] == [a.person.name]  # the newcomer has only two meetings since joining
    assert total == 1


# -- the kept counters (compliance.summary reads them) --------------------------------------

MEETING_KINDS = {"general_assembly", "committee_meeting", "group_meeting", "lecture", "themed_day", "life_meeting",
                 "member_review"}


def test_counters_give_the_same_figures_as_the_records(world, lectures_monthly_from_july, branch):
    county = world.a.county
    report = compliance.report(Organization.objects.filter(county.subtree_q()), 2025, today=TODAY)
    kept = compliance.summary(rollups.counts(county), 2025, TODAY)
    assert {k: v for k, v in kept.by_kind.items() if k in MEETING_KINDS} == \
        {k: v for k, v in report.by_kind.items() if k in MEETING_KINDS}
    assert kept.by_month == report.by_month
    assert kept.branches == report.branches == 2
    # Talks per member: six of the new branch's seven, one of the four in the older branch.
    assert kept.by_kind["talk"] == (7, 11)
    assert rollups.mismatches() == []


def test_counters_follow_every_change_that_moves_them(world, branch):
    d = datetime.date
    county = world.a.county
    key = "life:committee_meeting:2025-03"
    assert rollups.counts(county).get(key, 0) == 0
    april = branch.meetings.get(kind="committee_meeting", held_on=d(2025, 4, 6))
    services.amend_meeting(None, april, "日期记错", held_on=d(2025, 3, 30))  # April's meeting was in March
    counts = rollups.counts(county)
    assert counts[key] == 1 and counts.get("life:committee_meeting:2025-04", 0) == 0
    plan = services.plan_meeting(None, org=world.a.branch, kind="themed_day", held_on=dt.date.today(), topic="计划")
    services.hold_meeting(None, plan)
    # A second group changes nothing (one is enough to owe group meetings); moving it keeps both owing.
    owes = rollups.counts(county)["owes:groups"]
    group = b.org(world.a.branch, "新党小组", "group", "urban_community")
    assert rollups.counts(county)["owes:groups"] == owes  # it already had one
    b.org_services.move_org(None, group, branch)
    b.org_services.move_org(None, world.a.group, branch)  # the older branch has no group left
    assert rollups.counts(county)["owes:groups"] == owes - 1
    posts = list(branch.posts.filter(ended_on__isnull=True))
    b.org_services.end_post(None, posts[-1], d(2026, 1, 1))  # two posts left: no committee any more
    assert rollups.counts(county).get("owes:committee", 0) == 0
    b.org_services.update_org(None, world.a.branch, status=Organization.DISSOLVED)
    assert rollups.counts(county)["owes:branch"] == 1
    assert rollups.mismatches() == []


def test_rebuilding_the_follow_up_runs_gives_what_was_kept(world):
    d = datetime.date
    a, b_, c = (m.person_id for m in world.a.members[1:4])
    for day, statuses in [
        (d(2025, 4, 10), {a: "absent_unexcused", b_: "present", c: "absent_unexcused"}),
        (d(2025, 5, 10), {a: "absent_unexcused", b_: "absent_unexcused", c: "present"}),
        (d(2025, 5, 10), {a: "absent_unexcused", b_: "present", c: "absent_unexcused"}),  # same day, later id
    ]:
        meet(world.a.branch, "themed_day", day, attendance=statuses)
    kept = sorted(AbsenceRun.objects.values_list("person_id", "length", "last_on", "org_id"))
    absences.rebuild()
    assert sorted(AbsenceRun.objects.values_list("person_id", "length", "last_on", "org_id")) == kept
    assert {pid: n for pid, n, *_ in kept} == {a: 3, c: 1}
    # A later meeting ends one run and lengthens another; a correction of an older one is recounted.
    meet(world.a.branch, "themed_day", d(2025, 6, 10), attendance={a: "present", c: "absent_unexcused"})
    first = world.a.branch.meetings.get(held_on=d(2025, 4, 10), kind="themed_day")
    services.amend_meeting(None, first, "补记", attendance={b_: "absent_sick"})
    kept = sorted(AbsenceRun.objects.values_list("person_id", "length", "last_on", "org_id"))
    assert {pid: n for pid, n, *_ in kept} == {c: 2}
    absences.rebuild()
    assert sorted(AbsenceRun.objects.values_list("person_id", "length", "last_on", "org_id")) == kept

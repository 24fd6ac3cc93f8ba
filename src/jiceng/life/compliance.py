"""Compliance: for every branch and period, what the policy requires against what was held.

Requirements come from `life.requirements`, taken as in force on each period's first day,
so a rule that changes mid-year judges the periods after it by the new numbers. A branch
owes committee meetings only if it has a committee, and group meetings only if it has
groups; talks are owed to every member (at least one talk a year with a committee member).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from jiceng.core import policy
from jiceng.core.tree import STEP
from jiceng.orgs.kinds import BRANCH_KINDS
from jiceng.orgs.models import LeadershipPost, Organization
from jiceng.people.choices import PARTY_MEMBER_STATUSES

from . import counters
from .choices import KIND_LABELS, MEETING_KINDS
from .models import Meeting, Talk
from .periods import bounds, label, period_of, periods_of_year


@dataclass
class Shortfall:
    branch: Organization
    kind: str
    period: str
    held: int
    required: int

    @property
    def message(self):
        return f"{label(self.period)}{KIND_LABELS[self.kind]}应开 {self.required} 次，实开 {self.held} 次"


@dataclass
class Report:
    year: int
    branches: int
    by_kind: dict = field(default_factory=dict)     # kind -> (met, owed)
    by_month: list = field(default_factory=list)    # [(month key, met, owed)]
    by_child: dict = field(default_factory=dict)    # child path -> (met, owed), for drill-down
    shortfalls: list = field(default_factory=list)

    @property
    def overall(self):
        """(met, owed) over every meeting kind of the year (talks are counted apart)."""
        return tuple(map(sum, zip(*[(met, owed) for _, met, owed in self.by_month]))) or (0, 0)

    def rate(self, kind):
        met, owed = self.by_kind.get(kind, (0, 0))
        return met / owed if owed else None


def requirement_table(period_key):
    return policy.get("life.requirements", on=bounds(period_key)[0])


def _owed_kinds(branch, has_committee, has_groups):
    kinds = [k for k, _ in MEETING_KINDS]
    if not has_committee:
        kinds.remove("committee_meeting")
    if not has_groups:
        kinds.remove("group_meeting")
    return kinds


@dataclass(frozen=True)
class Cell:
    """What one branch owed of one kind in one period, and what it held."""

    branch: Organization
    kind: str
    period: str
    held: int
    required: int
    running: bool  # the period has not ended yet

    @property
    def met(self):
        return self.held >= self.required


def cells(branches_qs, year, today):
    """Every (branch, kind, period) of `year` that has started by `today`, meetings counted."""
    branches = list(branches_qs.filter(kind__in=BRANCH_KINDS, status=Organization.ACTIVE).order_by("path"))
    ids = [b.pk for b in branches]
    seats = policy.get("orgs.committee_min_seats", on=today)
    committees = {org_id for org_id, n in LeadershipPost.objects.filter(org_id__in=ids, ended_on__isnull=True)
                  .values("org_id").annotate(n=Count("id")).values_list("org_id", "n") if n >= seats}
    with_groups = set(Organization.objects.filter(parent_id__in=ids, kind="group").values_list("parent_id", flat=True))
    held = defaultdict(int)  # (branch, kind, month) -> meetings
    start, end = bounds(str(year))
    for org_id, kind, day in Meeting.objects.filter(org_id__in=ids, status=Meeting.HELD, held_on__gte=start,
                                                   held_on__lt=end) \
            .values_list("org_id", "kind", "held_on").iterator(chunk_size=10000):
        held[(org_id, kind, period_of(day, "month"))] += 1
    months = periods_of_year(year, "month", until=today)
    tables = {m: requirement_table(m) for m in months}
    for b in branches:
        for kind in _owed_kinds(b, b.pk in committees, b.pk in with_groups):
            # Group the months of the year into this kind's periods, each by its own rule.
            periods = defaultdict(list)
            for m in months:
                rule = tables[m].get(kind)
                if rule:
                    periods[period_of(bounds(m)[0], rule["per"])].append(m)
            for key, in_period in periods.items():
                yield Cell(b, kind, key, sum(held[(b.pk, kind, m)] for m in in_period),
                           tables[in_period[0]][kind]["times"], bounds(key)[0] <= today < bounds(key)[1])
    yield from _talk_cells(branches, year, today)


def report(branches_qs, year, today=None, root=None):
    """Compliance of the branches in `branches_qs` (already scoped) for `year`, up to today.
    A period still running counts only once it is met: it is not a shortfall yet.
    With `root`, figures are also summed per child of root (by_child, keyed by path)."""
    today = today or timezone.localdate()
    result = Report(year=year, branches=0)
    by_kind, by_month, branches = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0]), set()
    by_child = defaultdict(lambda: [0, 0])
    child_len = len(root.path) + STEP if root is not None else None
    for cell in cells(branches_qs, year, today):
        branches.add(cell.branch.pk)
        if cell.running and not cell.met:
            continue
        by_kind[cell.kind][0] += cell.met
        by_kind[cell.kind][1] += 1
        if cell.kind != "talk":  # talks are a yearly figure per member, not a monthly trend
            # A period is counted in its last month that has begun.
            month_key = period_of(min(bounds(cell.period)[1] - datetime.timedelta(days=1), today), "month")
            by_month[month_key][0] += cell.met
            by_month[month_key][1] += 1
        if child_len and len(cell.branch.path) >= child_len:
            by_child[cell.branch.path[:child_len]][0] += cell.met
            by_child[cell.branch.path[:child_len]][1] += 1
        if not cell.met:
            result.shortfalls.append(Shortfall(cell.branch, cell.kind, cell.period, cell.held, cell.required))
    result.branches = len(branches) or branches_qs.filter(kind__in=BRANCH_KINDS, status=Organization.ACTIVE).count()
    result.by_kind = {k: tuple(v) for k, v in by_kind.items()}
    result.by_month = [(m, *by_month[m]) for m in sorted(by_month)]
    result.by_child = {path: tuple(v) for path, v in by_child.items()}
    return result


def summary(counts, year, today):
    """The compliance figures of one subtree for `year` up to `today`, read from its kept
    counters (`counts` = orgs.rollups.counts(node)); the same numbers as `report` without
    its per-branch detail. Talks are counted per member (talked with / party members)."""
    result = Report(year=year, branches=counts.get("owes:branch", 0))
    by_kind, by_month = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    months = periods_of_year(year, "month", until=today)
    for kind in (k for k, _ in MEETING_KINDS):
        owing = counts.get(counters.owing_key(kind), 0)
        for period, _ in dict.fromkeys(filter(None, (counters.rule_for(kind, m) for m in months))):
            start, end = bounds(period)
            met = counts.get(counters.met_key(kind, period), 0)
            owed = met if start <= today < end else owing  # a running period counts once met
            by_kind[kind][0] += met
            by_kind[kind][1] += owed
            month_key = period_of(min(end - datetime.timedelta(days=1), today), "month")
            by_month[month_key][0] += met
            by_month[month_key][1] += owed
    if months:
        members = sum(counts.get(f"status:{s}", 0) for s in PARTY_MEMBER_STATUSES)
        by_kind["talk"] = [min(counts.get(f"life:talked:{year}", 0), members), members]
    result.by_kind = {k: tuple(v) for k, v in by_kind.items() if v[1]}
    result.by_month = [(m, *by_month[m]) for m in sorted(by_month)]
    return result


def last_ended(kind, today):
    """(period, times) of the latest period of `kind` that has ended by `today`, or None."""
    running = counters.rule_for(kind, period_of(today, "month"))
    if running is None:
        return None
    return counters.rule_for(kind, period_of(bounds(running[0])[0] - datetime.timedelta(days=1), "month"))


def fell_short(branches_qs, kind, period):
    """Active branches of `branches_qs` that owe `kind` and did not meet it in `period`, read
    from their own counter rows (an index lookup per branch, in path order)."""
    from django.db.models import Exists, OuterRef

    from jiceng.orgs.models import NodeCount

    def counter(key):
        return Exists(NodeCount.objects.filter(node=OuterRef("pk"), key=key, value__gt=0))

    return (branches_qs.filter(kind__in=BRANCH_KINDS, status=Organization.ACTIVE)
            .filter(counter(counters.owing_key(kind))).exclude(counter(counters.met_key(kind, period)))
            .order_by("path"))


def held_in(branches, kind, period):
    """{branch id: meetings of `kind` held in `period`} for a page of branches."""
    start, end = bounds(period)
    return dict(Meeting.objects.filter(org__in=branches, kind=kind, status=Meeting.HELD, held_on__gte=start,
                                       held_on__lt=end).values_list("org_id").annotate(n=Count("id")))


def owed_soon(branches_qs, today, within_days):
    """Running periods that end within `within_days` and are not met yet: what reminders say."""
    horizon = today + datetime.timedelta(days=within_days)
    return [c for c in cells(branches_qs, today.year, today)
            if c.running and not c.met and bounds(c.period)[1] <= horizon]


def _talk_cells(branches, year, today):
    """A branch meets the talk rule when each of its current members had a talk this year."""
    from jiceng.people.models import Membership

    ids = [b.pk for b in branches]
    start, end = bounds(str(year))
    talked = set(Talk.objects.filter(org_id__in=ids, held_on__gte=start, held_on__lt=end)
                 .values_list("org_id", "member_id"))
    members = defaultdict(set)
    for org_id, person_id in Membership.objects.filter(org_id__in=ids, status__in=["full", "probationary"]) \
            .values_list("org_id", "person_id"):
        members[org_id].add(person_id)
    for b in branches:
        covered = sum((b.pk, p) in talked for p in members[b.pk])
        yield Cell(b, "talk", str(year), covered, len(members[b.pk]), today < end)

"""Compliance counters, kept in the rollup table (orgs.NodeCount) in the same transaction as
the record that changes them, so the compliance dashboard of any node reads a few rows.

A branch contributes, to itself and every ancestor:
  life:<kind>:<period>   1 while it has held `kind` as often as `period` requires
                         (e.g. life:committee_meeting:2026-03, life:lecture:2026-Q1)
  life:talked:<year>     members it has had a heart-to-heart talk with in `year`
What each branch owes comes from orgs.rollups.branch_keys (owes:branch, owes:committee,
owes:groups). `live_contributions` recounts all of it from the records, so `jiceng rollups
check` proves the kept counters and `rebuild` restores them.
"""

from collections import Counter, defaultdict
from contextlib import contextmanager

from django.db.models import Count
from django.db.models.functions import ExtractYear

from jiceng.core import policy
from jiceng.orgs import rollups
from jiceng.orgs.kinds import BRANCH_KINDS
from jiceng.orgs.models import Organization

from .choices import MEETING_KINDS
from .models import Meeting, Talk
from .periods import bounds, period_of

# The kind owed only by branches with a committee / with groups; the rest by every branch.
OWED_BY = {"committee_meeting": "owes:committee", "group_meeting": "owes:groups"}


def owing_key(kind):
    return OWED_BY.get(kind, "owes:branch")


def rule_for(kind, month_key):
    """(period key, times required) that judges `kind` in the month, or None when not owed.
    The month's own rule names the period; the rule in force on the period's first day sets
    how many times (the same choice as compliance.cells). Memoized until the policies are
    reloaded: a dashboard asks it for every kind and month of a year, for every child."""
    registry = policy.registry()
    if _memo.get("registry") is not registry:
        _memo.clear()
        _memo["registry"] = registry
    if (kind, month_key) not in _memo:
        _memo[(kind, month_key)] = _rule_for(kind, month_key)
    return _memo[(kind, month_key)]


_memo = {}


def _rule_for(kind, month_key):
    rule = policy.get("life.requirements", on=bounds(month_key)[0]).get(kind)
    if not rule:
        return None
    period = period_of(bounds(month_key)[0], rule["per"])
    first = policy.get("life.requirements", on=bounds(period)[0]).get(kind) or rule
    return period, first["times"]


def met_key(kind, period):
    return f"life:{kind}:{period}"


def _met(org, kind, days):
    """The met keys of `org` for `kind` in the periods containing `days`."""
    keys = []
    for period, times in {rule_for(kind, period_of(d, "month")) for d in days} - {None}:
        start, end = bounds(period)
        held = Meeting.objects.filter(org=org, kind=kind, status=Meeting.HELD, held_on__gte=start,
                                      held_on__lt=end).count()
        if held >= times:
            keys.append(met_key(kind, period))
    return keys


@contextmanager
def counted(org, kind, *days):
    """Keep `org`'s counters in step with a change, inside the block, to its held meetings of
    `kind` on `days` (every date the change touches: old and new). A branch that does not owe
    `kind` (no committee, no groups, dissolved) keeps no met keys for it."""
    if owing_key(kind) not in rollups.branch_keys(org):
        yield
        return
    days = {d for d in days if d}
    before = _met(org, kind, days)
    yield
    rollups.apply(org.path, rollups.diff(before, _met(org, kind, days)))


def owing_changed(branch, gained, lost):
    """A branch began or stopped owing kinds: its met periods of them count, or no longer."""
    for sign, keys in ((1, gained), (-1, lost)):
        for kind in (k for k, _ in MEETING_KINDS if owing_key(k) in keys):
            delta = Counter()
            for path, key, n in _met_everywhere(Meeting.objects.filter(org=branch, kind=kind),
                                                 {branch.pk: branch.path}):
                delta[key] += sign * n
            rollups.apply(branch.path, delta)


def talk_recorded(talk):
    """Count the member once per branch and year, at their first talk of the year there."""
    start, end = bounds(str(talk.held_on.year))
    if not Talk.objects.filter(org_id=talk.org_id, member_id=talk.member_id, held_on__gte=start,
                               held_on__lt=end).exclude(pk=talk.pk).exists():
        rollups.apply(talk.org.path, {f"life:talked:{talk.held_on.year}": 1})


def live_contributions():
    """(branch path, key, n) recounted from the records, for orgs.rollups.live_totals."""
    owing = rollups.live_branch_keys()
    for path, key, n in _met_everywhere(Meeting.objects.all()):
        if owing_key(key.split(":")[1]) in owing.get(path, ()):
            yield path, key, n
    for path, year, n in (Talk.objects.values_list("org__path", ExtractYear("held_on"))
                          .annotate(n=Count("member_id", distinct=True))):
        yield path, f"life:talked:{year}", n


def _met_everywhere(meetings, paths=None):
    """(branch path, met key, 1) for every period in which the held `meetings` of a branch
    reach what is required, whether or not the branch owes the kind; `paths` ({branch id:
    path}) when the meetings are of known branches, else every branch's is read. Grouped by
    the plain date: extracting months in SQL runs a Python function per row on SQLite."""
    held = defaultdict(Counter)  # (branch, kind) -> {(period, times): meetings}
    for org_id, kind, day, n in (meetings.filter(status=Meeting.HELD).values_list("org_id", "kind", "held_on")
                                 .annotate(n=Count("id")).order_by().iterator(chunk_size=50000)):
        judged = rule_for(kind, f"{day.year}-{day.month:02d}")
        if judged:
            held[(org_id, kind)][judged] += n
    paths = paths or dict(Organization.objects.filter(kind__in=BRANCH_KINDS).values_list("id", "path"))
    for (org_id, kind), periods in held.items():
        for (period, times), n in periods.items():
            if n >= times:
                yield paths[org_id], met_key(kind, period), 1

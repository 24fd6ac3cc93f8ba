"""Working out a month's dues for many members at once: a handful of queries per chunk of
members, whatever the subtree's size, and the rule (rates.Rule) read once per region."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from jiceng.core import tree
from jiceng.orgs.models import Organization
from jiceng.people.choices import PARTY_MEMBER_STATUSES
from jiceng.people.models import MembershipPeriod

from . import months
from .choices import APPROVED, EXEMPT
from .models import Assessment, DuesProfile, Reduction
from .rates import Rule

CHUNK = 2000
ZERO = Decimal("0.00")
FIELDS = ("org_id", "category", "base", "rate", "due", "reduction_id")


@dataclass
class Outcome:
    rows: dict = field(default_factory=dict)       # person_id -> unsaved Assessment
    missing_profile: list = field(default_factory=list)  # person_ids who owe but have no profile


def owing(month, path=None, person_ids=None):
    """Spans of who owes dues for `month` — a probationary or full member for at least one
    day of it (probationary members from the day the assembly admitted them, which is where
    their probationary span starts) — in `path`'s subtree or among `person_ids`."""
    spans = MembershipPeriod.objects.filter(status__in=PARTY_MEMBER_STATUSES, start__lte=months.last_day(month)) \
        .filter(Q(end__isnull=True) | Q(end__gt=month))
    if path is not None:
        spans = spans.filter(tree.subtree_q(path, "org__path"))
    if person_ids is not None:
        spans = spans.filter(person_id__in=person_ids)
    return spans


def members_of(spans):
    """{person_id: org_id}; the latest span in the month names the branch."""
    return dict(spans.order_by("person_id", "start", "id").values_list("person_id", "org_id"))


class Regions:
    """The policy region (division code of the nearest coded ancestor) of each branch, from one
    query over the coded nodes on the way, and one Rule per region."""

    def __init__(self, month, org_ids):
        self.month, self._rules = month, {}
        paths = dict(Organization.objects.filter(pk__in=set(org_ids)).values_list("pk", "path"))
        prefixes = {p for path in paths.values() for p in tree.ancestor_paths(path, include_self=True)}
        coded = dict(Organization.objects.filter(path__in=prefixes).exclude(division_code="")
                     .values_list("path", "division_code"))
        self.of = {}
        for pk, path in paths.items():
            found = [coded[p] for p in tree.ancestor_paths(path, include_self=True) if p in coded]
            self.of[pk] = found[-1] if found else ""

    def rule(self, org_id):
        region = self.of.get(org_id, "")
        if region not in self._rules:
            self._rules[region] = Rule(self.month, region)
        return self._rules[region]


def _latest(rows):
    """The last row per person of rows ordered by person then date."""
    return {row[0]: row for row in rows.iterator(chunk_size=CHUNK)}


def compute(month, spans):
    """Assessments (unsaved) for everyone `spans` (from owing) names. Each read below is one
    query over the whole set (the people come in as a subquery), never one per member."""
    out = Outcome()
    members = members_of(spans)
    persons = spans.values("person_id")
    regions = Regions(month, members.values())
    last = months.last_day(month)
    profiles = _latest(DuesProfile.objects.filter(person_id__in=persons, applies_from__lte=last)
                       .order_by("person_id", "applies_from", "id")
                       .values_list("person_id", "category", "monthly_income", "flat_amount"))
    reductions = _latest(Reduction.objects.filter(person_id__in=persons, status=APPROVED, first_month__lte=month,
                                                  last_month__gte=month)
                         .order_by("person_id", "decided_on", "id").values_list("person_id", "pk", "kind", "amount"))
    for pid, org_id in members.items():
        if pid not in profiles:
            out.missing_profile.append(pid)
            continue
        _, category, income, flat = profiles[pid]
        d = regions.rule(org_id).due(category, income, flat)
        row = Assessment(person_id=pid, org_id=org_id, month=month, category=category, base=d.base, rate=d.rate,
                         due=d.due)
        if pid in reductions:
            _, reduction_id, kind, amount = reductions[pid]
            row.reduction_id = reduction_id
            row.due = min(row.due, amount) if kind != EXEMPT and amount is not None else ZERO
        out.rows[pid] = row
    return out


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    settled: int = 0     # already paid: left as they were
    removed: int = 0     # unpaid rows of members who no longer owe


def write(month, rows, spans, path=None):
    """Insert new rows, update changed unpaid ones, leave paid ones alone; with `path`, drop the
    subtree's unpaid rows for the month of members no longer owing. Idempotent."""
    result = Written()
    existing = {r[1]: r for r in Assessment.objects.filter(month=month, person_id__in=spans.values("person_id"))
                .order_by().values_list("pk", "person_id", "payment_id", *FIELDS).iterator(chunk_size=CHUNK)}
    new, changed = [], []
    for pid, row in rows.items():
        old = existing.get(pid)
        if old is None:
            new.append(row)
        elif old[2] is not None:
            result.settled += 1
        elif old[3:] != tuple(getattr(row, f) for f in FIELDS):
            row.pk = old[0]
            changed.append(row)
        else:
            result.unchanged += 1
    # A payment recorded meanwhile wins: its row is neither duplicated nor recomputed.
    Assessment.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    still_open = set()
    for i in range(0, len(changed), CHUNK):
        still_open.update(Assessment.objects.select_for_update().filter(
            pk__in=[r.pk for r in changed[i:i + CHUNK]], payment__isnull=True).values_list("pk", flat=True))
    changed = [r for r in changed if r.pk in still_open]
    Assessment.objects.bulk_update(changed, FIELDS, batch_size=500)
    result.created, result.updated = len(new), len(changed)
    if path is not None:
        unpaid = Assessment.objects.filter(tree.subtree_q(path, "org__path"), month=month, payment__isnull=True)
        stale = [pk for pk, pid in unpaid.order_by().values_list("pk", "person_id").iterator(chunk_size=CHUNK)
                 if pid not in rows]
        for i in range(0, len(stale), CHUNK):
            result.removed += Assessment.objects.filter(pk__in=stale[i:i + CHUNK]).delete()[0]
    return result

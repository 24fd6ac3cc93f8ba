"""Reads of dues. Per-member reads go through core.scoping; subtree figures are read under an
organization the caller was already allowed to see (orgs.queries.get), as life does."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Sum

from jiceng.core import policy, tree
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.people.choices import PARTY_MEMBER_STATUSES
from jiceng.people.models import Membership

from . import months
from .choices import PENDING
from .models import Assessment, DuesProfile, Payment, Reduction


def _unpaid(org):
    """Rows in `org`'s subtree with money owed and not (yet) received."""
    return Assessment.objects.filter(tree.subtree_q(org.path, "org__path"), paid_on__isnull=True, due__gt=0)


@dataclass
class Sheet:
    rows: list          # (membership, assessment or None, profile or None)
    owed: Decimal
    paid: Decimal
    missing_profile: int
    not_run: int


def month_sheet(branch, month):
    """Each member of the branch with their row for `month` (None before the month is run)."""
    members = list(Membership.objects.filter(org=branch, status__in=PARTY_MEMBER_STATUSES).select_related("person")
                   .order_by("person__name_pinyin"))
    ids = [m.person_id for m in members]
    rows = {a.person_id: a for a in Assessment.objects.filter(month=month, person_id__in=ids)}
    profiles = {}
    for p in DuesProfile.objects.filter(person_id__in=ids, applies_from__lte=months.last_day(month)) \
            .order_by("applies_from", "id"):
        profiles[p.person_id] = p
    lines = [(m, rows.get(m.person_id), profiles.get(m.person_id)) for m in members]
    return Sheet(lines, sum((a.due for _, a, _ in lines if a and not a.paid_on), Decimal("0")),
                 sum((a.due for _, a, _ in lines if a and a.paid_on), Decimal("0")),
                 sum(1 for _, _, p in lines if p is None), sum(1 for _, a, p in lines if a is None and p is not None))


def arrears_by_branch(org, before):
    """Per branch in the subtree: members and months owed before `before`, and the sum."""
    return list(_unpaid(org).filter(month__lt=before).values("org_id", "org__name")
                .annotate(members=Count("person_id", distinct=True), months=Count("id"), total=Sum("due"))
                .order_by("-total", "org__name"))


def arrears_members(org, before, limit=100):
    return list(_unpaid(org).filter(month__lt=before)
                .values("person_id", "person__name", "org_id", "org__name")
                .annotate(months=Count("id"), total=Sum("due"), since=Min("month"))
                .order_by("-months", "person__name")[:limit])


@dataclass
class Flag:
    person_id: int
    name: str
    org_id: int
    org_name: str
    total: Decimal


def unpaid_runs(org, on):
    """(n, flags): members of the subtree who paid none of the `n` months before `on`'s month
    (n from policy), each month assessed with something owed. Exempted months break a run."""
    n = policy.get("dues.unpaid_flag_months", on=on)
    end = months.add(months.first(on), -1)
    start = months.add(end, -(n - 1))
    rows = (_unpaid(org).filter(month__gte=start, month__lte=end)
            .values("person_id", "person__name")
            .annotate(n=Count("id"), total=Sum("due")).filter(n=n).order_by("person__name"))
    found = list(rows)
    # The branch is the one holding the latest of those months.
    branch = {pid: (org_id, name) for pid, org_id, name in Assessment.objects.filter(
        person_id__in=[r["person_id"] for r in found], month=end).values_list("person_id", "org_id", "org__name")}
    return n, [Flag(r["person_id"], r["person__name"], *branch[r["person_id"]], r["total"]) for r in found]


def history(user, person):
    """What the member's page shows, each list through scoping."""
    return {
        "profiles": scope(user, DuesProfile.objects.filter(person=person)).order_by("-applies_from", "-id"),
        "assessments": scope(user, Assessment.objects.filter(person=person)).select_related("payment", "reduction")
        .order_by("-month")[:36],
        "payments": scope(user, Payment.objects.filter(person=person)).order_by("-paid_on", "-id")[:24],
        "reductions": scope(user, Reduction.objects.filter(person=person)).select_related("approver_org")
        .order_by("-decided_on", "-id"),
    }


def pending_reductions(user, org):
    """Reductions in the subtree waiting for approval that `user` may approve (one level up)."""
    rows = scope(user, Reduction.objects.filter(tree.subtree_q(org.path, "org__path"), status=PENDING)) \
        .select_related("person", "org__parent").order_by("decided_on", "id")[:100]
    return [r for r in rows if can(user, CHANGE, r.org.parent)]


def year_rows(org=None, person=None, year=None):
    rows = Assessment.objects.filter(month__year=year)
    if org is not None:
        rows = rows.filter(tree.subtree_q(org.path, "org__path"))
    if person is not None:
        rows = rows.filter(person=person)
    return rows

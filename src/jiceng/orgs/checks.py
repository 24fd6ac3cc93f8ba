"""Structural checks from policy (支部工作条例): shown on an organization's page and listed
over a subtree. Member counts come from the rollups, so a county is checked in a few queries.

Each rule is written once, as a condition on a branch's figures in SQL: problems_in lists the
branches that meet one, counts_in counts them without loading the subtree (the dashboard)."""

from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import (BooleanField, Count, Exists, ExpressionWrapper, F, FilteredRelation, OuterRef, Q,
                              Subquery)
from django.db.models.functions import Coalesce
from django.utils import timezone

from jiceng.core import policy, tree

from .kinds import BRANCH_KINDS
from .models import LeadershipPost, Organization


LABELS = {
    "too_few_full_members": "正式党员不足",
    "too_many_members": "党员人数过多",
    "committee_missing": "应设未设支委会",
    "secretary_vacant": "书记空缺",
    "term_expired": "任期届满未换届",
}


@dataclass(frozen=True)
class Problem:
    org: Organization
    code: str
    message: str


def _rules(on):
    return {
        "min_full": policy.get("orgs.branch_min_full_members", on=on),
        "max_members": policy.get("orgs.branch_max_members", on=on),
        "committee_full": policy.get("orgs.committee_required_full_members", on=on),
        "committee_seats": policy.get("orgs.committee_min_seats", on=on),
    }


def _open_posts():
    return LeadershipPost.objects.filter(ended_on__isnull=True)


def _expired_posts(on):
    return _open_posts().filter(term_end__lt=on)


def _branches(queryset):
    """The active branches of `queryset` with the figures the branch rules read: member counts
    joined from the rollups (one row a node and key), open posts counted in a subquery."""
    seats = _open_posts().filter(org=OuterRef("pk")).order_by().values("org_id").annotate(n=Count("pk")).values("n")
    return (queryset.filter(kind__in=BRANCH_KINDS, status=Organization.ACTIVE)
            .annotate(full_count=FilteredRelation("counts", condition=Q(counts__key="status:full")),
                      probationary_count=FilteredRelation("counts", condition=Q(counts__key="status:probationary")))
            .annotate(full=Coalesce(F("full_count__value"), 0),
                      probationary=Coalesce(F("probationary_count__value"), 0),
                      seats=Coalesce(Subquery(seats), 0),
                      has_secretary=Exists(_open_posts().filter(org=OuterRef("pk"), title="secretary")))
            .annotate(members=F("full") + F("probationary")))


def _branch_rules(rules):
    """code → the condition on _branches' figures under which a branch has that problem."""
    return {
        "too_few_full_members": Q(full__lt=rules["min_full"]),
        "too_many_members": Q(members__gt=rules["max_members"]),
        "committee_missing": Q(full__gte=rules["committee_full"], seats__lt=rules["committee_seats"]),
        "secretary_vacant": Q(has_secretary=False),
    }


_MESSAGES = {
    "too_few_full_members": lambda b, r: f"正式党员 {b.full} 人，少于成立党支部所需的 {r['min_full']} 人",
    "too_many_members": lambda b, r: f"党员 {b.members} 人，超过一般上限 {r['max_members']} 人，可考虑设立党总支",
    "committee_missing": lambda b, r: (f"正式党员 {b.full} 人（≥{r['committee_full']}），应设支部委员会，"
                                       f"现有班子成员 {b.seats} 人"),
    "secretary_vacant": lambda b, r: "书记空缺",
}


def _branch_problems(queryset, rules):
    conditions = _branch_rules(rules)
    flags = {code: ExpressionWrapper(q, output_field=BooleanField()) for code, q in conditions.items()}
    branches = _branches(queryset).filter(reduce(or_, conditions.values())).annotate(**flags)
    return [Problem(b, code, _MESSAGES[code](b, rules)) for b in branches for code in conditions if getattr(b, code)]


def _expired_problems(queryset, on):
    expired = defaultdict(list)
    for post in (_expired_posts(on).filter(org__in=queryset)
                 .select_related("org", "person").order_by("org__path", "title")):
        expired[post.org].append(post)
    found = []
    for org, posts in expired.items():
        names = "、".join(f"{p.get_title_display()}{p.person.name}" for p in posts[:3])
        more = f"等 {len(posts)} 人" if len(posts) > 3 else ""
        found.append(Problem(org, "term_expired",
                             f"班子任期已于 {min(p.term_end for p in posts):%Y-%m-%d} 届满（{names}{more}），应按期换届"))
    return found


def problems_in(queryset, on=None):
    """Problems of every organization in `queryset` (already scoped), in path order."""
    on = on or timezone.localdate()
    found = _branch_problems(queryset, _rules(on)) + _expired_problems(queryset, on)
    found.sort(key=lambda p: p.org.path)
    return found


def counts_in(queryset, on=None):
    """{code: how many problems of that code} over `queryset` (already scoped), as problems_in
    would count them, in two aggregate queries: no organization is loaded."""
    on = on or timezone.localdate()
    counted = _branches(queryset).aggregate(
        **{code: Count("pk", filter=q) for code, q in _branch_rules(_rules(on)).items()})
    counted["term_expired"] = queryset.filter(Exists(_expired_posts(on).filter(org=OuterRef("pk")))).count()
    return {code: n for code, n in counted.items() if n}


def problems_of(org, on=None):
    return problems_in(Organization.objects.filter(pk=org.pk), on)


def problems_under(org, scoped_queryset, on=None):
    return problems_in(scoped_queryset.filter(tree.subtree_q(org.path)), on)


def counts_under(org, scoped_queryset, on=None):
    return counts_in(scoped_queryset.filter(tree.subtree_q(org.path)), on)

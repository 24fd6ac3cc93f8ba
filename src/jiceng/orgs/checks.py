"""Structural checks from policy (支部工作条例): shown on an organization's page and listed
over a subtree. Member counts come from the rollups, so a county is checked in a few queries."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from jiceng.core import policy, tree

from .kinds import BRANCH_KINDS
from .models import LeadershipPost, NodeCount, Organization


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


def _branch_problems(org, full, probationary, seats, has_secretary, rules):
    out = []
    if full < rules["min_full"]:
        out.append(Problem(org, "too_few_full_members",
                           f"正式党员 {full} 人，少于成立党支部所需的 {rules['min_full']} 人"))
    if full + probationary > rules["max_members"]:
        out.append(Problem(org, "too_many_members",
                           f"党员 {full + probationary} 人，超过一般上限 {rules['max_members']} 人，可考虑设立党总支"))
    if full >= rules["committee_full"] and seats < rules["committee_seats"]:
        out.append(Problem(org, "committee_missing",
                           f"正式党员 {full} 人（≥{rules['committee_full']}），应设支部委员会，现有班子成员 {seats} 人"))
    if not has_secretary:
        out.append(Problem(org, "secretary_vacant", "书记空缺"))
    return out


def problems_in(queryset, on=None):
    """Problems of every organization in `queryset` (already scoped), in path order."""
    on = on or timezone.localdate()
    rules = _rules(on)
    branches = list(queryset.filter(kind__in=BRANCH_KINDS, status=Organization.ACTIVE).order_by("path"))
    ids = [b.pk for b in branches]
    counts = defaultdict(dict)
    for node_id, key, value in NodeCount.objects.filter(
        node_id__in=ids, key__in=["status:full", "status:probationary"]
    ).values_list("node_id", "key", "value"):
        counts[node_id][key] = value
    seats = dict(
        LeadershipPost.objects.filter(org_id__in=ids, ended_on__isnull=True)
        .values("org_id").annotate(n=Count("id")).values_list("org_id", "n")
    )
    secretaries = set(
        LeadershipPost.objects.filter(org_id__in=ids, ended_on__isnull=True, title="secretary")
        .values_list("org_id", flat=True)
    )
    found = []
    for b in branches:
        c = counts[b.pk]
        found += _branch_problems(b, c.get("status:full", 0), c.get("status:probationary", 0),
                                  seats.get(b.pk, 0), b.pk in secretaries, rules)
    expired = defaultdict(list)
    for post in (LeadershipPost.objects.filter(org__in=queryset, ended_on__isnull=True, term_end__lt=on)
                 .select_related("org", "person").order_by("org__path", "title")):
        expired[post.org].append(post)
    for org, posts in expired.items():
        names = "、".join(f"{p.get_title_display()}{p.person.name}" for p in posts[:3])
        more = f"等 {len(posts)} 人" if len(posts) > 3 else ""
        found.append(Problem(org, "term_expired",
                             f"班子任期已于 {min(p.term_end for p in posts):%Y-%m-%d} 届满（{names}{more}），应按期换届"))
    found.sort(key=lambda p: p.org.path)
    return found


def problems_of(org, on=None):
    return problems_in(Organization.objects.filter(pk=org.pk), on)


def problems_under(org, scoped_queryset, on=None):
    return problems_in(scoped_queryset.filter(tree.subtree_q(org.path)), on)

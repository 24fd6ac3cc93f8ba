"""Counts on a past date (截至某日): the figures of rollups.counts as they were at the end of
a day, answered from the status histories (MembershipPeriod: a span counts on d when
start <= d < end, in its own organization) and the organizations' founded_on / dissolved_on
(no founding date: it always existed).

A node down to rollups.HISTORY_DEPTH answers from its kept counts minus its daily changes
after the day (NodeCountChange: one indexed range of a few rows per key and day); a deeper,
smaller subtree is counted from its periods directly. Person fields and an organization's
sector are taken as they are now, for every date.
"""

from collections import Counter, defaultdict
from functools import reduce
from operator import or_

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear, Substr

from jiceng.core.tree import STEP, subtree_q
from jiceng.people.models import MembershipPeriod

from . import rollups
from .models import NodeCount, NodeCountChange, Organization


def is_history_key(key):
    return key.partition(":")[0] in rollups.HISTORY_FAMILIES


def counts_on(node, day):
    """{key: n} of the history families in `node`'s subtree at the end of `day`."""
    return counts_on_for([node], day)[node.pk]


def counts_on_for(nodes, day):
    """{node_id: {key: n}} for many nodes (a node's children, for drill-down): two queries for
    the nodes that keep daily changes, two per depth for the others."""
    out = defaultdict(dict)
    kept = [n for n in nodes if n.depth <= rollups.HISTORY_DEPTH]
    if kept:
        totals = defaultdict(Counter)
        for node_id, key, value in NodeCount.objects.filter(node__in=kept).exclude(value=0) \
                .values_list("node_id", "key", "value"):
            if is_history_key(key):
                totals[node_id][key] = value
        for node_id, key, later in NodeCountChange.objects.filter(node__in=kept, day__gt=day) \
                .values_list("node_id", "key").annotate(later=Sum("delta")):
            totals[node_id][key] -= later
        for node_id, counts in totals.items():
            out[node_id] = {k: n for k, n in counts.items() if n}
    by_depth = defaultdict(list)
    for n in nodes:
        if n.depth > rollups.HISTORY_DEPTH:
            by_depth[n.depth].append(n)
    for depth, same in by_depth.items():
        for node_id, counts in _counted(same, depth, day).items():
            out[node_id] = counts
    return out


def _counted(nodes, depth, day):
    """{node_id: {key: n}} for nodes of one depth, from their periods and organizations."""
    ids = {n.path: n.pk for n in nodes}
    cut = depth * STEP
    out = defaultdict(Counter)
    spans = (MembershipPeriod.objects.filter(reduce(or_, (subtree_q(p, "org__path") for p in ids)), start__lte=day)
             .filter(Q(end__isnull=True) | Q(end__gt=day)).exclude(status="left")
             .annotate(node=Substr("org__path", 1, cut), year=ExtractYear("person__birth_date"))
             .values_list("node", "status", "person__gender", "year", "org__sector", "person__education",
                          "person__ethnicity").annotate(n=Count("id")))
    for path, status, *who, n in spans:
        out[ids[path]].update(dict.fromkeys(rollups.membership_keys(status, *who), n))
    orgs = (Organization.objects.filter(reduce(or_, (subtree_q(p) for p in ids)))
            .filter(Q(founded_on__isnull=True) | Q(founded_on__lte=day))
            .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day))
            .annotate(node=Substr("path", 1, cut)).values_list("node", "kind", "sector").annotate(n=Count("id")))
    for path, kind, sector, n in orgs:
        out[ids[path]].update(dict.fromkeys(rollups.org_keys(kind, sector), n))
    return {node_id: {k: v for k, v in c.items() if v} for node_id, c in out.items()}

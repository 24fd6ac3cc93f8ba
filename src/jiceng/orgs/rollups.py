"""Per-node counts over each subtree (NodeCount), kept in step with every change.

A row contributes keys (`membership_keys`, `org_keys`) to its node and every ancestor.
Services call `apply()` in their own transaction with the change in keys, so a dashboard
at any level reads a few rows instead of scanning the subtree. `rebuild()` recomputes
everything from the live tables, and `mismatches()` proves the kept counts equal them.
"""

from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import ExtractYear

from jiceng.core.tree import STEP, ancestor_paths
from jiceng.people.choices import PARTY_MEMBER_STATUSES

from .models import NodeCount, Organization


def org_keys(kind, sector):
    return [f"kind:{kind}", f"org_sector:{sector}"]


def membership_keys(status, gender, birth_year, sector):
    if status == "left":
        return []
    keys = [f"status:{status}"]
    if status in PARTY_MEMBER_STATUSES:
        keys += [f"gender:{gender}", f"birth_year:{birth_year}", f"sector:{sector}"]
    return keys


def diff(old_keys, new_keys):
    delta = Counter(new_keys)
    delta.subtract(Counter(old_keys))
    return {k: v for k, v in delta.items() if v}


def apply(path, delta, include_self=True):
    """Add `delta` ({key: n}) to the node at `path` and its ancestors."""
    if not delta:
        return
    paths = ancestor_paths(path, include_self=include_self)
    ids = list(Organization.objects.filter(path__in=paths).values_list("id", flat=True))
    add_to_nodes(ids, delta)


def add_to_nodes(ids, delta):
    delta = {k: v for k, v in delta.items() if v}
    if not ids or not delta:
        return
    keys = list(delta)
    if len(set(delta.values())) == 1:
        increment = Value(next(iter(delta.values())))
    else:
        increment = Case(*[When(key=k, then=Value(v)) for k, v in delta.items()], default=Value(0))
    rows = NodeCount.objects.filter(node_id__in=ids, key__in=keys)
    if rows.update(value=F("value") + increment) == len(ids) * len(keys):
        return
    # Some (node, key) rows do not exist yet: create them at zero (a concurrent
    # transaction may create the same ones; ignore_conflicts then waits and skips),
    # then add the delta to exactly those.
    existing = set(rows.values_list("node_id", "key"))
    missing = [(i, k) for i in ids for k in keys if (i, k) not in existing]
    NodeCount.objects.bulk_create([NodeCount(node_id=i, key=k, value=0) for i, k in missing],
                                  ignore_conflicts=True)
    pairs = Q()
    for i, k in missing:
        pairs |= Q(node_id=i, key=k)
    NodeCount.objects.filter(pairs).update(value=F("value") + increment)


def counts(node):
    """{key: n} for the node's subtree, from the rollup table."""
    return dict(NodeCount.objects.filter(node=node).exclude(value=0).values_list("key", "value"))


def counts_for(nodes):
    """{node_id: {key: n}} for many nodes in one query."""
    out = defaultdict(dict)
    for node_id, key, value in NodeCount.objects.filter(node__in=nodes).exclude(value=0).values_list(
        "node_id", "key", "value"
    ):
        out[node_id][key] = value
    return out


def live_totals():
    """{(node_id, key): n} computed from the live tables, bottom-up."""
    from jiceng.people.models import Membership

    nodes = {}  # path -> (id, Counter of direct contributions)
    for node_id, path, kind, sector in Organization.objects.values_list("id", "path", "kind", "sector").iterator(
        chunk_size=20000
    ):
        nodes[path] = (node_id, Counter(org_keys(kind, sector)))
    for path, status, n in (
        Membership.objects.exclude(status="left").values_list("org__path", "status").annotate(n=Count("id"))
    ):
        nodes[path][1][f"status:{status}"] += n
    party = Membership.objects.filter(status__in=PARTY_MEMBER_STATUSES)
    for path, gender, year, sector, n in (
        party.values_list("org__path", "person__gender", ExtractYear("person__birth_date"), "org__sector")
        .annotate(n=Count("id"))
    ):
        node = nodes[path][1]
        node[f"gender:{gender}"] += n
        node[f"birth_year:{year}"] += n
        node[f"sector:{sector}"] += n
    # Children before parents: each node's total is added to its parent's.
    for path in sorted(nodes, key=len, reverse=True):
        parent = path[:-STEP]
        if parent:
            nodes[parent][1].update(nodes[path][1])
    return {(node_id, key): n for node_id, totals in nodes.values() for key, n in totals.items() if n}


def stored_totals():
    return {(n, k): v for n, k, v in NodeCount.objects.exclude(value=0).values_list("node_id", "key", "value")
            .iterator(chunk_size=50000)}


def mismatches(limit=None):
    """[(node_id, key, stored, live)] where the kept counts differ from the live tables."""
    live, stored = live_totals(), stored_totals()
    out = []
    for pair in sorted(set(live) | set(stored)):
        if live.get(pair, 0) != stored.get(pair, 0):
            out.append((*pair, stored.get(pair, 0), live.get(pair, 0)))
            if limit and len(out) >= limit:
                break
    return out


@transaction.atomic
def rebuild(batch_size=20000):
    totals = live_totals()
    NodeCount.objects.all().delete()
    rows = (NodeCount(node_id=n, key=k, value=v) for (n, k), v in totals.items())
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            NodeCount.objects.bulk_create(batch)
            batch = []
    NodeCount.objects.bulk_create(batch)
    return len(totals)

"""Per-node counts over each subtree (NodeCount), kept in step with every change.

A row contributes keys (`membership_keys`, `org_keys`, `branch_keys`, and the keys of other
apps' registered contributors) to its node and every ancestor.
Services call `apply()` in their own transaction with the change in keys, so a dashboard
at any level reads a few rows instead of scanning the subtree. `rebuild()` recomputes
everything from the live tables, and `mismatches()` proves the kept counts equal them.
"""

from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import ExtractYear
from django.utils import timezone

from jiceng.core import policy
from jiceng.core.tree import STEP, ancestor_paths
from jiceng.people.choices import PARTY_MEMBER_STATUSES

from .kinds import BRANCH_KINDS
from .models import NodeCount, Organization


def org_keys(kind, sector):
    return [f"kind:{kind}", f"org_sector:{sector}"]


def branch_keys(org, on=None):
    """What an active branch owes in organizational life, as keys: every branch the ordinary
    meetings (`owes:branch`), one with a full committee the committee meeting
    (`owes:committee`), one with party groups the group meeting (`owes:groups`)."""
    if org.kind not in BRANCH_KINDS or org.status != Organization.ACTIVE:
        return []
    seats = policy.get("orgs.committee_min_seats", on=on or timezone.localdate())
    keys = ["owes:branch"]
    if org.posts.filter(ended_on__isnull=True).count() >= seats:
        keys.append("owes:committee")
    if Organization.objects.filter(parent_id=org.pk, kind="group").exists():
        keys.append("owes:groups")
    return keys


def live_branch_keys(on=None):
    """{branch path: Counter} of branch_keys for every branch, in three queries."""
    from .models import LeadershipPost

    seats = policy.get("orgs.committee_min_seats", on=on or timezone.localdate())
    with_committee = {org_id for org_id, n in LeadershipPost.objects.filter(ended_on__isnull=True)
                      .values("org_id").annotate(n=Count("id")).values_list("org_id", "n") if n >= seats}
    with_groups = set(Organization.objects.filter(kind="group").values_list("parent_id", flat=True))
    out = {}
    for org_id, path in Organization.objects.filter(kind__in=BRANCH_KINDS, status=Organization.ACTIVE) \
            .values_list("id", "path").iterator(chunk_size=20000):
        out[path] = Counter(["owes:branch"] + ["owes:committee"] * (org_id in with_committee)
                            + ["owes:groups"] * (org_id in with_groups))
    return out


_CONTRIBUTORS, _OWING_LISTENERS, _REBUILDERS, _MOVERS = [], [], [], []


def extend(*, live=None, on_owing_change=None, rebuild=None, on_move=None):
    """Let another app keep figures by node beside these (organizational life, requests):
    live() yields (node path, key, n) of its own keys, which live_totals adds up the tree;
    on_owing_change(branch, gained, lost) is called, in the transaction of the change, when
    a branch's branch_keys change; rebuild() restores the app's kept figures whenever the
    rollups are rebuilt; on_move(node, old_ancestor_ids, new_ancestor_ids) is called when a
    subtree moves, before its paths change."""
    for registry, fn in ((_CONTRIBUTORS, live), (_OWING_LISTENERS, on_owing_change), (_REBUILDERS, rebuild),
                         (_MOVERS, on_move)):
        if fn:
            registry.append(fn)


def owing_changed(branch, before, after):
    """Apply the change in a branch's branch_keys and tell the listeners."""
    delta = diff(before, after)
    if not delta:
        return
    apply(branch.path, delta)
    gained, lost = set(after) - set(before), set(before) - set(after)
    for listener in _OWING_LISTENERS:
        listener(branch, gained, lost)


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
    """Add `delta` ({key: n}) to the node at `path` and its ancestors (see `apply_all`)."""
    apply_all([(path, delta)], include_self)


def apply_all(changes, include_self=True):
    """Add each (path, {key: n}) of `changes` to the node at path and its ancestors, in one
    statement: an INSERT … SELECT with ON CONFLICT DO UPDATE (both SQLite and PostgreSQL), so a
    missing (node, key) row is created and an existing one incremented, atomically, whatever
    runs beside it. Rows are written in (path, key) order, so two writers that cross (one
    member moving from A to B while another moves from B to A) cannot deadlock; what cancels
    out (a moved member's common ancestors) is not written at all."""
    total = Counter()
    for path, delta in changes:
        for ancestor in ancestor_paths(path, include_self=include_self):
            for key, n in delta.items():
                total[(ancestor, key)] += n
    rows = sorted((path, key, n) for (path, key), n in total.items() if n)
    if not rows:
        return
    q = connection.ops.quote_name
    table, value = q(NodeCount._meta.db_table), q("value")
    given = " UNION ALL ".join(
        ["SELECT CAST(%s AS VARCHAR(255)) AS p, CAST(%s AS VARCHAR(40)) AS k, CAST(%s AS BIGINT) AS d"] * len(rows))
    sql = (
        f"INSERT INTO {table} ({q('node_id')}, {q('key')}, {value}) "
        f"SELECT o.{q('id')}, c.k, c.d FROM {q(Organization._meta.db_table)} o JOIN ({given}) c ON o.{q('path')} = c.p "
        f"ORDER BY o.{q('path')}, c.k "
        f"ON CONFLICT ({q('node_id')}, {q('key')}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [x for row in rows for x in row])


def shift_subtree(node, old_ancestor_ids, new_ancestor_ids):
    """Move `node`'s subtree counts from its old ancestors to its new ones, in SQL: each
    ancestor row changes by the node's own row of the same key. Other apps' figures by node
    move with them (`extend(on_move=…)`)."""
    for mover in _MOVERS:
        mover(node, old_ancestor_ids, new_ancestor_ids)
    keys = list(NodeCount.objects.filter(node=node).exclude(value=0).values_list("key", flat=True))
    if not keys:
        return
    own = NodeCount.objects.filter(node=node, key=OuterRef("key")).values("value")[:1]
    NodeCount.objects.filter(node_id__in=old_ancestor_ids, key__in=keys).update(value=F("value") - Subquery(own))
    NodeCount.objects.bulk_create([NodeCount(node_id=i, key=k, value=0) for i in new_ancestor_ids for k in keys],
                                  ignore_conflicts=True)
    NodeCount.objects.filter(node_id__in=new_ancestor_ids, key__in=keys).update(value=F("value") + Subquery(own))


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
    for path, keys in live_branch_keys().items():
        nodes[path][1].update(keys)
    for contribute in _CONTRIBUTORS:
        for path, key, n in contribute():
            nodes[path][1][key] += n
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
    """Replace every rollup row with counts from the live tables, in one transaction.
    Rows go in through executemany: building millions of model instances costs more than
    the counting itself."""
    totals = live_totals()
    NodeCount.objects.all().delete()
    q = connection.ops.quote_name
    sql = (f"INSERT INTO {q(NodeCount._meta.db_table)} ({q('node_id')}, {q('key')}, {q('value')}) "
           "VALUES (%s, %s, %s)")
    rows = [(node_id, key, value) for (node_id, key), value in totals.items()]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start:start + batch_size])
    for rebuild_more in _REBUILDERS:
        rebuild_more()
    return len(rows)

"""Per-node counts over each subtree (NodeCount), kept in step with every change.

A row contributes keys (`membership_keys`, `org_keys`, `branch_keys`, and the keys of other
apps' registered contributors) to its node and every ancestor.
Services call `apply()` in their own transaction with the change in keys, so a dashboard
at any level reads a few rows instead of scanning the subtree. `rebuild()` recomputes
everything from the live tables, and `mismatches()` proves the kept counts equal them.

History (NodeCountChange): when a change has an effective date (`apply_all(…, on=day)`,
`apply_history`), the change of the HISTORY_FAMILIES keys is also added to that day's row
of every ancestor down to HISTORY_DEPTH, so orgs.history answers "how many on day d" as
today's count minus the changes after d. Membership keys follow MembershipPeriod (a span
counts from its start until its end), organization keys follow founded_on / dissolved_on.
Person fields and an organization's sector are taken as they are now for the whole history:
correcting them moves the history too.
"""

import datetime
import json
from collections import Counter, defaultdict
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear, Substr
from django.utils import timezone

from jiceng.core import policy
from jiceng.core.tree import STEP, ancestor_paths, subtree_q
from jiceng.people.choices import PARTY_MEMBER_STATUSES

from .kinds import BRANCH_KINDS
from .models import NodeCount, NodeCountChange, Organization

# The key families orgs.history answers for a past date; the others are today's only.
HISTORY_FAMILIES = ("status", "gender", "birth_year", "sector", "education", "ethnicity", "kind", "org_sector")
# Nodes this deep or shallower (province 1, city 2, county 3) keep daily changes; a deeper
# subtree is small enough to count from its periods directly (bench/asof.py measures both).
HISTORY_DEPTH = 3
# The day an organization without a founding date counts from: it always existed.
ALWAYS = datetime.date(1, 1, 1)


def org_keys(kind, sector):
    return [f"kind:{kind}", f"org_sector:{sector}"]


def live_org_keys(kind, sector, dissolved_on):
    """An organization's keys in today's counts: none once it has a dissolution date."""
    return [] if dissolved_on else org_keys(kind, sector)


def org_life(path, kind, sector, founded_on, dissolved_on):
    """[(path, day, {key: n})]: the organization counts from its founding until its dissolution."""
    keys = org_keys(kind, sector)
    return [(path, founded_on or ALWAYS, dict.fromkeys(keys, 1))] + \
        ([(path, dissolved_on, dict.fromkeys(keys, -1))] if dissolved_on else [])


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


def membership_keys(status, gender, birth_year, sector, education="", ethnicity=""):
    """A membership's keys; party members' also say who they are (a blank education adds none)."""
    if status == "left":
        return []
    keys = [f"status:{status}"]
    if status in PARTY_MEMBER_STATUSES:
        keys += [f"gender:{gender}", f"birth_year:{birth_year}", f"sector:{sector}"]
        keys += [f"{family}:{value}" for family, value in (("education", education), ("ethnicity", ethnicity))
                 if value]
    return keys


def period_history(periods, keys_of):
    """[(path, day, {key: n})] that add (or, with keys_of returning negative counts, take away)
    each span's keys from its start to its end. `periods` yield (org path, status, start, end,
    *rest); keys_of(status, *rest) -> {key: n}."""
    out = []
    for path, status, start, end, *rest in periods:
        delta = keys_of(status, *rest)
        if delta:
            out.append((path, start, delta))
            if end:
                out.append((path, end, {k: -n for k, n in delta.items()}))
    return out


def diff(old_keys, new_keys):
    delta = Counter(new_keys)
    delta.subtract(Counter(old_keys))
    return {k: v for k, v in delta.items() if v}


def apply(path, delta, include_self=True, on=None):
    """Add `delta` ({key: n}) to the node at `path` and its ancestors (see `apply_all`)."""
    apply_all([(path, delta)], include_self, on)


def apply_all(changes, include_self=True, on=None):
    """Add each (path, {key: n}) of `changes` to the node at path and its ancestors, in one
    statement (per 400 rows): an INSERT … SELECT with ON CONFLICT DO UPDATE (both SQLite and PostgreSQL), so a
    missing (node, key) row is created and an existing one incremented, atomically, whatever
    runs beside it. Rows are written in (path, key) order, so two writers that cross (one
    member moving from A to B while another moves from B to A) cannot deadlock; what cancels
    out (a moved member's common ancestors) is not written at all. With `on` (the effective
    date) the history keys also go to that day's NodeCountChange rows, in one more statement
    (all NodeCount rows are locked before any change row, each in order)."""
    total = Counter()
    for path, delta in changes:
        for ancestor in ancestor_paths(path, include_self=include_self):
            for key, n in delta.items():
                total[(ancestor, key)] += n
    _upsert(NodeCount, ["key"], "value", sorted((path, key, n) for (path, key), n in total.items() if n))
    if on is not None:
        apply_history([(path, on, delta) for path, delta in changes], include_self)


def apply_history(changes, include_self=True):
    """Add each (path, day, {key: n}) of `changes` to the day's change rows of the node and its
    ancestors down to HISTORY_DEPTH (history keys only), in (path, day, key) order."""
    held = DailyChanges(held=None, include_self=include_self)  # one write: all rows in order
    for path, day, delta in changes:
        for key, n in delta.items():
            held.add(path, day, (key,), n)
    held.write()


class DailyChanges:
    """Daily changes added up in memory and written (in (path, day, key) order) when `held`
    entries are reached (never, with None) and at `write()`. A change is counted once, on the
    deepest ancestor that keeps history (HISTORY_DEPTH), and handed to that node's own
    ancestors only when written: a roster's members all fall on one county and a few
    thousand days, so a million of them add up to a few hundred thousand rows, and the
    bound keeps memory flat however long the file."""

    def __init__(self, held=1_000_000, include_self=True):
        self.total, self.held, self.include_self, self.deepest = Counter(), held, include_self, {}

    def add(self, path, day, keys, n):
        """Add n to each of `keys` (a tuple) on `day` at the node at `path`."""
        deepest = self.deepest.get(path)
        if deepest is None:
            kept = ancestor_paths(path, include_self=self.include_self)[:HISTORY_DEPTH]
            deepest = self.deepest[path] = kept[-1] if kept else ""
        if not deepest:
            return
        total = self.total
        for key in _history_keys(keys):
            total[(deepest, day, key)] += n
        if self.held and len(total) >= self.held:
            self.write()

    def write(self):
        """Each node's rows, a node at a time in path order: the nodes counted on, and their
        ancestors, which take the sum of the nodes under them."""
        counted = defaultdict(Counter)  # node path -> {(day, key): n}
        for (path, day, key), n in self.total.items():
            if n:
                counted[path][(day.isoformat(), key)] += n
        self.total.clear()
        under = defaultdict(list)
        for path in counted:
            for ancestor in ancestor_paths(path, include_self=True):
                under[ancestor].append(counted[path])
        for path in sorted(under):
            parts = under.pop(path)
            summed = parts[0]
            if len(parts) > 1:
                summed = Counter()
                for part in parts:
                    summed.update(part)  # not +: a Counter sum drops negative changes
            _upsert(NodeCountChange, ["day", "key"], "delta",
                    [(path, day, key, n) for (day, key), n in sorted(summed.items()) if n])


@lru_cache(maxsize=4096)
def _history_keys(keys):
    return tuple(k for k in keys if k.partition(":")[0] in HISTORY_FAMILIES)


UNNEST_ROWS = 20000  # rows per statement (one parameter a column, or one JSON array)


def _upsert(model, columns, value, rows, chunk=UNNEST_ROWS):
    """Add (path, *columns, n) rows, sorted, to `model`'s rows of the nodes at those paths, in
    order: one short statement per `chunk` rows, the rows given as one parameter per
    column on PostgreSQL (unnest) and as one JSON array on SQLite (json_each), where a
    compound SELECT of hundreds of terms costs the planner ~0.1 s each (PostgreSQL), or the
    driver a rewrite of every placeholder (SQLite, 3 times slower for a roster's history)."""
    q = connection.ops.quote_name
    table, value = q(model._meta.db_table), q(value)
    postgres = connection.vendor == "postgresql"
    names = ", ".join(q(c) for c in columns)
    given_columns = ", ".join(f"c.c{i}" for i in range(len(columns)))
    if postgres:
        casts = {"key": "VARCHAR(40)", "day": "DATE"}
        arrays = ", ".join(["%s::VARCHAR(255)[]"] + [f"%s::{casts[c]}[]" for c in columns] + ["%s::BIGINT[]"])
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        given = f"SELECT * FROM unnest({arrays}) AS c(p, {aliases}, n)"
    else:  # each row a JSON array [path, *columns, n]; the day stays ISO text, as SQLite keeps dates
        items = ["p", *(f"c{i}" for i in range(len(columns))), "n"]
        given = "SELECT " + ", ".join(f"json_extract(value, '$[{i}]') AS {a}" for i, a in enumerate(items)) + \
            " FROM json_each(%s)"
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        sql = (
            f"INSERT INTO {table} ({q('node_id')}, {names}, {value}) "
            f"SELECT o.{q('id')}, {given_columns}, c.n FROM {q(Organization._meta.db_table)} o "
            f"JOIN ({given}) c ON o.{q('path')} = c.p ORDER BY o.{q('path')}, {given_columns} "
            f"ON CONFLICT ({q('node_id')}, {names}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(c) for c in zip(*part)] if postgres else [json.dumps(part, ensure_ascii=False)])


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
    for node_id, path, kind, sector, dissolved_on in Organization.objects.values_list(
            "id", "path", "kind", "sector", "dissolved_on").iterator(chunk_size=20000):
        nodes[path] = (node_id, Counter(live_org_keys(kind, sector, dissolved_on)))
    for path, status, n in (
        Membership.objects.exclude(status="left").values_list("org__path", "status").annotate(n=Count("id"))
    ):
        nodes[path][1][f"status:{status}"] += n
    party = Membership.objects.filter(status__in=PARTY_MEMBER_STATUSES)
    for path, gender, year, sector, education, ethnicity, n in (
        party.values_list("org__path", "person__gender", ExtractYear("person__birth_date"), "org__sector",
                          "person__education", "person__ethnicity")
        .annotate(n=Count("id"))
    ):
        nodes[path][1].update(dict.fromkeys(membership_keys("full", gender, year, sector, education, ethnicity)[1:], n))
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


# -- history -------------------------------------------------------------------------------

# A span's keys by family, as SQL over MembershipPeriod, and whether only party members have them.
_PERIOD_FAMILIES = {"status": (F("status"), False), "gender": (F("person__gender"), True),
                    "birth_year": (ExtractYear("person__birth_date"), True), "sector": (F("org__sector"), True),
                    "education": (F("person__education"), True), "ethnicity": (F("person__ethnicity"), True)}


def _leaf_history(path=None):
    """Counter {(path, day, key): n} of the changes below each node of depth HISTORY_DEPTH (or of
    a shallower node holding members or being an organization itself), from the periods and the
    organizations' dates; counted in SQL family by family, so the rows are few."""
    from jiceng.people.models import MembershipPeriod

    cut = Substr("org__path", 1, HISTORY_DEPTH * STEP)
    out = Counter()
    spans = MembershipPeriod.objects.filter(subtree_q(path, "org__path") if path else Q()).exclude(status="left")
    for family, (value, party_only) in _PERIOD_FAMILIES.items():
        rows = spans.filter(status__in=PARTY_MEMBER_STATUSES) if party_only else spans
        for edge, sign in (("start", 1), ("end", -1)):
            for leaf, v, day, n in (rows.exclude(**{f"{edge}__isnull": True}).annotate(cut=cut, v=value)
                                    .values_list("cut", "v", edge).annotate(n=Count("id"))):
                if v != "":
                    out[(leaf, day, f"{family}:{v}")] += sign * n
    orgs = Organization.objects.filter(subtree_q(path) if path else Q()).annotate(cut=Substr("path", 1, HISTORY_DEPTH * STEP))
    for leaf, kind, sector, founded_on, dissolved_on, n in (
            orgs.values_list("cut", "kind", "sector", "founded_on", "dissolved_on").annotate(n=Count("id"))):
        for p, day, delta in org_life(leaf, kind, sector, founded_on, dissolved_on):
            for key, k in delta.items():
                out[(p, day, key)] += k * n
    return out


def live_history(path=None):
    """{(node_id, key, day): n} the NodeCountChange rows should hold, for every node down to
    HISTORY_DEPTH (within the subtree at `path` when given)."""
    total = Counter()
    for (leaf, day, key), n in _leaf_history(path).items():
        for ancestor in ancestor_paths(leaf, include_self=True):
            if not path or ancestor.startswith(path):
                total[(ancestor, key, day)] += n
    ids = dict(Organization.objects.filter(subtree_q(path) if path else Q(), depth__lte=HISTORY_DEPTH)
               .values_list("path", "id"))
    return {(ids[p], key, day): n for (p, key, day), n in total.items() if n}


def stored_history(node_ids=None):
    rows = NodeCountChange.objects.exclude(delta=0)
    if node_ids is not None:
        rows = rows.filter(node_id__in=node_ids)
    return {(n, k, d): v for n, k, d, v in rows.values_list("node_id", "key", "day", "delta").iterator(chunk_size=50000)}


def _insert_history(rows, batch_size=20000):
    q = connection.ops.quote_name
    sql = (f"INSERT INTO {q(NodeCountChange._meta.db_table)} ({q('node_id')}, {q('key')}, {q('day')}, {q('delta')}) "
           "VALUES (%s, %s, %s, %s)")
    rows = sorted((node_id, key, day, n) for (node_id, key, day), n in rows.items())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start:start + batch_size])


def move_history(node, old_depth, old_ancestor_ids, new_ancestor_ids):
    """After `node`'s subtree moved (its paths already new): its history leaves the ancestors it
    no longer has and joins the new ones; if its depth changed, the subtree's own rows are
    recounted (other nodes now fall within, or out of, HISTORY_DEPTH)."""
    leaf = _leaf_history(node.path)
    whole = Counter()
    for (_, day, key), n in leaf.items():
        whole[(key, day)] += n
    changes = []
    for sign, ids in ((-1, old_ancestor_ids), (1, new_ancestor_ids)):
        for path in Organization.objects.filter(pk__in=ids, depth__lte=HISTORY_DEPTH).values_list("path", flat=True):
            changes += [(path, day.isoformat(), key, sign * n) for (key, day), n in whole.items() if n]
    _upsert(NodeCountChange, ["day", "key"], "delta", sorted(changes))
    if old_depth != node.depth:
        subtree = Organization.objects.filter(node.subtree_q())
        NodeCountChange.objects.filter(node__in=subtree).delete()
        _insert_history(live_history(node.path))


def mismatches(limit=None):
    """[(node_id, key, stored, live)] where the kept counts differ from the live tables; a
    change row is named by its key and day (`status:full@2025-07-01`)."""
    out = []
    for stored, live, name in ((stored_totals(), live_totals(), lambda pair: pair),
                               (stored_history(), live_history(), lambda t: (t[0], f"{t[1]}@{t[2]}"))):
        for pair in sorted(set(live) | set(stored)):
            if live.get(pair, 0) != stored.get(pair, 0):
                out.append((*name(pair), stored.get(pair, 0), live.get(pair, 0)))
                if limit and len(out) >= limit:
                    return out
    return out


@transaction.atomic
def rebuild(batch_size=20000):
    """Replace every rollup row (and change row) with counts from the live tables, in one transaction.
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
    NodeCountChange.objects.all().delete()
    _insert_history(live_history(), batch_size)
    for rebuild_more in _REBUILDERS:
        rebuild_more()
    return len(rows)

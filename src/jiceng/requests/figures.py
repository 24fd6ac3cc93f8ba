"""Figures of residents' requests (接诉即办) for any subtree and period: the three rates by
which 12345 hotlines are judged (响应率、解决率、满意率), overdue counts and median times, by
category and by child unit, a league table of the units and the requests by grid.

What is counted: requests whose current owner lies in the node's subtree and that were
received in [start, end) (local dates, settings.TIME_ZONE). Merged requests are left out:
they share their target's outcome, and counting them would count one matter twice.
- response rate = responded by `respond_by` / received;
- resolution rate = resolved / received (and resolved by `resolve_by` / received);
- satisfaction rate = (satisfied + basically satisfied) / rated: the 12345 convention, in
  which 基本满意 counts as satisfied; requests not (yet) rated are not in it;
- overdue = resolved after `resolve_by`, plus still open with `resolve_by` already past;
- median hours to respond / to resolve, from receipt, over the requests responded / resolved:
  the ⌈n/2⌉-th smallest time, read from a histogram of √2-wide buckets (EDGES: 15 min,
  21 min, 30 min, … 1,024 h) as the geometric middle of the bucket that holds it, so within
  a factor 2^¼ (±19 %) of the exact value; "under 15 minutes" and "over 1,024 hours" at the ends.

How it stays fast: a RequestCount row holds, for one node's subtree, one day or one month
of receipt and one category, the counts above and the two histograms. Every service that
changes a request calls `record(was, request)` in its own transaction (`was = state(request)`
taken before the change), which adds the difference to the owner's rows and every
ancestor's, so a period is a few month rows plus the day rows of its partial months,
whatever the size of the subtree. The grid a request lies in gets `located` the same way
(the heat map). Open requests past their deadline change with the clock, not with a service
call: they are counted live, from the (few) open requests. `rebuild()` recomputes every row
from the requests; `check()` proves the kept rows equal that recount. A subtree move shifts
the moved node's rows from the ancestors it leaves to those it joins (`shift_subtree`,
called by orgs.services.move_org while the subtree is locked).
"""

import bisect
import datetime
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone

from jiceng.core import policy
from jiceng.core.tree import STEP, ancestor_paths, subtree_q
from jiceng.orgs.models import Organization

from . import categories, choices
from .models import HOUR_BUCKETS, Request, RequestCount

DAY, MONTH = RequestCount.DAY, RequestCount.MONTH
SMALLEST = datetime.timedelta(minutes=15)
# Lower edges of buckets 1 … HOUR_BUCKETS-1; bucket 0 is under 15 minutes, the last is open.
EDGES = [SMALLEST * 2 ** (i / 2) for i in range(HOUR_BUCKETS - 1)]
RATINGS = (choices.SATISFIED, choices.BASIC, choices.DISSATISFIED)
COUNTS = ("received", "responded_in_time", "resolved", "resolved_in_time", *RATINGS, "located")
RESPOND = tuple(f"respond_h{i:02d}" for i in range(HOUR_BUCKETS))
RESOLVE = tuple(f"resolve_h{i:02d}" for i in range(HOUR_BUCKETS))
COLUMNS = COUNTS + RESPOND + RESOLVE
KEY = ("node_id", "span", "start", "category")
_AT = {column: len(KEY) + i for i, column in enumerate(COLUMNS)}  # position in a row of KEY + COLUMNS


def bucket(elapsed):
    """The histogram bucket of a time from receipt (a timedelta)."""
    return bisect.bisect_right(EDGES, elapsed)


def local_day(moment):
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _spans(day):
    return ((DAY, day), (MONTH, day.replace(day=1)))


# -- keeping the rows ------------------------------------------------------------------------

@dataclass(frozen=True)
class State:
    """What one request adds to the figures: columns on its owner's rows, `located` on its grid's."""

    owner_id: int
    grid_id: int | None
    day: datetime.date
    category: str
    columns: tuple


def _columns(received_at, respond_by, resolve_by, responded_at, resolved_at, rating):
    out = ["received"]
    if responded_at is not None:
        if responded_at <= respond_by:
            out.append("responded_in_time")
        out.append(RESPOND[bucket(responded_at - received_at)])
    if resolved_at is not None:
        out.append("resolved")
        if resolved_at <= resolve_by:
            out.append("resolved_in_time")
        out.append(RESOLVE[bucket(resolved_at - received_at)])
    if rating:
        out.append(rating)
    return tuple(out)


def state(request):
    """The request's contribution now (None for a merged one); take it before a change."""
    if request.status == choices.MERGED or request.owner_id is None:
        return None
    return State(request.owner_id, request.grid_id, local_day(request.received_at), request.category,
                 _columns(request.received_at, request.respond_by, request.resolve_by, request.responded_at,
                          request.resolved_at, request.rating))


def record(was, request):
    """Add the change of `request` since `was` (its `state` before the change; None for a new
    request) to the rows of its owner's and grid's subtrees. Call inside the service's
    transaction, before audit.record, so that every writer takes row locks in one order."""
    record_all([(was, request)])


def record_all(changes):
    """`record` for several (was, request) pairs at once: one lookup, one upsert."""
    deltas = defaultdict(Counter)  # (anchor node, day, category) -> {column: n}
    for was, request in changes:
        now = state(request)
        if was == now:
            continue
        for part, sign in ((was, -1), (now, 1)):
            if part is None:
                continue
            for column in part.columns:
                deltas[(part.owner_id, part.day, part.category)][column] += sign
            if part.grid_id:
                deltas[(part.grid_id, part.day, part.category)]["located"] += sign
    if not deltas:
        return
    paths = _anchor_paths({anchor for anchor, _, _ in deltas})
    rows = defaultdict(Counter)
    for (anchor, day, category), columns in deltas.items():
        columns = {c: n for c, n in columns.items() if n}
        for path in ancestor_paths(paths[anchor], include_self=True):
            for span, start in _spans(day):
                rows[(path, span, start, category)].update(columns)
    _add_by_path({key: columns for key, columns in rows.items() if any(columns.values())})


def _anchor_paths(ids):
    """{id: path}, share-locked on PostgreSQL: a subtree move (which locks its rows for update)
    either waits for this transaction or has finished before the paths are read."""
    q = connection.ops.quote_name
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""  # SQLite writers are serial
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q('id')}, {q('path')} FROM {q(Organization._meta.db_table)} "
                       f"WHERE {q('id')} IN ({', '.join(['%s'] * len(ids))}){lock}", list(ids))
        return dict(cursor.fetchall())


def _table(table=None):
    return connection.ops.quote_name(table or RequestCount._meta.db_table)


@lru_cache(maxsize=8)
def _upsert_tail(table):
    """ON CONFLICT clause that adds the new values to an existing row (SQLite and PostgreSQL)."""
    q, t = connection.ops.quote_name, _table(table)
    sets = ", ".join(f"{q(c)} = {t}.{q(c)} + excluded.{q(c)}" for c in COLUMNS)
    return f"ON CONFLICT ({', '.join(map(q, KEY))}) DO UPDATE SET {sets}"


def _values(key_width, counts):
    """One VALUES row: placeholders for the key, the counts written as integer literals. Sixty
    placeholders a row would cost more than the insert itself: psycopg's client-side binding
    splits the statement per placeholder in Python. int() keeps the literals plain numbers."""
    return "(" + "%s, " * key_width + ", ".join(map(str, map(int, counts))) + ")"


def _sparse_values(key_width, columns):
    """`_values` for a sparse {column: n} (intake's rows have one or two columns set)."""
    literals = ["0"] * len(COLUMNS)
    for column, n in columns.items():
        literals[_AT[column] - len(KEY)] = str(int(n))
    return "(" + "%s, " * key_width + ", ".join(literals) + ")"


def _add_by_path(rows, chunk=500):
    """Add {(node path, span, start, category): {column: n}}, in the order of those keys, so
    that concurrent writers lock rows in one order and cannot deadlock."""
    q = connection.ops.quote_name
    keys = sorted(rows)
    given = ", ".join(f"k.column{i}" for i in range(len(KEY) + 1, len(KEY) + len(COLUMNS) + 1))
    with connection.cursor() as cursor:
        for i in range(0, len(keys), chunk):
            part = keys[i:i + chunk]
            values = ", ".join(_sparse_values(len(KEY), rows[key]) for key in part)
            cursor.execute(
                f"INSERT INTO {_table()} ({', '.join(map(q, KEY + COLUMNS))}) "
                f"SELECT o.{q('id')}, k.column2, k.column3, k.column4, {given} "
                f"FROM {q(Organization._meta.db_table)} o, (VALUES {values}) k WHERE o.{q('path')} = k.column1 "
                f"ORDER BY o.{q('path')}, k.column2, k.column3, k.column4 {_upsert_tail(None)}",
                [x for key in part for x in key])


def _add_by_id(rows, table=None, chunk=500):
    """Add [(node id, span, start, category, *COLUMNS values)], each key once (the recount, which
    runs alone); a few hundred rows per INSERT: executemany would cost a round trip each."""
    q = connection.ops.quote_name
    head = f"INSERT INTO {_table(table)} ({', '.join(map(q, KEY + COLUMNS))}) VALUES "
    with connection.cursor() as cursor:
        for i in range(0, len(rows), chunk):
            part = rows[i:i + chunk]
            cursor.execute(head + ", ".join(_values(len(KEY), row[len(KEY):]) for row in part) + " "
                           + _upsert_tail(table), [x for row in part for x in row[:len(KEY)]])


def shift_subtree(node, old_ancestor_ids, new_ancestor_ids):
    """`node`'s subtree moves: its rows leave the ancestors it no longer has and join the new
    ones. Call while the subtree is locked (orgs.services.move_org)."""
    paths = dict(Organization.objects.filter(pk__in=[*old_ancestor_ids, *new_ancestor_ids])
                 .values_list("id", "path"))
    own = RequestCount.objects.filter(node_id=node.pk).values_list(*KEY[1:], *COLUMNS)
    rows = {}
    for span, start, category, *values in own:
        for ids, sign in ((old_ancestor_ids, -1), (new_ancestor_ids, 1)):
            for ancestor in ids:
                rows[(paths[ancestor], span, start, category)] = {c: sign * v for c, v in zip(COLUMNS, values) if v}
    _add_by_path(rows)


# -- recount -----------------------------------------------------------------------------------

def _flush(anchor, sums, out):
    for (span, start, category), columns in sums.items():
        row = [anchor, span, start, category] + [0] * len(COLUMNS)
        for column, n in columns.items():
            row[_AT[column]] = n
        out.append(row)
    sums.clear()


def _anchor_rows(table, batch_size):
    """Rows of each request's own owner and grid, streamed in anchor order so that memory
    holds one anchor's rows at a time."""
    live = Request.objects.exclude(status=choices.MERGED).order_by()
    passes = [
        (live.filter(owner__isnull=False).order_by("owner_id").values_list(
            "owner_id", "received_at", "category", "respond_by", "resolve_by", "responded_at", "resolved_at",
            "rating"), lambda row: _columns(row[1], *row[3:])),
        (live.filter(grid__isnull=False).order_by("grid_id").values_list("grid_id", "received_at", "category"),
         lambda row: ("located",)),
    ]
    for query, columns_of in passes:
        anchor, sums, out = None, defaultdict(Counter), []
        for row in query.iterator(chunk_size=batch_size):
            if row[0] != anchor:
                _flush(anchor, sums, out)
                anchor = row[0]
                if len(out) >= batch_size:
                    _add_by_id(out, table)
                    out = []
            columns = columns_of(row)
            for span, start in _spans(local_day(row[1])):
                sums[(span, start, row[2])].update(columns)
        _flush(anchor, sums, out)
        _add_by_id(out, table)


@transaction.atomic
def rebuild(table=None, batch_size=10000):
    """Replace every row with a recount from the requests: each request's own owner and grid
    rows (in Python, streamed), then each level's rows added to its parent's, deepest first,
    one INSERT … SELECT … GROUP BY per level. Returns the number of rows."""
    q, t = connection.ops.quote_name, _table(table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t}")
    _anchor_rows(table, batch_size)
    org = q(Organization._meta.db_table)
    sums = ", ".join(f"SUM(r.{q(c)})" for c in COLUMNS)
    group = ", ".join(f"r.{q(c)}" for c in KEY[1:])
    deepest = Organization.objects.order_by("-depth").values_list("depth", flat=True).first() or 0
    with connection.cursor() as cursor:
        for depth in range(deepest, 1, -1):
            cursor.execute(
                f"INSERT INTO {t} ({', '.join(map(q, KEY + COLUMNS))}) "
                f"SELECT o.{q('parent_id')}, {group}, {sums} FROM {t} r JOIN {org} o ON o.{q('id')} = r.{q('node_id')} "
                f"WHERE o.{q('depth')} = %s GROUP BY o.{q('parent_id')}, {group} {_upsert_tail(table)}", [depth])
        cursor.execute(f"SELECT COUNT(*) FROM {t}")
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class Mismatch:
    node_id: int
    span: str
    start: object
    category: str
    column: str
    kept: int
    recount: int


def check(limit=20):
    """[Mismatch] between the kept rows and a recount (`rebuild` into a temporary table);
    empty when they agree. Rows whose values are all zero count as absent."""
    q, t = connection.ops.quote_name, _table()
    temp = q("requests_figures_recount")
    key, columns = ", ".join(map(q, KEY)), ", ".join(map(q, COLUMNS))
    nonzero = " OR ".join(f"{q(c)} <> 0" for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {key}, {columns} FROM {t} WHERE 1 = 0")
        cursor.execute(f"CREATE UNIQUE INDEX {q('requests_figures_recount_key')} ON {temp} ({key})")
    try:
        rebuild(table="requests_figures_recount")
        found = {}
        with connection.cursor() as cursor:
            for side, a, b in (("kept", t, temp), ("recount", temp, t)):
                cursor.execute(f"SELECT {key}, {columns} FROM {a} WHERE {nonzero} EXCEPT "
                               f"SELECT {key}, {columns} FROM {b} WHERE {nonzero} LIMIT {int(limit)}")
                for node_id, span, start, category, *values in cursor.fetchall():
                    # SQLite gives the temporary table's dates as text, the model's as dates.
                    start = datetime.date.fromisoformat(str(start))
                    found.setdefault((node_id, span, start, category), {})[side] = values
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {temp}")
    out = []
    zero = [0] * len(COLUMNS)
    for k, sides in sorted(found.items()):
        kept, recount = sides.get("kept", zero), sides.get("recount", zero)
        i = next(i for i, (x, y) in enumerate(zip(kept, recount)) if x != y)
        out.append(Mismatch(*k, COLUMNS[i], kept[i], recount[i]))
    return out[:limit]


# -- reading -----------------------------------------------------------------------------------

def _pieces(start, end):
    """[(span, from, to)] of the rows covering [start, end): whole months from month rows, the
    days before the first whole month and after the last from day rows."""
    first = start if start.day == 1 else (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    last = end.replace(day=1)
    if first >= last:
        return [(DAY, start, end)]
    return [(span, lo, hi) for span, lo, hi in [(MONTH, first, last), (DAY, start, first), (DAY, last, end)]
            if lo < hi]


@contextmanager
def _reading():
    """PostgreSQL would JIT-compile the sixty aggregates of a large read on every call, which
    costs more than running them (measured: a street's page 295 ms p50 with JIT, 134 ms
    without): off for these reads, in their own transaction. SQLite has no JIT."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _sums(ids, start, end, columns=COLUMNS, by=("node_id", "category")):
    """[(*by, *sums of columns)] over the period, one row per `by` and piece of the period
    (callers add them up). One SELECT per piece, so that each is a range
    on the unique key (node, span, start) — an OR of the pieces would make SQLite read every
    row of the nodes. Plain SQL: the ORM would compile sixty aggregates on every call, which
    costs more than running the query."""
    q, ops = connection.ops.quote_name, connection.ops
    pieces = _pieces(start, end)
    group = ", ".join(map(q, by))
    one = (f"SELECT {group}, {', '.join(f'SUM({q(c)})' for c in columns)} FROM {_table()} "
           f"WHERE {q('node_id')} IN ({', '.join(['%s'] * len(ids))}) AND {q('span')} = %s AND {q('start')} >= %s "
           f"AND {q('start')} < %s GROUP BY {group}")
    params = [x for span, lo, hi in pieces
              for x in (*ids, span, ops.adapt_datefield_value(lo), ops.adapt_datefield_value(hi))]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([one] * len(pieces)), params)
        return cursor.fetchall()


@dataclass
class Median:
    hours: float
    bound: str  # "<" under the first edge, ">" over the last, "≈" otherwise


def median(histogram):
    """The ⌈n/2⌉-th smallest time of a histogram (counts per bucket), or None when empty."""
    n = sum(histogram)
    if not n:
        return None
    rank, seen = (n + 1) // 2, 0
    for i, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            break
    if i == 0:
        return Median(SMALLEST.total_seconds() / 3600, "<")
    if i == len(EDGES):
        return Median(EDGES[-1].total_seconds() / 3600, ">")
    return Median(EDGES[i - 1].total_seconds() / 3600 * 2 ** 0.25, "≈")


@dataclass
class Stats:
    """Summed columns of some rows, plus the open requests already past their deadline."""

    values: Counter = field(default_factory=Counter)
    open_overdue: int = 0

    def add(self, other):
        self.values.update(other.values)
        self.open_overdue += other.open_overdue

    def minus(self, other):
        values = Counter(self.values)
        values.subtract(other.values)
        return Stats(values, self.open_overdue - other.open_overdue)

    def __getattr__(self, name):
        if name in COUNTS:
            return self.values[name]
        raise AttributeError(name)

    @staticmethod
    def _rate(part, whole):
        return part / whole if whole else None

    @property
    def response_rate(self):
        return self._rate(self.values["responded_in_time"], self.values["received"])

    @property
    def resolution_rate(self):
        return self._rate(self.values["resolved"], self.values["received"])

    @property
    def resolved_in_time_rate(self):
        return self._rate(self.values["resolved_in_time"], self.values["received"])

    @property
    def rated(self):
        return sum(self.values[r] for r in RATINGS)

    @property
    def satisfaction_rate(self):
        return self._rate(self.values[choices.SATISFIED] + self.values[choices.BASIC], self.rated)

    @property
    def overdue(self):
        return self.values["resolved"] - self.values["resolved_in_time"] + self.open_overdue

    @property
    def median_respond(self):
        return median([self.values[c] for c in RESPOND])

    @property
    def median_resolve(self):
        return median([self.values[c] for c in RESOLVE])

    def composite(self, weights):
        """Weighted mean of the three rates this unit has (satisfaction needs ratings)."""
        rates = {"response": self.response_rate, "resolution": self.resolution_rate,
                 "satisfaction": self.satisfaction_rate}
        used = {k: w for k, w in weights.items() if rates.get(k) is not None and w}
        total = sum(used.values())
        return sum(rates[k] * w for k, w in used.items()) / total if total else None


@dataclass
class Unit:
    org: Organization | None  # None: requests the node owns itself (本级)
    stats: Stats
    rank: int | None = None
    score: float | None = None


@dataclass
class Report:
    node: Organization
    start: datetime.date
    end: datetime.date
    total: Stats
    by_category: list  # [(code, name, Stats)], most requests first
    units: list  # [Unit] in tree order; the node's own requests last
    league: list  # [Unit] ranked; those with too few requests after, unranked
    weights: dict  # of the three rates in the league's score
    min_requests: int
    located: dict  # {child id: requests located in its subtree}


def _aware(day):
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_default_timezone())


def _open_overdue(node, start, end, now):
    """{(child path or the node's path, category): open requests past resolve_by}, live, along
    the index (status, resolve_by): a deadline never precedes receipt, so [start, now) bounds it."""
    rows = (Request.objects.filter(status__in=choices.OPEN_STATUSES, resolve_by__gte=_aware(start),
                                   resolve_by__lt=now, received_at__gte=_aware(start), received_at__lt=_aware(end))
            .filter(subtree_q(node.path, "owner__path")).order_by()
            .values_list(Substr("owner__path", 1, len(node.path) + STEP), "category").annotate(n=Count("id")))
    return {(path, category): n for path, category, n in rows}


def report(node, children, start, end, now=None):
    """The figures of `node`'s subtree for [start, end); `children` are the units shown."""
    now = now or timezone.now()
    ids = [node.pk] + [c.pk for c in children]
    with _reading():
        sums, overdue = _sums(ids, start, end), _open_overdue(node, start, end, now)
    per_node = defaultdict(Stats)
    per_category = defaultdict(Stats)
    for node_id, category, *values in sums:
        stats = Stats(Counter(dict(zip(COLUMNS, values))))
        per_node[node_id].add(stats)
        if node_id == node.pk:
            per_category[category].add(stats)
    by_path = {c.path: c.pk for c in children}
    for (path, category), n in overdue.items():
        per_node[node.pk].open_overdue += n
        per_category[category].open_overdue += n
        if path in by_path:
            per_node[by_path[path]].open_overdue += n
    total = per_node[node.pk]
    units = [Unit(c, per_node[c.pk]) for c in children if per_node[c.pk].received]
    own = total
    for unit in units:
        own = own.minus(unit.stats)
    if own.received:
        units.append(Unit(None, own))
    names = {c.code: c.name for c in categories.all_categories(on=end - datetime.timedelta(days=1))}
    by_category = sorted(((code, names.get(code, code), stats) for code, stats in per_category.items()
                          if stats.received), key=lambda row: (-row[2].received, row[1]))
    on = end - datetime.timedelta(days=1)
    return Report(node, start, end, total, by_category, units, league(units, end),
                  policy.get("requests.league_weights", on=on), policy.get("requests.league_min_requests", on=on),
                  {c.pk: per_node[c.pk].located for c in children})


def league(units, end):
    """Child units ranked by the weighted mean of their three rates (policy weights); ties by
    name. Units with fewer requests than the policy's minimum follow, unranked. A league table
    to compare outcomes, not a quota: nobody is given a number to reach."""
    on = end - datetime.timedelta(days=1)
    weights, least = policy.get("requests.league_weights", on=on), policy.get("requests.league_min_requests", on=on)
    ranked, rest = [], []
    for unit in units:
        if unit.org is None:
            continue
        score = unit.stats.composite(weights)
        row = Unit(unit.org, unit.stats, score=score)
        (ranked if score is not None and unit.stats.received >= least else rest).append(row)
    ranked.sort(key=lambda u: (-u.score, u.org.name))
    for i, unit in enumerate(ranked):
        unit.rank = ranked[i - 1].rank if i and unit.score == ranked[i - 1].score else i + 1
    return ranked + sorted(rest, key=lambda u: u.org.name)


def located(grid_ids, start, end):
    """{grid id: requests located in it} for the period."""
    out = Counter()
    with _reading():
        rows = _sums(grid_ids, start, end, ("located",), by=("node_id",))
    for node_id, n in rows:
        out[node_id] += n
    return out

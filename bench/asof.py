#!/usr/bin/env python
"""Benchmark of counts on a past date (orgs.history), on SQLite and PostgreSQL.

    python bench/asof.py --scale small|county|city|province [--db sqlite|postgres|both]
                         [--samples 100] [--budget 20]

Uses the same generated data as bench/tree.py (made once, reused). If the data predate the
kept daily changes (NodeCountChange empty), rebuilds the rollups first (that commits, and is
timed). `asof_figures(bench)` adds, for random nodes of each level (root, city, county, street,
branch): today's counts (rollups.counts), the counts as of 31 December of last year
(history.counts_on: kept changes down to rollups.HISTORY_DEPTH, periods below), and the same
date counted from the periods directly at every level — to see where keeping pays; then the
drill-down of the root's children in one call (counts_on_for). Times are reported, never asserted.
"""

import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # not bench/ itself: bench/requests.py would shadow the requests library

from bench import members, tree  # noqa: E402

LEVELS = ["province", "city", "county", "street", "branch"]


def asof_figures(bench):
    """Add the as-of rows to `bench` (a members.MembersBench whose data() has run)."""
    from django.db import transaction

    from jiceng.core import tree as paths
    from jiceng.orgs import history, rollups
    from jiceng.orgs.models import NodeCountChange, Organization

    if not NodeCountChange.objects.exists():
        t0 = time.perf_counter()
        with transaction.atomic():
            rollups.rebuild()
        bench.row("rollups.rebuild, daily changes included (data predate them; commits)",
                  [time.perf_counter() - t0], target="information")
    past = datetime.date(bench.today.year - 1, 12, 31)
    rows = NodeCountChange.objects.count()
    bench.notes.append(f"NodeCountChange: {rows:,} rows for nodes down to depth {rollups.HISTORY_DEPTH} "
                       f"(NodeCount: {rollups.NodeCount.objects.count():,} rows)")
    items = list(range(bench.samples))
    checked = []
    for level in LEVELS:
        nodes = list(Organization.objects.filter(kind=level).order_by("path")[:2000])
        if not nodes:
            continue
        picks = [bench.rng.choice(nodes) for _ in items]
        depth = picks[0].depth
        where = f"{level} (depth {depth}, {'kept changes' if depth <= rollups.HISTORY_DEPTH else 'periods'})"
        bench.row(f"counts today (rollups.counts): {where}",
                  bench.measure(lambda i: rollups.counts(picks[i]), items), unit="/s", target="under 100 ms p99")
        bench.row(f"counts as of {past} (history.counts_on): {where}",
                  bench.measure(lambda i: history.counts_on(picks[i], past), items), unit="/s",
                  target="under 500 ms p99")
        if depth <= rollups.HISTORY_DEPTH:
            bench.row(f"counts as of {past} from the periods directly (not used at this depth): {level}",
                      bench.measure(lambda i: history._counted([picks[i]], picks[i].depth, past), items[:20],
                                    warmup=1), unit="/s", target="information")
            node = picks[0]
            checked.append(history.counts_on(node, past) == history._counted([node], node.depth, past).get(node.pk, {}))
    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    children = list(Organization.objects.filter(parent=root))
    bench.row(f"drill-down: the root's {len(children)} children as of {past} (history.counts_on_for)",
              bench.measure(lambda i: history.counts_on_for(children, past), items), unit="/s",
              target="under 500 ms p99")
    members_now = sum(v for k, v in rollups.counts(root).items() if k.startswith("status:"))
    members_then = sum(v for k, v in history.counts_on(root, past).items() if k.startswith("status:"))
    bench.notes.append(f"root “{root.name}”: {members_now:,} memberships today, {members_then:,} on {past}; "
                       f"kept and direct counts equal at the first node of each kept level: {all(checked)}; "
                       f"nodes of a level: the first 2,000 by path, picked at random with replacement; "
                       f"nodes under {paths.STEP * rollups.HISTORY_DEPTH}-digit paths keep changes")


class AsofBench(members.MembersBench):
    def steps(self):
        self.data()
        asof_figures(self)


def main():
    parser = tree.arguments(__doc__, "province", "calls per row (default 100)")
    tree.dispatch(parser, AsofBench, Path(__file__).resolve(), members.print_table)


if __name__ == "__main__":
    main()

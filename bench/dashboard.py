#!/usr/bin/env python
"""Benchmark of the dashboard (一屏知全域), on SQLite and PostgreSQL.

    python bench/dashboard.py --scale small|county|city|province|national [--db sqlite|postgres|both]
                              [--samples 100] [--budget 20]

Uses the same generated data as bench/tree.py (jiceng.demo.loader.load(scale, seed=1)), made once
and reused. For the root (the first top node by path: a province), another province (the one with
the most members; national scale only), the first county and its first branch, as an org_admin of
them, measures through Django's test client:
  - the dashboard JSON (dashboard:data) today, panels' cache warm — what a big screen's poll costs;
  - the same with the cache emptied before each request (cold: the panels that sum rows under
    the node — structural checks, dues, village matters, development's due list — run again);
  - the dashboard JSON as of 31 December of last year (orgs.history);
  - the dashboard page (HTML) today, cache warm.
Targets (issue 7): under 100 ms p99 today, under 500 ms p99 as-of. Times are reported, never
asserted. See bench/README.md.
"""

import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # not bench/ itself: bench/requests.py would shadow the requests library

from bench import members, tree  # noqa: E402


class DashboardBench(members.MembersBench):
    def steps(self):
        self.data()
        self.users()
        self.levels()

    def nodes(self):
        from jiceng.core import tree as core_tree
        from jiceng.orgs.models import Organization

        from jiceng.core.models import Grant
        from jiceng.orgs.models import NodeCount

        first = Organization.objects.order_by("path")
        # Another province than the root, the one with the most members (national scale only).
        largest = (NodeCount.objects.filter(node__depth=1, key="status:full").exclude(node=self.root)
                   .order_by("-value").values_list("node_id", flat=True).first())
        province = Organization.objects.filter(pk=largest).first()
        if province:
            Grant.objects.get_or_create(user=self.root_admin, node=province, role="org_admin")
        branch = first.filter(core_tree.subtree_q(self.county.path), kind="branch").first()
        return [("root", self.root), ("province", province), ("county", self.county), ("branch", branch)]

    def levels(self):
        from django.core.cache import cache
        from django.test import Client
        from django.urls import reverse

        from jiceng.orgs import rollups

        client = Client()
        client.force_login(self.root_admin)
        past = datetime.date(self.today.year - 1, 12, 31)
        items = list(range(self.samples))
        for level, org in self.nodes():
            if org is None:
                continue
            n = rollups.counts(org)
            what = (f"{level} “{org.name}” ({sum(v for k, v in n.items() if k.startswith('kind:')):,} orgs, "
                    f"{n.get('status:full', 0) + n.get('status:probationary', 0):,} party members)")
            data, page = reverse("dashboard:data", args=[org.pk]), reverse("dashboard:node", args=[org.pk])

            def get(url, params=None, cold=False):
                def one(_):
                    if cold:
                        cache.clear()
                    t0 = time.perf_counter()
                    response = client.get(url, params or {})
                    elapsed = time.perf_counter() - t0
                    assert response.status_code == 200, (url, response.status_code)
                    return elapsed
                return one

            self.row(f"dashboard JSON today, cache warm: {what}", self.measure(get(data), items),
                     unit="requests/s", target="under 100 ms p99")
            self.row(f"dashboard JSON today, cache cold: {level}", self.measure(get(data, cold=True), items, warmup=1),
                     unit="requests/s", target="information")
            self.row(f"dashboard JSON as of {past}: {level}", self.measure(get(data, {"on": past.isoformat()}), items),
                     unit="requests/s", target="under 500 ms p99")
            self.row(f"dashboard page (HTML) today, cache warm: {level}", self.measure(get(page), items),
                     unit="pages/s", target="under 100 ms p99")
        self.notes.append("as an org_admin of the root, through Django's test client (no HTTP server); "
                          "'warm': the panels' cache (policy dashboard.panel_cache_seconds) filled by the warm-up "
                          "requests; 'cold': emptied before each request (timed without the emptying)")


def main():
    parser = tree.arguments(__doc__, "province", "requests per row (default 100)")
    tree.dispatch(parser, DashboardBench, Path(__file__).resolve(), members.print_table)


if __name__ == "__main__":
    main()

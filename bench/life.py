#!/usr/bin/env python
"""Benchmark of organizational-life compliance, on SQLite and PostgreSQL.

    python bench/life.py --scale small|county|city|province [--db sqlite|postgres|both]
                         [--samples 100] [--budget 20]

Uses the same generated data as bench/tree.py (jiceng.demo.loader.load(scale, seed=1): a
year of meeting books with attendance), made once and reused. Measures
  (a) recomputing compliance for the whole scale from the records: the counters
      (rollups.rebuild, which includes them), the follow-up runs, and the per-branch report;
  (b) recording one meeting with full attendance, counters and follow-up runs kept in the
      same transaction (rolled back), and the counter upkeep alone;
  (c) the compliance page at province, county, street and branch level (whole view through
      Django's test client), the figures from the counters alone, and the same figures by a
      plain GROUP BY over the meetings of the subtree (the peer), in the same run.
Times are reported, never asserted. See bench/README.md.
"""

import datetime
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # not bench/ itself: bench/requests.py would shadow the requests library

from bench import tree  # noqa: E402


def group_by_summary(node, year, today):
    """The peer: compliance.summary's meeting figures computed from the live tables of the
    subtree with plain GROUP BYs — meetings per (branch, kind, month), then what is owed
    (active branches, those with a full committee, those with groups) — folded in Python.
    Returns {(kind, "met" | "owed"): n}."""
    from django.db.models import Count
    from django.db.models.functions import ExtractMonth

    from jiceng.core import policy
    from jiceng.core import tree as paths
    from jiceng.life import counters
    from jiceng.life.choices import MEETING_KINDS
    from jiceng.life.models import Meeting
    from jiceng.life.periods import bounds, period_of, periods_of_year
    from jiceng.orgs.kinds import BRANCH_KINDS
    from jiceng.orgs.models import LeadershipPost, Organization

    start, end = bounds(str(year))
    branches = Organization.objects.filter(paths.subtree_q(node.path), kind__in=BRANCH_KINDS,
                                           status=Organization.ACTIVE)
    seats = policy.get("orgs.committee_min_seats", on=today)
    committees = set(LeadershipPost.objects.filter(org__in=branches, ended_on__isnull=True).values("org_id")
                     .annotate(n=Count("id")).filter(n__gte=seats).values_list("org_id", flat=True))
    grouped = set(Organization.objects.filter(parent__in=branches, kind="group").values_list("parent_id", flat=True))
    active = set(branches.values_list("id", flat=True))
    owing = {"owes:branch": len(active), "owes:committee": len(committees), "owes:groups": len(grouped)}
    eligible = {"owes:branch": active, "owes:committee": committees, "owes:groups": grouped}
    held = Counter()  # (branch, kind, period, times) -> meetings
    for org_id, kind, month, n in (Meeting.objects.filter(paths.subtree_q(node.path, "org__path"), status=Meeting.HELD,
                                                          held_on__gte=start, held_on__lt=end)
                                   .values_list("org_id", "kind", ExtractMonth("held_on"))
                                   .annotate(n=Count("id")).order_by()):
        rule = counters.rule_for(kind, f"{year}-{month:02d}")
        if rule and org_id in eligible[counters.owing_key(kind)]:
            held[(org_id, kind, *rule)] += n
    met = Counter((kind, period) for (_, kind, period, times), n in held.items() if n >= times)
    out = Counter()
    for kind, _ in MEETING_KINDS:
        for m in periods_of_year(year, "month", until=today):
            rule = counters.rule_for(kind, m)
            if rule and period_of(bounds(rule[0])[0], "month") == m:  # each period once, at its first month
                running = bounds(rule[0])[0] <= today < bounds(rule[0])[1]
                out[(kind, "met")] += met[(kind, rule[0])]
                out[(kind, "owed")] += met[(kind, rule[0])] if running else owing[counters.owing_key(kind)]
    return out


class LifeBench(tree.Bench):
    def steps(self):
        from django.utils import timezone

        self.data()
        self.today = timezone.localdate()
        self.year = self.today.year
        self.levels()
        self.recompute()  # first: it also brings data made by an older generator up to date
        self.dashboard()
        self.record_one()

    def levels(self):
        from jiceng.core import tree as paths
        from jiceng.life.models import Meeting
        from jiceng.orgs.kinds import BRANCH_KINDS
        from jiceng.orgs.models import Organization

        top = Organization.objects.filter(parent__isnull=True).order_by("path").first()
        pick = lambda kind: list(Organization.objects.filter(paths.subtree_q(top.path), kind__in=kind)  # noqa: E731
                                 .values_list("id", flat=True))
        self.nodes = {"province": [top.pk]}
        for label, kinds in (("county", ["county"]), ("street", ["street", "township"]), ("branch", BRANCH_KINDS)):
            ids = pick(kinds)
            self.nodes[label] = [self.rng.choice(ids) for _ in range(self.samples)] if ids else []
        self.nodes["province"] *= self.samples
        branches = Organization.objects.filter(kind__in=BRANCH_KINDS).count()
        self.notes.append(f"{branches:,} branches, {Meeting.objects.count():,} meetings "
                          f"(the issue names 200,000 branches for a province; this scale has {branches:,})")
        tree.log(self.notes[-1])

    def dashboard(self):
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        from jiceng.life import compliance
        from jiceng.orgs import rollups
        from jiceng.orgs.models import Organization

        admin, _ = get_user_model().objects.get_or_create(username="bench_superuser",
                                                          defaults={"is_superuser": True, "is_staff": True})
        client = Client()
        client.force_login(admin)
        for label, ids in self.nodes.items():
            if not ids:
                continue
            orgs = Organization.objects.in_bulk(set(ids))

            def page(pk):
                response = client.get(reverse("life:compliance", args=[pk]))
                assert response.status_code == 200, response.status_code

            def kept(pk):
                compliance.summary(rollups.counts(orgs[pk]), self.year, self.today)

            def peer(pk):
                group_by_summary(orgs[pk], self.year, self.today)

            times = self.measure(page, ids)
            self.add(f"compliance page (whole view), {label} level", times)
            self.add(f"compliance figures of the year, {label} level", self.measure(kept, ids),
                     [("plain GROUP BY over the meetings", self.measure(peer, ids))])
            # The two give the same numbers.
            node = orgs[ids[0]]
            figures = compliance.summary(rollups.counts(node), self.year, self.today).by_kind
            grouped = group_by_summary(node, self.year, self.today)
            same = all(figures.get(k, (0, 0)) == (grouped[(k, "met")], grouped[(k, "owed")])
                       for k, _ in grouped if k != "talk")
            self.notes.append(f"{label} level: counters and GROUP BY give the same figures: {'yes' if same else 'NO'}")

    def record_one(self):
        from django.db import transaction

        from jiceng.life import absences, counters, services
        from jiceng.life.models import Meeting
        from jiceng.orgs.models import Organization
        from jiceng.people.models import Membership

        branches = Organization.objects.in_bulk(set(self.nodes["branch"]))
        day = self.today - datetime.timedelta(days=1)

        def attendance(branch):
            return {pid: "present" for pid in Membership.objects.filter(org=branch, status__in=["full", "probationary"])
                    .values_list("person_id", flat=True)}

        rolls = {pk: attendance(b) for pk, b in branches.items()}

        def record(pk):
            with transaction.atomic():
                t0 = time.perf_counter()
                services.record_meeting(None, org=branches[pk], kind="themed_day", held_on=day, topic="基准测试",
                                        attendance=rolls[pk])
                elapsed = time.perf_counter() - t0
                transaction.set_rollback(True)
            return elapsed

        def upkeep(pk):
            with transaction.atomic():
                t0 = time.perf_counter()
                with counters.counted(branches[pk], "themed_day", day):
                    pass
                absences.attendance_written(Meeting(org=branches[pk], held_on=day), rolls[pk])
                elapsed = time.perf_counter() - t0
                transaction.set_rollback(True)
            return elapsed

        ids = self.nodes["branch"]
        size = sum(len(r) for r in rolls.values()) / max(len(rolls), 1)
        self.add(f"record one meeting with ~{size:.0f} attendees (services.record_meeting, counters included)",
                 self.measure(record, ids))
        self.add("of which: counter and follow-up upkeep (counters.counted + absences.attendance_written)",
                 self.measure(upkeep, ids))

    def recompute(self):
        from jiceng.life import absences, compliance, counters
        from jiceng.orgs import rollups
        from jiceng.orgs.models import Organization

        t0 = time.perf_counter()
        rows = sum(1 for _ in counters.live_contributions())
        self.add(f"recount compliance counters of every branch from the records ({rows:,} keys)",
                 [time.perf_counter() - t0], wanted=1)
        t0 = time.perf_counter()
        absences.rebuild()
        self.add("rebuild follow-up runs (absences.rebuild)", [time.perf_counter() - t0], wanted=1)
        t0 = time.perf_counter()
        rollups.rebuild()
        self.add("rebuild all rollups, compliance counters and follow-up runs included (rollups.rebuild)",
                 [time.perf_counter() - t0], wanted=1)
        t0 = time.perf_counter()
        report = compliance.report(Organization.objects.all(), self.year, self.today)
        self.add("per-branch compliance report of the whole scale (compliance.report, as the xlsx export)",
                 [time.perf_counter() - t0], wanted=1)
        wrong = rollups.mismatches(limit=5)
        self.notes.append(f"{len(report.shortfalls):,} shortfalls this year; counters equal the records: "
                          f"{'yes' if not wrong else 'no ' + str(wrong)}")


def main():
    parser = tree.arguments(__doc__, "small", "random nodes / operations per row (default 100)", per="cell")
    tree.dispatch(parser, LifeBench, Path(__file__).resolve())


if __name__ == "__main__":
    main()

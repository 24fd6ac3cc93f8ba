#!/usr/bin/env python
"""Benchmark of the member apps (dues, development, transfers), on SQLite and PostgreSQL.

    python bench/members.py --scale small|county|city|province [--db sqlite|postgres|both]
                            [--samples 100] [--budget 20] [--transfers 1000] [--workers 16] [--explain]

Uses the same generated data as bench/tree.py (jiceng.demo.loader.load(scale, seed=1), dues,
development cases and the rest included), made once and reused. Measures
  (a) the monthly dues run (dues.services.run_month) for every member of the scale's root, as
      an org_admin of the root runs it: first run of a month the demo did not assess, then the
      re-run of that month, then the re-run of the current month (assessed and partly paid by
      the demo) — all inside a transaction that is rolled back;
  (b) the development-due dashboard (development:dashboard, the whole page through Django's
      test client) for a county as its org_admin, and its queries alone; the root as well;
  (c) PostgreSQL only: concurrent transfers (transfers.services.send then accept, by worker
      threads with their own connections), some members sent twice at the same moment; then
      checks that no membership was lost or doubled, and puts everything back as it was.
Times are reported, never asserted. See bench/README.md.
"""

import random
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from queue import Empty, Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # not bench/ itself: bench/requests.py would shadow the requests library

from bench import tree  # noqa: E402

PER_PAGE = 30  # development.views.PER_PAGE: the dashboard's first page


def print_table(results):
    tree.print_rows(results, "size (orgs/members)", "p50 or time (ms)")


class MembersBench(tree.Bench):
    def steps(self):
        self.data()
        self.users()
        self.dues_run()
        self.dashboard()
        if self.vendor == "postgresql":
            self.transfers()
        if self.args.explain:
            self.explain()

    def row(self, op, times, rate=None, unit="", target=None, wanted=None):
        """One table row: p50/p99 of `times` (one time: the time), a throughput with its unit."""
        self.op_seq += 1
        if rate is None and len(times) > 1:
            rate, unit = len(times) / sum(times), unit or "/s"
        self.rows.append({"op": op, "seq": self.op_seq, "p50": tree.p50(times), "p99": tree.p99(times),
                          "n": len(times), "rate": rate, "unit": unit, "target": target})
        tree.log(f"{op}: p50 {tree.fmt_ms(tree.p50(times))} ms, p99 {tree.fmt_ms(tree.p99(times))} ms "
                 f"(n={len(times)})" + (f", {tree.fmt_rate(rate)} {unit}" if rate is not None else ""))

    def data(self):
        from django.utils import timezone

        super().data()
        self.today = timezone.localdate()
        # tree.Bench.add's generation row, in this table's shape
        self.rows = [{"op": row["op"], "seq": 0, "p50": row["p50"], "p99": row["p99"], "n": 1, "rate": None,
                      "unit": "", "target": None} for row in self.rows]

    def users(self):
        """An org_admin of the root and one of the first county (committed, like bench/tree.py's)."""
        from django.contrib.auth import get_user_model

        from jiceng.core.models import Grant
        from jiceng.orgs.models import Organization

        self.root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
        self.root_admin, _ = get_user_model().objects.get_or_create(username="bench_root_admin")
        Grant.objects.filter(user=self.root_admin).exclude(node=self.root).delete()
        Grant.objects.get_or_create(user=self.root_admin, node=self.root, role="org_admin")
        self.county_user = self.county_admin()  # self.county: the first county by path

    # -- (a) the monthly dues run ----------------------------------------------------------

    def dues_run(self):
        from django.db import transaction

        from jiceng.core import policy
        from jiceng.dues import months, services
        from jiceng.dues.models import Assessment

        current = months.first(self.today)
        span = policy.get("dues.unpaid_flag_months", on=self.today)
        fresh = months.add(current, -(span + 1))  # the demo assessed `span` months back to this one
        already = Assessment.objects.filter(month=fresh).count()
        where = f"the root “{self.root.name}” ({self.root.kind})"

        def timed(month):
            t0 = time.perf_counter()
            written = services.run_month(self.root_admin, self.root, month, today=self.today)
            return time.perf_counter() - t0, written

        def label(w):
            return (f"{w.created:,} created, {w.updated:,} updated, {w.unchanged:,} unchanged, "
                    f"{w.settled:,} paid left alone, {w.removed:,} removed, {w.missing_profile:,} without profile")

        with transaction.atomic():
            t, w = timed(fresh)
            changed = w.created + w.updated + w.removed
            self.row(f"dues run {fresh:%Y-%m}, first run, for {where}: {label(w)}", [t], changed / t,
                     "records written/s", "under 2 min for a province")
            t2, w2 = timed(fresh)
            looked = w2.created + w2.updated + w2.unchanged + w2.settled
            self.row(f"dues run {fresh:%Y-%m}, re-run (nothing changed): {label(w2)}", [t2], looked / t2,
                     "members checked/s", "under 2 min for a province")
            transaction.set_rollback(True)
        with transaction.atomic():
            t3, w3 = timed(current)
            looked = w3.created + w3.updated + w3.unchanged + w3.settled
            self.row(f"dues run {current:%Y-%m} (current month, assessed by the demo): {label(w3)}", [t3],
                     looked / t3, "members checked/s", "under 2 min for a province")
            transaction.set_rollback(True)
        self.notes.append(
            f"dues: run as org_admin of the root, each run inside a transaction rolled back (the data stay as made); "
            f"{fresh:%Y-%m} is the month before the demo's window of {span + 1} months "
            f"({already:,} assessments of it existed before the run)")

    # -- (b) the development-due dashboard -------------------------------------------------

    def dashboard(self):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        from jiceng.core import scoping
        from jiceng.development import queries

        for level, org, user, target in (("county", self.county, self.county_user, "under 100 ms p99"),
                                         (self.root.kind, self.root, self.root_admin, "information")):
            client = Client()
            client.force_login(user)
            url = reverse("development:dashboard", args=[org.pk])

            def page(_):
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            def alone(_):
                scoping.forget(user)  # grants read again, as on every request
                counts = queries.summary(user, org, self.today)
                rows = list(queries.due(user, org, self.today)[:PER_PAGE])
                return counts, rows

            counts, rows = alone(None)
            open_cases = sum(n for n, _ in counts.values())
            late = sum(x for _, x in counts.values())
            with CaptureQueriesContext(connection) as captured:
                page(None)
            sent = len(captured.captured_queries)
            items = list(range(self.samples))
            self.row(f"development-due dashboard page, {level} “{org.name}” as its org_admin "
                     f"({open_cases:,} open cases, {late:,} overdue; {sent} SQL statements)",
                     self.measure(page, items), unit="pages/s", target=target)
            self.row(f"of which the queries alone ({level}): development.queries.summary + first {PER_PAGE} of due",
                     self.measure(alone, items), unit="/s", target=target)

    # -- (c) concurrent transfers (PostgreSQL) ---------------------------------------------

    def transfers(self):
        from django.db.models import Count, Q, Sum

        from jiceng.core import tree as paths
        from jiceng.core.models import AuditEvent, AuditHead
        from jiceng.orgs.kinds import MEMBER_HOLDING_KINDS
        from jiceng.orgs.models import NodeCount, Organization
        from jiceng.people.choices import PARTY_MEMBER_STATUSES
        from jiceng.people.models import Membership, MembershipPeriod
        from jiceng.transfers.models import Transfer

        rng = random.Random(5)
        branches = dict(Organization.objects.filter(paths.subtree_q(self.root.path), kind__in=MEMBER_HOLDING_KINDS,
                                                    status=Organization.ACTIVE).values_list("pk", "path"))
        pending = Transfer.objects.filter(status=Transfer.PENDING).values("membership_id")
        candidates = list(Membership.objects.filter(org_id__in=branches, status__in=PARTY_MEMBER_STATUSES,
                                                    since__lte=self.today).exclude(pk__in=pending)
                          .order_by("pk").values_list("pk", "org_id"))
        twice = max(1, self.args.transfers // 20)  # members sent twice at the same moment
        wanted = self.args.transfers - twice  # distinct members
        if len(candidates) < wanted:
            self.notes.append(f"transfers: only {len(candidates):,} party members at this scale, so "
                              f"{len(candidates) + twice:,} sends instead of {self.args.transfers:,}")
            wanted = len(candidates)
        chosen = rng.sample(candidates, wanted)
        branch_ids = list(branches)

        def elsewhere(org_id):
            while True:
                to = rng.choice(branch_ids)
                if to != org_id:
                    return to

        jobs = []  # (membership_id, to_org_id, barrier or None)
        for i, (mid, org_id) in enumerate(chosen):
            if i < twice:
                barrier = threading.Barrier(2, timeout=60)
                jobs.append((mid, elsewhere(org_id), barrier))
                jobs.append((mid, elsewhere(org_id), barrier))
            else:
                jobs.append((mid, elsewhere(org_id), None))
        # The pairs spread through the queue, each pair's two sends next to each other.
        singles, pairs = jobs[2 * twice:], [jobs[2 * i:2 * i + 2] for i in range(twice)]
        rng.shuffle(singles)
        step = max(1, len(singles) // (twice + 1))
        ordered = []
        for i in range(twice + 1):
            ordered += singles[i * step:(i + 1) * step] if i < twice else singles[i * step:]
            if i < twice:
                ordered += pairs[i]
        members = {mid: org_id for mid, org_id in chosen}
        touched = set(members.values()) | {to for _, to, _ in ordered}
        nodes = set(Organization.objects.filter(path__in={p for pk in touched for p in
                                                          paths.ancestor_paths(branches[pk], include_self=True)})
                    .values_list("pk", flat=True))

        def fingerprint():
            """Whole-database figures the run changes and the restore must bring back."""
            return (Membership.objects.aggregate(n=Count("pk"), orgs=Sum("org_id")),
                    MembershipPeriod.objects.aggregate(n=Count("pk"), open=Count("pk", filter=Q(end__isnull=True))),
                    NodeCount.objects.aggregate(n=Count("pk"), total=Sum("value")), Transfer.objects.count(),
                    AuditEvent.objects.count(), sorted(AuditHead.objects.values_list("pk", "seq", "hash")))

        before = {
            "fingerprint": fingerprint(),
            "max": {m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
                    for m in (Transfer, MembershipPeriod, AuditEvent)},
            "memberships": dict(Membership.objects.filter(pk__in=members).values_list("pk", "org_id")),
            "groups": dict(Membership.objects.filter(pk__in=members).values_list("pk", "group_id")),
            "periods": list(MembershipPeriod.objects.filter(person__membership__pk__in=members, end__isnull=True)
                            .values_list("pk", "end", "reason")),
            "counts": list(NodeCount.objects.filter(node_id__in=nodes).values_list("node_id", "key", "value")),
            "heads": list(AuditHead.objects.values_list("pk", "seq", "hash")),
            "status": Counter(dict(Membership.objects.values("status").annotate(n=Count("pk"))
                                   .values_list("status", "n"))),
            "anomalies": self.period_anomalies(),
        }
        try:
            outcome, latencies, wall = self.run_transfers(ordered)
            retried = self.retry_accepts(before["max"][Transfer])
            self.check_transfers(before, members, outcome, retried, latencies, wall, len(ordered), twice)
        finally:
            self.restore(before, fingerprint)

    def run_transfers(self, jobs):
        from django.contrib.auth import get_user_model
        from django.db import connection

        from jiceng.core.errors import DomainError
        from jiceng.orgs.models import Organization
        from jiceng.people.models import Membership
        from jiceng.transfers import services

        queue = Queue()
        for job in jobs:
            queue.put(job)
        outcome, latencies, lock, errors = Counter(), [], threading.Lock(), {}

        def where(exc):
            """(the project's innermost frame — none when the error came at COMMIT —, what the
            database said: who waited for whom, on which relation)."""
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/jiceng/" in f.filename]
            at = (f"{frames[-1].filename.split('/jiceng/')[-1]}:{frames[-1].lineno} {frames[-1].name}" if frames
                  else "COMMIT (deferred constraint checks)")
            detail = " ".join(line.strip() for line in str(exc).splitlines()[1:] if line.strip())
            return f"at {at}", detail[:400]

        def worker():
            actor = get_user_model().objects.get(pk=self.root_admin.pk)  # each worker: its own user, connection
            try:
                while True:
                    try:
                        mid, to, barrier = queue.get_nowait()
                    except Empty:
                        return
                    if barrier is not None:
                        barrier.wait()
                    t0, t, result = time.perf_counter(), None, "accepted"
                    try:
                        t = services.send(actor, Membership(pk=mid), Organization(pk=to), self.today, "基准测试")
                        services.accept(actor, t, self.today)
                    except DomainError as e:
                        result = f"{'send' if t is None else 'accept'} refused: {e.code}"
                    except Exception as e:  # noqa: BLE001 - a deadlock or any database error is an outcome to report
                        first_line = str(e).splitlines()[0][:60] if str(e) else ""
                        result = f"{'send' if t is None else 'accept'} error: {type(e).__name__}: {first_line}"
                        at, detail = where(e)
                        with lock:
                            errors.setdefault((result, at), [0, detail])[0] += 1
                    elapsed = time.perf_counter() - t0
                    with lock:
                        outcome[result] += 1
                        if result == "accepted":
                            latencies.append(elapsed)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(self.args.workers)]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for (result, at), (n, detail) in sorted(errors.items()):
            tree.log(f"{result} {at}: {n} — the first: {detail}")
            self.notes.append(f"transfers: “{result}” {at}: {n}" + (f" — the first: {detail}" if detail else ""))
        return outcome, latencies, time.perf_counter() - t0

    def retry_accepts(self, max_before):
        """Accepts that failed (a deadlock) leave their transfer pending, as a receiver would find
        it: accept them again, one after the other. Returns {outcome: n}."""
        from jiceng.core.errors import DomainError
        from jiceng.transfers import services
        from jiceng.transfers.models import Transfer

        retried = Counter()
        for t in Transfer.objects.filter(pk__gt=max_before, status=Transfer.PENDING).order_by("pk"):
            try:
                services.accept(self.root_admin, t, self.today)
                retried["accepted"] += 1
            except DomainError as e:
                retried[f"refused: {e.code}"] += 1
        return retried

    def period_anomalies(self):
        """(people whose membership is not `left` without exactly one open span, open spans whose
        branch or status differ from the membership's)."""
        from django.db.models import Count, F, Q

        from jiceng.people.models import Membership, MembershipPeriod

        wrong_count = (Membership.objects.exclude(status="left")
                       .annotate(open=Count("person__periods", filter=Q(person__periods__end__isnull=True)))
                       .exclude(open=1).count())
        wrong_org = MembershipPeriod.objects.filter(end__isnull=True).exclude(person__membership__status="left") \
            .exclude(org_id=F("person__membership__org_id")).count()
        wrong_status = MembershipPeriod.objects.filter(end__isnull=True).exclude(person__membership__status="left") \
            .exclude(status=F("person__membership__status")).count()
        return wrong_count, wrong_org, wrong_status

    def check_transfers(self, before, members, outcome, retried, latencies, wall, sends, twice):
        from django.db.models import Count

        from jiceng.orgs import rollups
        from jiceng.people.models import Membership
        from jiceng.transfers.models import Transfer

        made = Transfer.objects.filter(pk__gt=before["max"][Transfer])
        by_status = dict(made.values("status").annotate(n=Count("pk")).values_list("status", "n"))
        accepted = outcome["accepted"]
        # Where each member should be now: the destination of its last accepted transfer.
        expected = dict(before["memberships"])
        for mid, to in made.filter(status=Transfer.ACCEPTED).order_by("pk").values_list("membership_id", "to_org_id"):
            expected[mid] = to
        now = dict(Membership.objects.filter(pk__in=members).values_list("pk", "org_id"))
        misplaced = sum(1 for mid in members if now.get(mid) != expected[mid])
        status_now = Counter(dict(Membership.objects.values("status").annotate(n=Count("pk"))
                                  .values_list("status", "n")))
        anomalies = self.period_anomalies()
        t0 = time.perf_counter()
        wrong = rollups.mismatches(limit=10)
        recount = time.perf_counter() - t0

        self.row(f"{sends:,} concurrent transfers (send, then accept) by {self.args.workers} threads, each its own "
                 f"connection; {twice:,} members sent twice at once — wall {wall:.1f}s, latency of an accepted "
                 f"send+accept", latencies or [wall], accepted / wall, "transfers accepted/s")
        self.row("rollups.mismatches() after the transfers (whole-database recount against the kept counts)",
                 [recount])
        refusals = ", ".join(f"{k}: {v:,}" for k, v in sorted(outcome.items()) if k != "accepted") or "none"
        failed_accepts = sum(v for k, v in outcome.items() if k.startswith("accept "))
        again = ", ".join(f"{k} {v:,}" for k, v in sorted(retried.items())) or "none to retry"
        counted = (by_status.get(Transfer.ACCEPTED, 0) == accepted + retried["accepted"]
                   and sum(by_status.values()) == accepted + failed_accepts and not by_status.get(Transfer.PENDING))
        self.notes.append(f"transfers: {accepted:,} accepted of {sends:,} sends; refusals and errors: {refusals}; "
                          f"the {failed_accepts} transfers whose accept failed were pending and accepted again one by "
                          f"one afterwards: {again}; new transfer rows by status {by_status}: "
                          f"{'they add up' if counted else 'they do NOT add up'}")
        ok = (misplaced == 0 and status_now == before["status"] and anomalies == before["anomalies"] and not wrong)
        self.notes.append(
            f"transfers: no membership lost or doubled: {'yes' if ok else 'NO'} — memberships by status "
            f"{'unchanged' if status_now == before['status'] else 'CHANGED'} ({sum(status_now.values()):,}); "
            f"members not where their last accepted transfer put them: {misplaced}; memberships (not left) "
            f"without exactly one open span / open spans in another branch / with another status: "
            f"{anomalies[0]} / {anomalies[1]} / {anomalies[2]} (before the run {before['anomalies'][0]} / "
            f"{before['anomalies'][1]} / {before['anomalies'][2]}); rollups.mismatches(): "
            f"{'empty' if not wrong else wrong} (full recount, {recount:.1f}s)")

    def restore(self, before, fingerprint):
        """Put back what the transfers changed, in one transaction: their rows, spans, audit
        events and chain heads, the members' branches and the kept counts of every node on the
        way (snapshotted before the run)."""
        from django.db import transaction

        from jiceng.core.models import AuditEvent, AuditHead
        from jiceng.orgs.models import NodeCount
        from jiceng.people.models import Membership, MembershipPeriod
        from jiceng.transfers.models import Transfer

        t0 = time.perf_counter()
        with transaction.atomic():
            Transfer.objects.filter(pk__gt=before["max"][Transfer]).delete()
            MembershipPeriod.objects.filter(pk__gt=before["max"][MembershipPeriod]).delete()
            MembershipPeriod.objects.bulk_update(
                [MembershipPeriod(pk=pk, end=end, reason=reason) for pk, end, reason in before["periods"]],
                ["end", "reason"], batch_size=500)
            Membership.objects.bulk_update(
                [Membership(pk=pk, org_id=org_id, group_id=before["groups"][pk])
                 for pk, org_id in before["memberships"].items()], ["org", "group"], batch_size=500)
            nodes = {node_id for node_id, _, _ in before["counts"]}
            NodeCount.objects.filter(node_id__in=nodes).delete()
            NodeCount.objects.bulk_create([NodeCount(node_id=n, key=k, value=v) for n, k, v in before["counts"]],
                                          batch_size=2000)
            AuditEvent.objects.filter(pk__gt=before["max"][AuditEvent]).delete()
            AuditHead.objects.bulk_update([AuditHead(pk=pk, seq=seq, hash=h) for pk, seq, h in before["heads"]],
                                          ["seq", "hash"])
        same = fingerprint() == before["fingerprint"]
        self.notes.append(f"transfers: afterwards everything they wrote was undone in one transaction "
                          f"({time.perf_counter() - t0:.1f}s: transfers, spans, audit events and chain heads, the "
                          f"members' branches, the kept counts of the nodes on the way); data as before: "
                          f"{'yes' if same else 'NO'}")

    # -- plans ------------------------------------------------------------------------------

    def explain(self):
        from jiceng.core import scoping
        from jiceng.development import queries

        for level, org, user in (("county", self.county, self.county_user), ("root", self.root, self.root_admin)):
            scoping.forget(user)
            summary = (queries.open_cases(user, org).order_by().values("next_step"))
            self.plans.append((f"development.queries.open_cases grouped by next_step ({level})", summary.explain()))
            self.plans.append((f"development.queries.due first page ({level})",
                               queries.due(user, org, self.today)[:PER_PAGE].explain()))


def main():
    parser = tree.arguments(__doc__, "province", "requests per dashboard row (default 100)")
    parser.add_argument("--transfers", type=int, default=1000, help="transfers sent at once (PostgreSQL only)")
    parser.add_argument("--workers", type=int, default=16, help="threads sending and accepting transfers")
    parser.add_argument("--explain", action="store_true", help="also print the dashboard's query plans")
    tree.dispatch(parser, MembersBench, Path(__file__).resolve(), print_table, extra=("transfers", "workers"))


if __name__ == "__main__":
    main()

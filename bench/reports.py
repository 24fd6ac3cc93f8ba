#!/usr/bin/env python
"""Benchmark of the yearly statistics workbook (党内统计), on SQLite and PostgreSQL.

    python bench/reports.py --scale small|county|city|province [--db sqlite|postgres|both]
                            [--samples 3] [--year YYYY]

Uses the same generated data as bench/tree.py (jiceng.demo.loader.load(scale, seed=1)), made
once and reused. For the root (the province at `province`) and the first county it times:
  - the figures alone (`reports.figures.compute`: one GROUP BY pass per table over the subtree),
  - the consistency check (`reports.checks.run`, which also computes last year's closing),
  - the whole workbook (`reports.workbook.build`: figures, check, traceability sheet, xlsx bytes);
the CPU seconds of this process per build (SQLite's work is in-process; PostgreSQL's is not), and
the workbook's peak memory, measured in a forked child (its high-water mark, reset at the start,
minus its resident set then). Times are reported, never asserted. Target: province under 30 s.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # not bench/ itself: bench/requests.py would shadow the requests library

from bench import tree  # noqa: E402


def _status_kb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def peak_memory(fn):
    """(peak resident set in MB above the one at the start, result size) of fn() run in a
    forked child: the child resets its high-water mark (/proc/self/clear_refs) and reads
    VmHWM afterwards, so nothing the parent holds is counted."""
    from django.db import connections

    connections.close_all()  # the child opens its own connection
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # reset the peak to the current resident set
            base = _status_kb("VmRSS")
            size = len(fn())
            os.write(write, f"{(_status_kb('VmHWM') - base) / 1024:.1f} {size}".encode())
        finally:
            os._exit(0)
    os.close(write)
    peak, size = os.read(read, 64).decode().split()
    os.close(read)
    os.waitpid(pid, 0)
    return float(peak), int(size)


class ReportsBench(tree.Bench):
    def steps(self):
        from django.utils import timezone

        self.data()
        self.year = self.args.year or timezone.localdate().year - 1
        self.workbooks()

    def nodes(self):
        from jiceng.orgs.models import Organization

        root = Organization.objects.filter(depth=1).order_by("path").first()
        county = Organization.objects.filter(kind="county").order_by("path").first()
        return [n for n in (root, county) if n]

    def workbooks(self):
        from jiceng.reports import checks, figures, workbook

        samples = max(1, min(self.samples, 3))
        for node in self.nodes():
            label = f"{node.get_kind_display()} {node.name}, year {self.year}"
            report = None

            def compute(_):
                nonlocal report
                report = figures.compute(node, self.year)

            self.add(f"figures (4 tables), {label}", self.measure(compute, [None] * samples, warmup=0),
                     wanted=samples)
            self.add(f"consistency check, {label}",
                     self.measure(lambda _: checks.run(report), [None] * samples, warmup=0), wanted=samples)
            cpu = []

            def build(_):
                started = time.process_time()
                workbook.build(node, self.year)
                cpu.append(time.process_time() - started)

            times = self.measure(build, [None] * samples, warmup=0)
            self.add(f"whole workbook (xlsx bytes), {label}", times, wanted=samples)
            peak, size = peak_memory(lambda: workbook.build(node, self.year))
            members = report.tables[0].rows[0].cells[0].value
            self.notes.append(f"{label}: {members:,} party members at year end; workbook {size / 1024:.0f} KiB, "
                              f"{len(checks.run(report))} consistency findings; CPU of this process per build "
                              f"{min(cpu):.1f} s (SQLite's work included, PostgreSQL's not); peak memory of one build "
                              f"{peak:.0f} MB above the process's {_status_kb('VmRSS') / 1024:.0f} MB")


def main():
    parser = tree.arguments(__doc__, "small", "runs per row (at most 3)", samples=3, budget=120.0,
                            budget_help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, help="the report's year (default: last year)")
    tree.dispatch(parser, ReportsBench, Path(__file__).resolve())


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Benchmark of roster import (jiceng.exchange), on SQLite and PostgreSQL, against pandas.

    python bench/imports.py [--rows 1000000] [--small 100000] [--db sqlite|postgres|both] [--branches 500]

Generates a member roster xlsx of each size once under var/bench/imports/ (a title row, the
header on row 2, names, ID and phone numbers as text, dates as text and as date cells), then,
each in its own process so that peak memory (getrusage maxrss) is that run's alone:
  - imports it into a fresh database (a county under a city and a province, with --branches
    branches under one street, migrated anew):
    the preview (read, clean, judge every row) and the commit (the same, and write), rows/s;
  - pandas.read_excel of the same file (openpyxl engine): time and peak memory, the peer that
    only reads.
Prints a Markdown table. Times are reported, never asserted. See bench/README.md.
"""

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]
DATA = ROOT / "var" / "bench" / "imports"
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
TARGET = 20_000  # rows/s (issue 7)


def roster_path(rows, branches):
    return DATA / f"roster-{rows}-{branches}.xlsx"


def generate(path, rows, branches, seed=1):
    """A roster as an office keeps it, written in openpyxl's write-only mode."""
    from openpyxl import Workbook
    from stdnum.cn import ric

    rnd = random.Random(seed)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
    educations = ["大学本科", "大学专科", "研究生", "高中", "中专", "初中及以下"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["某县党员花名册（基准测试数据）"])
    ws.append(["序号", "姓名", "性别", "民族", "出生年月", "公民身份号码", "文化程度", "入党时间", "转正日期",
               "人员类别", "所在党支部", "联系电话"])
    seq = {}
    for i in range(rows):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rnd.randrange(365 * 50))
        gender = rnd.choice("MF")
        n = seq[birth] = seq.get(birth, 0) + 1
        body = f"330521{birth:%Y%m%d}{(n * 2 + (gender == 'M')) % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")
        admitted = birth + datetime.timedelta(days=365 * 20 + rnd.randrange(365 * 20))
        admitted = min(admitted, datetime.date(2025, 6, 1))
        full = admitted + datetime.timedelta(days=365)
        ws.append([i + 1, rnd.choice(surnames) + rnd.choice(given) + rnd.choice(given), "男" if gender == "M" else "女",
                   "汉族", f"{birth:%Y.%m}", number, rnd.choice(educations),
                   admitted if i % 2 else f"{admitted:%Y-%m-%d}",
                   f"{full:%Y年%m月%d日}", "正式党员", f"第{i % branches + 1}党支部", f"138{i:08d}"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def child(args):
    """One measurement in this process; prints a JSON line."""
    if args.child == "pandas":
        import pandas

        t0, c0 = time.perf_counter(), _cpu()
        frame = pandas.read_excel(args.file, header=1)
        print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": _cpu() - c0, "rows": len(frame),
                          "maxrss_mb": _maxrss_mb()}))
        return
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiceng.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from jiceng.exchange import imports
    from jiceng.orgs import services as org_services

    call_command("migrate", interactive=False, verbosity=0)
    # The county where it sits in the national tree (depth 3): daily changes are kept to that
    # depth (rollups.HISTORY_DEPTH), so a roster's history goes to its county and the two above.
    province = org_services.create_org(None, parent=None, name="某省", kind="province", sector="other")
    city = org_services.create_org(None, parent=province, name="某市", kind="city", sector="other")
    county = org_services.create_org(None, parent=city, name="某县", kind="county", sector="other")
    street = org_services.create_org(None, parent=county, name="某街道", kind="street", sector="urban_community")
    for i in range(args.branches):
        org_services.create_org(None, parent=street, name=f"第{i + 1}党支部", kind="branch", sector="urban_community")
    out = {}
    for phase, commit in (("preview", False), ("commit", True)):
        t0, c0 = time.perf_counter(), _cpu()
        outcome = imports.run(None, county, "members", args.file, commit=commit)
        out[phase] = {"seconds": time.perf_counter() - t0, "cpu": _cpu() - c0, "rows": outcome.rows,
                      "counts": outcome.counts, "problems": len(outcome.problems)}
    out["maxrss_mb"] = _maxrss_mb()
    print(json.dumps(out))


def _cpu():
    """This process's CPU seconds: on a machine shared with other work, wall time alone says
    more about the neighbours than about the import."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _database(db, rows):
    if db == "sqlite":
        path = DATA / f"import-{rows}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    name = f"jiceng_bench_imports_{rows}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG}/{name}"


def _run(cmd, env=None):
    done = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"{' '.join(cmd)} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=500)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument("--child")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.child:
        return child(args)
    table, notes = [], []
    for rows in sorted({args.small, args.rows}):
        path = roster_path(rows, args.branches)
        if not path.exists():
            t0 = time.perf_counter()
            generate(path, rows, args.branches)
            notes.append(f"generated {path.relative_to(ROOT)} ({path.stat().st_size / 1048576:.0f} MB) "
                         f"in {time.perf_counter() - t0:.0f} s")
        size = f"{rows:,} rows, {path.stat().st_size / 1048576:.0f} MB"
        me = [sys.executable, str(Path(__file__).resolve()), "--branches", str(args.branches), "--file", str(path)]
        for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            r = _run(me + ["--child", "import"], {"DATABASE_URL": _database(db, rows), "DEBUG": "0",
                                                   "SECRET_KEY": "bench-" + os.urandom(8).hex(),
                                                   "JICENG_FIELD_KEY": "bench-" + os.urandom(8).hex()})
            for phase in ("preview", "commit"):
                p = r[phase]
                rate = p["rows"] / p["seconds"]
                table.append([f"import {phase}", db, size, f"{p['seconds']:.1f}", f"{p['cpu']:.1f}", f"{rate:,.0f}",
                              f"{p['rows'] / p['cpu']:,.0f}", f"{r['maxrss_mb']:.0f}",
                              "≥ 20,000 rows/s" + (" ✔" if rate >= TARGET else " ✘")])
            notes.append(f"{db} {rows:,}: {r['commit']['counts']}, {r['preview']['problems']} problems")
        if not args.no_pandas:
            r = _run(me + ["--child", "pandas"])
            table.append(["pandas.read_excel (read only)", "—", size, f"{r['seconds']:.1f}", f"{r['cpu']:.1f}",
                          f"{r['rows'] / r['seconds']:,.0f}", f"{r['rows'] / r['cpu']:,.0f}", f"{r['maxrss_mb']:.0f}",
                          "peer"])
    print("| operation | database | file | wall (s) | CPU (s) | rows/s (wall) | rows/s (CPU) | peak memory (MB) "
          "| target |")
    print("|---|---|---|--:|--:|--:|--:|--:|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")
    for note in notes:
        print(f"- {note}")
    print(f"- load average (1 min) {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs, shared with other processes")


if __name__ == "__main__":
    main()

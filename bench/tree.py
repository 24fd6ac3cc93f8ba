#!/usr/bin/env python
"""Benchmark of the organization tree, on SQLite and PostgreSQL, against peer tree designs.

    python bench/tree.py --scale small|county|city|province|national [--db sqlite|postgres|both]
                         [--samples 100] [--budget 20] [--explain]

Builds (once) or reuses the data of a scale, generated like `jiceng demo` does
(jiceng.demo.loader.load(scale, seed=1); `national` copies one generated county to every county
in SQL, bench/replicate.py): SQLite in var/bench/<scale>/jiceng.sqlite3,
PostgreSQL in the database jiceng_bench_<scale> (server from BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432). Each database is measured in a child process of this
script (DATABASE_URL must be set before django.setup()); the parent prints one Markdown
table. See bench/README.md for what each row means and the targets. Times are reported,
never asserted.
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # not bench/ itself: bench/requests.py would shadow the requests library
SCALES = ["small", "county", "city", "province", "national"]
DBS = ["sqlite", "postgres"]
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PAGE = 50


def db_url(db, scale):
    if db == "sqlite":
        return f"sqlite:///{ROOT / 'var' / 'bench' / scale / 'jiceng.sqlite3'}"
    return f"{PG_BASE}/jiceng_bench_{scale}"


def log(message):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", file=sys.stderr, flush=True)


# -- statistics and formatting -----------------------------------------------------------

def p50(times):
    return statistics.median(times)


def p99(times):
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def fmt_ms(seconds):
    if seconds is None:
        return "—"
    ms = seconds * 1000
    if ms < 1:
        return f"{ms:.3f}"
    if ms < 10:
        return f"{ms:.2f}"
    if ms < 100:
        return f"{ms:.1f}"
    return f"{ms:,.0f}"


def fmt_rate(rate):
    if rate is None:
        return "—"
    if rate >= 100:
        return f"{rate:,.0f}"
    if rate >= 1:
        return f"{rate:.1f}"
    return f"{rate:.3f}"


# == the parent: run one child per database, print one table ============================

def run_children(dbs, command, env):
    """Run `command(db, out)` (a child writing its JSON result to `out`) once per database, with
    `env(db)`; return the results, each with its wall time. Exits when a child fails."""
    results = []
    for db in dbs:
        fd, out = tempfile.mkstemp(suffix=".json", prefix=f"bench-{db}-")
        os.close(fd)
        child_env = env(db)
        log(f"{db}: {child_env['DATABASE_URL']}")
        started = time.perf_counter()
        code = subprocess.call(command(db, out), env=child_env, cwd=ROOT)
        if code:
            os.unlink(out)
            sys.exit(f"the {db} run failed (exit {code})")
        with open(out) as f:
            result = json.load(f)
        os.unlink(out)
        result["wall_s"] = time.perf_counter() - started
        log(f"{db}: done in {result['wall_s']:.1f}s")
        results.append(result)
    return results


def parent(args, script=Path(__file__).resolve(), table=None, extra=(), url=db_url):
    """Run `script` once per database with --child (passing on the arguments named in `extra`
    too), each on `url(db, scale)`; collect the rows, print one table with `table` (default
    print_table)."""

    def command(db, out):
        cmd = [sys.executable, str(script), "--scale", args.scale, "--db", db,
               "--samples", str(args.samples), "--budget", str(args.budget),
               *(x for name in extra for x in (f"--{name}", str(getattr(args, name)))), "--child", out]
        return cmd + (["--explain"] if getattr(args, "explain", False) else [])

    def env(db):
        return {**os.environ, "DATABASE_URL": url(db, args.scale), "DJANGO_SETTINGS_MODULE": "bench.settings"}

    (table or print_table)(run_children(DBS if args.db == "both" else [args.db], command, env))


def print_table(results):
    head = ["operation", "database", "size (orgs/members)", "p50 (ms)", "p99 (ms)", "throughput (ops/s)",
            "peer", "peer p50 (ms)", "ratio"]
    rows = []
    for r in results:
        for row in r["rows"]:
            rows.append((row["op_seq"], DBS.index(r["db"]), row["peer_seq"], row, r))
    rows.sort(key=lambda t: t[:3])
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" if i in (0, 1, 2, 6) else "--:" for i in range(len(head))) + "|")
    for _, _, _, row, r in rows:
        n_note = f" (n={row['n']})" if row["n"] and row["n"] < row["wanted"] else ""
        peer_note = f" (n={row['peer_n']})" if row["peer_n"] and row["peer_n"] < row["wanted"] else ""
        cells = [row["op"], r["db"], r["size"], fmt_ms(row["p50"]), fmt_ms(row["p99"]) + n_note,
                 fmt_rate(row["rate"]), row["peer"] or "—", fmt_ms(row["peer_p50"]) + peer_note,
                 f"{row['ratio']:.2f}x" if row["ratio"] is not None else "—"]
        print("| " + " | ".join(cells) + " |")
    print_notes(results)


def print_rows(results, size_label, p50_label):
    """The table of rows with n, a throughput with its unit and a target (bench.members,
    bench.village and those built on them); rows by their `seq`, then database."""
    head = ["operation", "database", size_label, "n", p50_label, "p99 (ms)", "throughput", "target"]
    rows = sorted(((row["seq"], DBS.index(r["db"]), row, r) for r in results for row in r["rows"]),
                  key=lambda t: t[:2])
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" if i in (0, 1, 2, 7) else "--:" for i in range(len(head))) + "|")
    for _, _, row, r in rows:
        rate = f"{fmt_rate(row['rate'])} {row['unit']}" if row["rate"] is not None else "—"
        cells = [row["op"], r["db"], r["size"], f"{row['n']:,}", fmt_ms(row["p50"]),
                 fmt_ms(row["p99"]) if row["n"] > 1 else "—", rate, row["target"] or "—"]
        print("| " + " | ".join(cells) + " |")
    print_notes(results)


def print_notes(results):
    """Below a table: each database's notes and wall time, then any query plans."""
    print()
    for r in results:
        for note in r["notes"]:
            print(f"- {r['db']}: {note}")
        print(f"- {r['db']}: whole run {r['wall_s']:.1f}s")
    for r in results:
        for title, plan in r.get("explain", []):
            print(f"\n{r['db']} — {title}\n```\n{plan}\n```")


# == the child: one database ===============================================================

def ensure_pg_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def child(args, bench_class=None, url=db_url):
    sys.path[:1] = [str(ROOT)]  # `bench` as a package (instead of the bench/ directory itself)
    os.environ.setdefault("DATABASE_URL", url(args.db, args.scale))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    if args.db == "sqlite":
        Path(os.environ["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    else:
        ensure_pg_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    bench = (bench_class or Bench)(args)
    bench.run()
    with open(args.child, "w") as f:
        json.dump({"db": args.db, "size": bench.size, "rows": bench.rows, "notes": bench.notes,
                   "explain": bench.plans}, f)


class Bench:
    def __init__(self, args):
        from django.db import connection

        self.args = args
        self.scale = args.scale
        self.samples = args.samples
        self.budget = args.budget
        self.vendor = connection.vendor  # "sqlite" or "postgresql"
        self.rng = random.Random(1)
        self.rows, self.notes, self.plans = [], [], []
        self.op_seq = 0

    # -- timing --------------------------------------------------------------------------

    def measure(self, fn, items, warmup=3):
        """Call fn(item) for each item; fn returns its own elapsed seconds as a float (anything
        else: the whole call is timed). Stops early, after at least 5 calls, when the budget is spent."""
        for item in items[:warmup]:
            fn(item)
        times, spent = [], 0.0
        for item in items:
            t0 = time.perf_counter()
            dt = fn(item)
            elapsed = time.perf_counter() - t0
            times.append(dt if isinstance(dt, float) else elapsed)
            spent += elapsed
            if len(times) >= 5 and spent > self.budget:
                break
        return times

    def add(self, op, times, peers=(), wanted=None, seq=None):
        """One table row per peer (or one without a peer); `peers` is [(name, times)]."""
        if seq is None:
            self.op_seq += 1
            seq = self.op_seq
        wanted = wanted or self.samples
        base = {"op": op, "op_seq": seq, "p50": p50(times), "p99": p99(times),
                "rate": len(times) / sum(times) if sum(times) else None, "n": len(times), "wanted": wanted}
        for i, (name, peer_times) in enumerate(peers or [(None, None)]):
            row = dict(base, peer_seq=i, peer=name, peer_p50=None, peer_n=None, ratio=None)
            if peer_times:
                row.update(peer_p50=p50(peer_times), peer_n=len(peer_times), ratio=row["p50"] / p50(peer_times))
            self.rows.append(row)
        peer_text = ", ".join(f"{name} {fmt_ms(p50(t))}" for name, t in peers if t)
        log(f"{op}: p50 {fmt_ms(base['p50'])} ms, p99 {fmt_ms(base['p99'])} ms (n={len(times)})"
            + (f"; peers: {peer_text}" if peer_text else ""))

    @staticmethod
    def statements(fn, *args):
        """How many SQL statements fn(*args) sends (savepoints included), in a rolled-back transaction."""
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            fn(*args)
            transaction.set_rollback(True)
        return len(captured.captured_queries)

    # -- the run -------------------------------------------------------------------------

    def run(self):
        """Migrate, run the steps, note the machine's load around them."""
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        load_before = os.getloadavg()[0]
        self.steps()
        self.notes.append(f"load average (1 min) at start {load_before:.2f}, at end {os.getloadavg()[0]:.2f} "
                          f"on {os.cpu_count()} CPUs (other processes share the machine)")

    def steps(self):
        self.data()
        self.build_peers()
        self.user = self.county_admin()
        if self.args.explain:
            self.explain()
        self.subtree_counts()
        self.subtree_page()
        self.member_search()
        self.moves()
        self.inserts()
        self.rebuild()

    def analyze(self):
        """PostgreSQL: statistics as autovacuum would soon have them after a bulk load.
        SQLite keeps Django's default (no ANALYZE, no sqlite_stat1)."""
        from django.db import connection

        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    @staticmethod
    def generator_version():
        """A fingerprint of the generator's source, to tell when reused data came from another version."""
        import hashlib

        import jiceng.demo

        digest = hashlib.sha1()
        for path in sorted(Path(jiceng.demo.__file__).parent.glob("*.py")):
            digest.update(path.read_bytes())
        return digest.hexdigest()[:12]

    @staticmethod
    def source_state():
        """The commit measured, and whether src/ had uncommitted changes."""
        try:
            head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                  text=True, check=True).stdout.strip()
            dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True,
                                   text=True, check=True).stdout.splitlines()
        except (OSError, subprocess.CalledProcessError):
            return "source: not a git checkout"
        return f"source: commit {head}" + (f" with uncommitted changes in {len(dirty)} file(s) under src/"
                                           if dirty else "")

    def meta(self, key, value=None):
        """A bench-only key/value table in the measured database (when and by what the data were made)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key varchar(40) PRIMARY KEY, value text)")
            if value is not None:
                cursor.execute("DELETE FROM bench_meta WHERE key = %s", [key])
                cursor.execute("INSERT INTO bench_meta (key, value) VALUES (%s, %s)", [key, value])
                return value
            cursor.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
            row = cursor.fetchone()
            return row[0] if row else None

    def data(self):
        from jiceng.core.models import AuditEvent
        from jiceng.demo.loader import load

        from bench import replicate
        from jiceng.orgs.models import Organization
        from jiceng.people.models import Membership

        version = self.generator_version()
        if Organization.objects.exists():
            loaded = AuditEvent.objects.filter(action="demo.load").values_list("object_id", flat=True).first()
            if loaded != self.scale:
                raise SystemExit(f"{self.vendor} database holds data of scale {loaded!r}, not {self.scale!r}")
            made, when = self.meta("generator"), self.meta("generated_at")
            self.notes.append(
                f"data reused, generated {when or 'earlier'} by jiceng.demo.loader.load(scale, seed=1) "
                + ("of the current version" if made == version else
                   f"of {'another' if made else 'an unrecorded'} version (generator {made or '?'}, now {version}; "
                   "delete the SQLite file / drop the database to regenerate)"))
        else:
            log(f"generating {self.scale} data (jiceng.demo.loader.load(seed=1)) …")
            t0 = time.perf_counter()
            # National: one county generated, copied to every county in SQL (bench/replicate.py).
            stats = replicate.national(seed=1, log=log) if self.scale == "national" else load(self.scale, seed=1)
            elapsed = time.perf_counter() - t0
            self.meta("generator", version)
            self.meta("generated_at", time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()))
            self.notes.append(f"data generated this run (generator {version}): {stats.orgs:,} orgs, "
                              f"{stats.people:,} people, {stats.rollup_rows:,} rollup rows in {elapsed:.1f}s")
            self.gen_time = elapsed
            self.analyze()
        self.notes.append(self.source_state())
        self.orgs = Organization.objects.count()
        self.members = Membership.objects.exclude(status="left").count()
        self.size = f"{self.orgs:,} / {self.members:,}"
        if getattr(self, "gen_time", None):
            self.add("demo data generation (jiceng.demo.loader.load, seed=1), whole run", [self.gen_time], wanted=1,
                     seq=0)

    # -- peers ---------------------------------------------------------------------------

    def build_peers(self):
        """Copy (id, parent, name) of every organization into each peer's table, in this run."""
        from django.db import connection, transaction

        from bench.peers.models import PEER_MODELS, AdjacencyNode, MpttNode, TreebeardNode
        from jiceng.orgs.models import Organization

        t0 = time.perf_counter()
        rows = list(Organization.objects.order_by("path").values_list("id", "parent_id", "name", "path", "depth"))
        existing = set(connection.introspection.table_names())
        with connection.schema_editor() as editor:
            for model in PEER_MODELS:
                if model._meta.db_table in existing:
                    editor.delete_model(model)
                editor.create_model(model)

        # treebeard: dense child numbers in path order, base-36 steps of 4.
        tb_path, seq, numchild = {}, {}, {}
        for id_, parent_id, *_ in rows:
            if parent_id:
                numchild[parent_id] = numchild.get(parent_id, 0) + 1
        tb = []
        for id_, parent_id, name, _, depth in rows:
            seq[parent_id] = seq.get(parent_id, 0) + 1
            step = TreebeardNode._int2str(seq[parent_id]).rjust(TreebeardNode.steplen, TreebeardNode.alphabet[0])
            tb_path[id_] = (tb_path[parent_id] if parent_id else "") + step
            tb.append(TreebeardNode(id=id_, name=name, path=tb_path[id_], depth=depth, numchild=numchild.get(id_, 0)))

        # mptt: rows in path order are a pre-order walk; number lft on the way down, rght on the way up.
        mp, stack, counter, tree_id = [], [], 0, 0
        for id_, parent_id, name, path, depth in rows:
            while stack and not path.startswith(stack[-1][0]):
                counter += 1
                stack.pop()[1].rght = counter
            if parent_id is None:
                tree_id, counter = tree_id + 1, 0
            counter += 1
            node = MpttNode(id=id_, parent_id=parent_id, name=name, lft=counter, rght=0, tree_id=tree_id,
                            level=depth - 1)
            mp.append(node)
            stack.append((path, node))
        while stack:
            counter += 1
            stack.pop()[1].rght = counter

        adj = [AdjacencyNode(id=id_, parent_id=parent_id, name=name) for id_, parent_id, name, _, _ in rows]
        with transaction.atomic():
            TreebeardNode.objects.bulk_create(tb, batch_size=5000)
            MpttNode.objects.bulk_create(mp, batch_size=5000)
            AdjacencyNode.objects.bulk_create(adj, batch_size=5000)
        if self.vendor == "postgresql":
            self.build_ltree(rows)
        self.analyze()
        self.peer_names = ["treebeard MP_Node", "mptt MPTTModel", "adjacency list + recursive CTE"] + (
            ["ltree + GiST"] if self.vendor == "postgresql" else [])
        self.notes.append(f"peer tables ({', '.join(self.peer_names)}) copied from {len(rows):,} orgs "
                          f"in {time.perf_counter() - t0:.1f}s")
        log(self.notes[-1])

    def build_ltree(self, rows):
        from django.db import connection, transaction

        labels = {}
        for id_, parent_id, *_ in rows:
            labels[id_] = (labels[parent_id] + "." if parent_id else "") + str(id_)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS ltree")
            cursor.execute("DROP TABLE IF EXISTS bench_peer_ltree")
            cursor.execute("CREATE TABLE bench_peer_ltree (id bigint PRIMARY KEY, parent_id bigint, "
                           "name varchar(200) NOT NULL, path ltree NOT NULL)")
            batch = [(id_, parent_id, name, labels[id_]) for id_, parent_id, name, _, _ in rows]
            for i in range(0, len(batch), 5000):
                chunk = batch[i:i + 5000]
                cursor.execute("INSERT INTO bench_peer_ltree (id, parent_id, name, path) VALUES "
                               + ", ".join(["(%s, %s, %s, %s::ltree)"] * len(chunk)),
                               [v for row in chunk for v in row])
            cursor.execute("CREATE INDEX bench_peer_ltree_path_gist ON bench_peer_ltree USING GIST (path)")
        self.ltree_paths = labels

    def pad_sql(self, column):
        """A fixed-width text sort key of an id, for depth-first order in a recursive CTE."""
        if self.vendor == "postgresql":
            return f"lpad({column}::text, 12, '0')"
        return f"printf('%%012d', {column})"

    # -- 1. member counts by status over a subtree ---------------------------------------

    @staticmethod
    def status_counts(counts):
        return {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("status:")}

    def counts_impls(self):
        """({name: fn(node_id, or None for the whole forest) -> {status: n}, computed live},
        preload(node_ids)): the peers' node instances are loaded before timing, like jiceng's."""
        from django.db import connection
        from django.db.models import Count

        from bench.peers.models import MpttNode, TreebeardNode
        from jiceng.core import tree
        from jiceng.orgs.models import Organization
        from jiceng.people.models import Membership

        def by_status(qs):
            return dict(qs.exclude(status="left").order_by().values_list("status").annotate(n=Count("id")))

        def sql(query, params):
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return dict(cursor.fetchall())

        cache = {}  # (model, pk) -> instance, loaded before timing (as jiceng's nodes are)

        def preload(ids):
            for model in (Organization, TreebeardNode, MpttNode):
                for pk, obj in model.objects.in_bulk(set(ids) - {None}).items():
                    cache[model, pk] = obj

        def node(model, pk):
            if (model, pk) not in cache:
                cache[model, pk] = model.objects.get(pk=pk)
            return cache[model, pk]

        def jiceng_live(pk):
            qs = Membership.objects.all()
            if pk is not None:
                qs = qs.filter(tree.subtree_q(node(Organization, pk).path, "org__path"))
            return by_status(qs)

        def treebeard(pk):
            nodes = (TreebeardNode.objects.get_descendants(node(TreebeardNode, pk), include_self=True)
                     if pk is not None else TreebeardNode.objects.get_tree())
            return by_status(Membership.objects.filter(org_id__in=nodes.values("id")))

        def mptt(pk):
            nodes = (node(MpttNode, pk).get_descendants(include_self=True) if pk is not None
                     else MpttNode.objects.all())
            return by_status(Membership.objects.filter(org_id__in=nodes.values("id")))

        def cte(pk):
            anchor = "id = %s" if pk is not None else "parent_id IS NULL"
            return sql(
                "WITH RECURSIVE sub(id) AS ("
                f" SELECT id FROM bench_peer_adjacency WHERE {anchor}"
                " UNION ALL SELECT c.id FROM bench_peer_adjacency c JOIN sub ON c.parent_id = sub.id)"
                # IN rather than JOIN: SQLite then probes people_membership's org index per node
                # instead of scanning the memberships.
                " SELECT m.status, COUNT(*) FROM people_membership m"
                " WHERE m.org_id IN (SELECT id FROM sub) AND m.status <> 'left' GROUP BY m.status",
                [pk] if pk is not None else [])

        def ltree(pk):
            if pk is None:
                return sql("SELECT m.status, COUNT(*) FROM people_membership m JOIN bench_peer_ltree t"
                           " ON m.org_id = t.id WHERE m.status <> 'left' GROUP BY m.status", [])
            return sql("SELECT m.status, COUNT(*) FROM people_membership m JOIN bench_peer_ltree t"
                       " ON m.org_id = t.id WHERE t.path <@ %s::ltree AND m.status <> 'left'"
                       " GROUP BY m.status", [self.ltree_paths[pk]])

        impls = {"jiceng live (path range join)": jiceng_live, "treebeard MP_Node": treebeard,
                 "mptt MPTTModel": mptt, "adjacency list + recursive CTE": cte}
        if self.vendor == "postgresql":
            impls["ltree + GiST"] = ltree
        return impls, preload

    def subtree_counts(self):
        from jiceng.orgs import rollups
        from jiceng.orgs.models import Organization

        roots = list(Organization.objects.filter(depth=1).order_by("path"))
        levels = []
        if len(roots) > 1:
            levels.append((f"national (all {len(roots)} top-level nodes)", None))
        for kind in ("province", "city", "county", "street", "branch"):
            ids = list(Organization.objects.filter(kind=kind).values_list("id", flat=True))
            if ids:
                label = f"{kind} (top level)" if kind == "province" and len(roots) == 1 else kind
                levels.append((label, ids))
        impls, preload = self.counts_impls()
        wrong = set()
        for label, ids in levels:
            if ids is None:  # the whole forest: every root's rollup rows in one query
                items = [None] * self.samples

                def ours(_, roots=roots):
                    total = {}
                    for counts in rollups.counts_for(roots).values():
                        for k, v in counts.items():
                            total[k] = total.get(k, 0) + v
                    return total
            else:
                items = [self.rng.choice(ids) for _ in range(self.samples)]
                orgs = Organization.objects.in_bulk(set(items))

                def ours(pk, orgs=orgs):
                    return rollups.counts(orgs[pk])
            preload(items)
            times = self.measure(ours, items)
            peers = []
            for name, fn in impls.items():
                peers.append((name, self.measure(fn, items)))
                for pk in list(dict.fromkeys(items))[:5]:  # the same numbers?
                    if fn(pk) != self.status_counts(ours(pk)):
                        wrong.add(name)
            self.add(f"member counts by status, {label} subtree (rollup rows)", times, peers)
        self.notes.append("peers' live counts equal the rollup counts: "
                          + ("yes" if not wrong else f"NO ({', '.join(sorted(wrong))})"))

    # -- 2. one page of a scoped subtree listing -----------------------------------------

    def county_admin(self):
        from django.contrib.auth import get_user_model

        from jiceng.core.models import Grant
        from jiceng.orgs.models import Organization

        self.county = Organization.objects.filter(kind="county").order_by("path").first()
        user, _ = get_user_model().objects.get_or_create(username="bench_county_admin")
        Grant.objects.filter(user=user).exclude(node=self.county).delete()
        Grant.objects.get_or_create(user=user, node=self.county, role="org_admin")
        return user

    def subtree_page(self):
        from django.db import connection

        from bench.peers.models import MpttNode, TreebeardNode
        from jiceng.core import scoping, tree
        from jiceng.orgs import queries
        from jiceng.orgs.models import Organization

        streets = list(Organization.objects.filter(tree.subtree_q(self.county.path), kind="street")
                       .values_list("id", flat=True))
        targets = [("county (the grant's root)", [self.county.pk] * self.samples)]
        if streets:
            targets.append(("street", [self.rng.choice(streets) for _ in range(self.samples)]))

        def sql(query, params):
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()

        for label, items in targets:
            orgs = Organization.objects.in_bulk(set(items))
            tb = TreebeardNode.objects.in_bulk(set(items))
            mp = MpttNode.objects.in_bulk(set(items))

            def ours(pk):
                scoping.forget(self.user)  # a request starts with the user's grants unread
                list(queries.subtree(self.user, orgs[pk]).order_by("path")[:PAGE])

            impls = {
                "treebeard MP_Node": lambda pk: list(
                    TreebeardNode.objects.get_descendants(tb[pk], include_self=True)[:PAGE]),
                "mptt MPTTModel": lambda pk: list(mp[pk].get_descendants(include_self=True)[:PAGE]),
                "adjacency list + recursive CTE": lambda pk: sql(
                    "WITH RECURSIVE sub(id, parent_id, name, sort) AS ("
                    f" SELECT id, parent_id, name, {self.pad_sql('id')} FROM bench_peer_adjacency WHERE id = %s"
                    f" UNION ALL SELECT c.id, c.parent_id, c.name, sub.sort || {self.pad_sql('c.id')}"
                    " FROM bench_peer_adjacency c JOIN sub ON c.parent_id = sub.id)"
                    " SELECT id, parent_id, name FROM sub ORDER BY sort LIMIT %s", [pk, PAGE]),
            }
            if self.vendor == "postgresql":
                impls["ltree + GiST"] = lambda pk: sql(
                    "SELECT id, parent_id, name, path FROM bench_peer_ltree WHERE path <@ %s::ltree"
                    " ORDER BY path LIMIT %s", [self.ltree_paths[pk], PAGE])
            times = self.measure(ours, items)
            peers = [(name, self.measure(lambda pk, fn=fn: fn(pk) and None, items)) for name, fn in impls.items()]
            self.add(f"subtree page 1 ({PAGE} rows by path), county-scoped org_admin (grants read per call), "
                     f"at {label}", times, peers)

    # -- 3. scoped member search ---------------------------------------------------------

    def member_search(self):
        from jiceng.core import scoping, tree
        from jiceng.people import queries
        from jiceng.people.models import Person

        people = list(Person.objects.filter(tree.subtree_q(self.county.path, "membership__org__path"))
                      .values_list("name", "name_initials"))
        picks = [self.rng.choice(people) for _ in range(self.samples)]
        for label, terms in (("name prefix (2 characters)", [name[:2] for name, _ in picks]),
                             ("pinyin initials (2 letters)", [initials[:2] for _, initials in picks])):
            found = []

            def ours(term):
                scoping.forget(self.user)
                found.append(len(list(queries.search(self.user, term))))

            times = self.measure(ours, terms)
            self.add(f"member search by {label}, county-scoped org_admin "
                     f"(mean {statistics.mean(found):.0f} hits, max {max(found)})", times)

    # -- 4. moving a subtree --------------------------------------------------------------

    def move_plan(self):
        from jiceng.orgs.models import Organization

        def of(kind):
            return list(Organization.objects.filter(kind=kind).order_by("path"))

        provinces, cities, counties, streets = of("province"), of("city"), of("county"), of("street")
        if len(provinces) > 1:
            return "city subtree to another province", cities, provinces
        if len(cities) > 1:
            return "county subtree to another city (no second province at this scale)", counties, cities
        if len(counties) > 1:
            return "street subtree to another county (no second city at this scale)", streets, counties
        return ("street subtree from its county to the city (no second county at this scale)", streets,
                cities or provinces)

    def moves(self):
        from jiceng.orgs.models import Organization

        label, nodes, targets = self.move_plan()
        pairs = []
        for _ in range(self.samples):
            node = self.rng.choice(nodes)
            pairs.append((node, self.rng.choice([t for t in targets if t.pk != node.parent_id])))
        self.move_row(label, pairs)
        provinces = Organization.objects.filter(kind="province").count()
        cities = list(Organization.objects.filter(kind="city").order_by("path"))
        if provinces == 1 and cities:
            # The target's case: a city to another province. With one province in the data,
            # a second one is created inside each rolled-back transaction, untimed.
            self.move_row("city subtree to a second province (created with zero rollup rows for the existing "
                          "province's keys, untimed, in the same rolled-back transaction)",
                          [(self.rng.choice(cities), None) for _ in range(self.samples)])

    def move_row(self, label, pairs):
        """Time moving each (node, target) in a rolled-back transaction, in jiceng and in the
        peers. A target of None: a new top-level province, created in the transaction first."""
        from django.db import connection, transaction
        from django.db.models import Max

        from bench.peers.models import AdjacencyNode, MpttNode, TreebeardNode
        from jiceng.orgs.models import NodeCount, Organization
        from jiceng.orgs.services import create_org, move_org

        new_pk = (Organization.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000  # the peers' new root
        top_keys = set(NodeCount.objects.filter(node__depth=1).values_list("key", flat=True))
        new_name = "基准测试省"

        def rolled_back(prepare, fn):
            def run(pair):
                node, target = pair
                with transaction.atomic():
                    target_pk = prepare() if target is None else target.pk
                    t0 = time.perf_counter()
                    fn(node.pk, target_pk)
                    elapsed = time.perf_counter() - t0
                    transaction.set_rollback(True)
                return elapsed
            return run

        def new_org():
            # As a populated province would be: a rollup row (at zero) for every key the
            # existing province has, so the move updates rows rather than creating them.
            province = create_org(None, parent=None, name=new_name, kind="province")
            NodeCount.objects.bulk_create([NodeCount(node_id=province.pk, key=k, value=0) for k in top_keys],
                                          ignore_conflicts=True)
            return province.pk

        def jiceng_move(node_pk, target_pk):
            # The service takes instances and re-reads both under a lock itself.
            move_org(None, Organization(pk=node_pk), Organization(pk=target_pk))

        def tb_new():
            return TreebeardNode.objects.add_root({"id": new_pk, "name": new_name}).pk

        def tb_move(node_pk, target_pk):
            TreebeardNode.objects.move(TreebeardNode.objects.get(pk=node_pk), TreebeardNode.objects.get(pk=target_pk),
                                       "last-child")

        def mptt_new():
            return MpttNode.objects.create(id=new_pk, name=new_name, parent=None).pk

        def mptt_move(node_pk, target_pk):
            MpttNode.objects.get(pk=node_pk).move_to(MpttNode.objects.get(pk=target_pk), "last-child")

        def adj_new():
            return AdjacencyNode.objects.create(id=new_pk, name=new_name, parent=None).pk

        def adj_move(node_pk, target_pk):
            AdjacencyNode.objects.filter(pk=node_pk).update(parent_id=target_pk)

        def ltree_new():
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_peer_ltree (id, parent_id, name, path) VALUES (%s, NULL, %s, %s)",
                               [new_pk, new_name, str(new_pk)])
            return new_pk

        def ltree_move(node_pk, target_pk):
            with connection.cursor() as cursor:
                cursor.execute(
                    "WITH o AS (SELECT path FROM bench_peer_ltree WHERE id = %s),"
                    " n AS (SELECT path FROM bench_peer_ltree WHERE id = %s)"
                    " UPDATE bench_peer_ltree t SET path = n.path || subpath(t.path, nlevel(o.path) - 1),"
                    " parent_id = CASE WHEN t.id = %s THEN %s ELSE t.parent_id END"
                    " FROM o, n WHERE t.path <@ o.path", [node_pk, target_pk, node_pk, target_pk])

        size = statistics.mean(Organization.objects.filter(node.subtree_q()).count() for node, _ in pairs[:10])
        with transaction.atomic():
            node, target = pairs[0]
            target_pk = new_org() if target is None else target.pk
            n_sql = self.statements(jiceng_move, node.pk, target_pk)
            with transaction.atomic():
                jiceng_move(node.pk, target_pk)
                moved = Organization.objects.get(pk=node.pk)
                assert moved.parent_id == target_pk
                assert moved.path.startswith(Organization.objects.get(pk=target_pk).path)
            transaction.set_rollback(True)
        times = self.measure(rolled_back(new_org, jiceng_move), pairs)
        impls = {"treebeard MP_Node (move)": (tb_new, tb_move), "mptt MPTTModel (move_to)": (mptt_new, mptt_move),
                 "adjacency list (UPDATE parent_id)": (adj_new, adj_move)}
        if self.vendor == "postgresql":
            impls["ltree + GiST (UPDATE paths)"] = (ltree_new, ltree_move)
        peers = [(name, self.measure(rolled_back(*fns), pairs)) for name, fns in impls.items()]
        self.add(f"move a {label}, ~{size:,.0f} orgs each (move_org, {n_sql} SQL statements; rolled back)",
                 times, peers)

    # -- 5. one member insert with rollup upkeep ----------------------------------------

    def inserts(self):
        import datetime

        from django.db import transaction

        from jiceng.core import crypto
        from jiceng.core.pinyin import keys as pinyin_keys
        from jiceng.demo import names
        from jiceng.orgs.models import Organization
        from jiceng.people.models import Membership, MembershipPeriod, Person
        from jiceng.people.services import register_member

        branches = list(Organization.objects.filter(kind="branch").values_list("id", flat=True))
        orgs = Organization.objects.in_bulk(set(self.rng.choice(branches) for _ in range(self.samples)))
        today = datetime.date.today()
        since = today - datetime.timedelta(days=400)
        used, items = set(), []
        for i in range(self.samples):
            gender = self.rng.choice("MF")
            born = names.birth_date(self.rng, today, low=20)
            while True:
                number = names.id_number(self.rng, "110101", born, gender, used)
                if not Person.objects.filter(id_number_index=crypto.blind_index(number)).exists():
                    break
            items.append((i, {"org": orgs[self.rng.choice(list(orgs))], "name": names.person_name(self.rng, gender),
                              "gender": gender, "birth_date": born, "id_number": number,
                              "phone": names.phone(self.rng)}))

        def with_upkeep(d):
            register_member(None, org=d["org"], status="full", since=since, name=d["name"], gender=d["gender"],
                            birth_date=d["birth_date"], id_number=d["id_number"], phone=d["phone"])

        def rows(d, period):
            initials, full = pinyin_keys(d["name"])
            person = Person.objects.create(
                name=d["name"], name_initials=initials, name_pinyin=full, gender=d["gender"],
                birth_date=d["birth_date"], id_number_enc=crypto.encrypt(d["id_number"]),
                id_number_index=crypto.blind_index(d["id_number"]), phone_enc=crypto.encrypt(d["phone"]),
                phone_index=crypto.blind_index(d["phone"]))
            Membership.objects.create(person=person, org=d["org"], status="full", since=since, full_on=since)
            if period:
                MembershipPeriod.objects.create(person=person, org=d["org"], status="full", start=since,
                                                reason="登记")

        def plain(d):
            with transaction.atomic():  # as register_member's own atomic: a savepoint here
                rows(d, period=False)

        def plain_with_period(d):
            with transaction.atomic():
                rows(d, period=True)

        def plain_with_rollups(d):  # the same rows plus the rollup upkeep alone, no audit or validation
            from jiceng.orgs import rollups

            with transaction.atomic():
                rows(d, period=True)
                rollups.apply(d["org"].path, dict.fromkeys(rollups.membership_keys(
                    "full", d["gender"], d["birth_date"].year, d["org"].sector), 1))

        variants = [(with_upkeep, []), (plain, []), (plain_with_period, []), (plain_with_rollups, [])]

        def each(item):  # interleaved, rotating which goes first; each in its own rolled-back transaction
            i, d = item
            for fn, out in variants[i % len(variants):] + variants[:i % len(variants)]:
                with transaction.atomic():
                    t0 = time.perf_counter()
                    fn(d)
                    out.append(time.perf_counter() - t0)
                    transaction.set_rollback(True)

        n_sql = [self.statements(fn, items[0][1]) for fn, _ in variants]
        for item in items[:2]:
            each(item)
        for _, out in variants:
            out.clear()
        spent = 0.0
        for item in items:
            t0 = time.perf_counter()
            each(item)
            spent += time.perf_counter() - t0
            if len(variants[0][1]) >= 5 and spent > self.budget:
                break
        self.add(f"insert one member with rollup upkeep + audit (register_member, {n_sql[0]} SQL statements; "
                 "rolled back)", variants[0][1],
                 [(f"plain insert Person + Membership (objects.create, {n_sql[1]} statements)", variants[1][1]),
                  (f"plain insert Person + Membership + MembershipPeriod ({n_sql[2]} statements)", variants[2][1])])
        self.add(f"insert the same rows with rollup upkeep only (rollups.apply, {n_sql[3]} SQL statements; "
                 "rolled back)", variants[3][1],
                 [(f"plain insert Person + Membership + MembershipPeriod ({n_sql[2]} statements)", variants[2][1])])

    # -- 6. full rollup rebuild -------------------------------------------------------------

    def rebuild(self):
        from jiceng.orgs import rollups

        runs = 3 if self.orgs < 5000 else 1
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            rollups.rebuild()
            times.append(time.perf_counter() - t0)
        self.add("full rollup rebuild (rollups.rebuild)", times, wanted=runs)
        t0 = time.perf_counter()
        wrong = rollups.mismatches(limit=10)
        self.add("rollup check against live counts (rollups.mismatches)", [time.perf_counter() - t0], wanted=1)
        self.notes.append(f"rollups equal live counts: {'yes' if not wrong else 'no'}"
                          + (f" (first: {wrong[0]})" if wrong else ""))
        log(self.notes[-1])

    # -- query plans (--explain) ------------------------------------------------------------

    def explain(self):
        from jiceng.core import scoping, tree
        from jiceng.orgs import queries as org_queries
        from jiceng.orgs.models import NodeCount, Organization
        from jiceng.people import queries as people_queries
        from jiceng.people.models import Membership, Person

        street = Organization.objects.filter(tree.subtree_q(self.county.path), kind="street").first() or self.county
        branch = Organization.objects.filter(tree.subtree_q(self.county.path), kind="branch").first()
        person = Person.objects.filter(membership__org=branch).first()
        scoping.forget(self.user)
        plans = [
            ("orgs.queries.subtree(user, street).order_by('path')[:50]",
             org_queries.subtree(self.user, street).order_by("path")[:PAGE]),
            ("Organization subtree range, whole county (move_org's UPDATE filter)",
             Organization.objects.filter(tree.subtree_q(self.county.path))),
            ("rollups.counts(county)", NodeCount.objects.filter(node=self.county).exclude(value=0)
             .values_list("key", "value")),
            ("rollups.apply: ancestors by path__in", Organization.objects.filter(
                path__in=tree.ancestor_paths(branch.path, include_self=True)).values_list("id", flat=True)),
            ("people.queries.search(user, name[:2])", people_queries.search(self.user, person.name[:2])),
            ("people.queries.search(user, initials[:2])", people_queries.search(self.user, person.name_initials[:2])),
            ("people.queries.members_of(user, county)[:50]",
             people_queries.members_of(self.user, self.county).order_by("person__name_pinyin")[:PAGE]),
            ("live count of a county subtree through the path range",
             Membership.objects.filter(tree.subtree_q(self.county.path, "org__path")).values("status")
             .order_by()),
        ]
        for title, qs in plans:
            self.plans.append((title, qs.explain()))


# == the command line of a scale benchmark ===================================================

def arguments(doc, scale, samples_help, samples=100, budget=20.0, per="row", budget_help=None):
    """The arguments of a benchmark on a scale's data: --scale, --db, --samples, --budget; the
    script adds its own, then calls dispatch()."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=SCALES, default=scale)
    parser.add_argument("--db", choices=[*DBS, "both"], default="both")
    parser.add_argument("--samples", type=int, default=samples, help=samples_help)
    parser.add_argument("--budget", type=float, default=budget, help=budget_help or
                        f"seconds one {per} may take; stops sampling after it (at least 5 samples)")
    return parser


def dispatch(parser, bench_class, script, table=None, extra=()):
    """With --child, measure one database with `bench_class`; otherwise run `script` as the
    children (parent())."""
    parser.add_argument("--child", metavar="OUT.json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.db == "both":
            parser.error("--child needs --db sqlite or --db postgres")
        child(args, bench_class)
    else:
        parent(args, script, table, extra)


def main():
    parser = arguments(__doc__, "small", "random nodes / operations per row (default 100)", per="cell")
    parser.add_argument("--explain", action="store_true", help="also print the query plans of the key queries")
    dispatch(parser, Bench, Path(__file__).resolve())


if __name__ == "__main__":
    main()

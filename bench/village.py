#!/usr/bin/env python
"""Benchmark of village governance pages, on SQLite and PostgreSQL.

    python bench/village.py --scale small|county|city|province [--db sqlite|postgres|both]
                            [--samples 200] [--budget 10] [--seconds 10] [--clients 1,8,32]
                            [--workers 2] [--threads 8] [--villages 20000] [--matters 10] [--explain]

Data: at small, county and city the same data as bench/tree.py (jiceng.demo.loader.load(scale,
seed=1), village content included; data made before the loader had it are topped up with the
demo's village modules). The province scale of the demo has about 2,000 villages, so this bench
makes its own province instead (var/bench/village-province, database jiceng_bench_village_province):
浙江省 with its real cities and counties, each county cut into townships of villages until there
are `--villages` (20,000), organizations only (no members: the pages measured read none), then
the demo's village, economy and cadres modules fill them (`--matters` matters each this year, two years
of income, no cooperatives).
Measures
  (a) the public board /village/board/<id>/ (no login): through Django's test client, then under
      load — `jiceng serve --workers 2` (gunicorn) on loopback driven by a second process of N
      keep-alive clients for `--seconds` per level, random villages;
  (b) the county list of villages by collective income with their matters' status
      (/economy/orgs/<county>/?year=…, the whole page through the test client) for random
      counties, as an org_admin of the root; and the province's list, and matter_states() alone.
Times are reported, never asserted. See bench/README.md.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # not bench/ itself: bench/requests.py would shadow the requests library

from bench import load, tree  # noqa: E402

TARGET = "p99 < 100 ms"


def db_url(db, scale):
    if scale != "province":
        return tree.db_url(db, scale)
    if db == "sqlite":
        return f"sqlite:///{ROOT / 'var' / 'bench' / 'village-province' / 'jiceng.sqlite3'}"
    return f"{tree.PG_BASE}/jiceng_bench_village_province"


def print_table(results):
    tree.print_rows(results, "size (villages/matters)", "p50 (ms)")


def drive(args):
    """GET the board of random villages (bench/load.py's driver)."""
    def requests_of(spec):
        return lambda local, n, i: ("GET", f"/village/board/{local.choice(spec['villages'])}/", None, {})

    load.drive_spec(args, requests_of)


class VillageBench(tree.Bench):
    def __init__(self, args):
        super().__init__(args)
        self.gen_time = None

    def add(self, op, times, peers=(), wanted=None, seq=None):
        """tree.Bench.data()'s row for the data generation."""
        self.record(seq or 0, op, times, target="")

    def cpu_measure(self, label, fn, items):
        """tree.Bench.measure, and a note of this process's CPU per call (warm-up included): the
        cost of the page whatever else runs on the machine (SQLite runs in this process; for
        PostgreSQL its server's share is not counted)."""
        c0 = time.process_time()
        times = self.measure(fn, items)
        self.notes.append(f"{label}: CPU of this process {(time.process_time() - c0) / (len(times) + 3) * 1e3:.1f} ms "
                          "per call")
        return times

    def record(self, seq, op, times, rate=None, unit="pages/s", target=TARGET):
        self.rows.append({"seq": seq, "op": op, "n": len(times), "p50": tree.p50(times), "p99": tree.p99(times),
                          "rate": rate if rate is not None else (len(times) / sum(times) if sum(times) else None),
                          "unit": unit, "target": target})
        tree.log(f"{op}: p50 {tree.fmt_ms(tree.p50(times))} ms, p99 {tree.fmt_ms(tree.p99(times))} ms "
                 f"(n={len(times)})")

    def steps(self):
        from django.utils import timezone

        self.today = timezone.localdate()
        self.data()
        self.user = self.admin()
        if self.args.explain:
            self.explain()
        self.county_list()
        self.board()
        self.board_load()

    # -- data ----------------------------------------------------------------------------

    def data(self):
        from jiceng.orgs.models import Organization
        from jiceng.village.models import Matter

        if self.scale != "province":
            super().data()  # bench/tree.py's data, made by the demo loader
            self.top_up()
        elif Organization.objects.exists():
            made, when = self.meta("generator"), self.meta("generated_at")
            self.notes.append(f"data reused, generated {when or 'earlier'} by bench/village.py (organizations only, "
                              f"{self.meta('villages')} villages, then the demo's village modules)"
                              + ("" if made == self.generator_version() else
                                 f"; the demo generator changed since ({made or '?'} → {self.generator_version()})"))
            self.notes.append(self.source_state())
        else:
            self.generate()
        self.villages = list(Organization.objects.filter(kind="village").values_list("pk", flat=True))
        self.matters = Matter.objects.count()
        self.size = f"{len(self.villages):,} / {self.matters:,}"

    def top_up(self):
        """Data made by a loader from before the village modules: fill them in, once."""
        from jiceng.demo import cadres, economy, village
        from jiceng.village.models import Matter

        if Matter.objects.exists():
            return
        t0 = time.perf_counter()
        village.load(1, self.today, self.args.matters)
        economy.load(1, self.today)
        cadres.load(1, self.today)
        self.analyze()
        self.notes.append(f"village content added to reused data by jiceng.demo.village/economy/cadres in "
                          f"{time.perf_counter() - t0:.1f}s")

    def generate(self):
        """浙江省's cities and counties as the demo names them, each county cut into townships of
        villages so that there are `--villages` in all; organizations only, then the demo's
        village, economy and cadres modules."""
        from django.db import transaction

        from jiceng.core import audit
        from jiceng.demo import cadres, economy, loader, names, village
        from jiceng.orgs import rollups
        from jiceng.orgs.models import Organization

        tree.log(f"generating a province of {self.args.villages:,} villages …")
        t0 = time.perf_counter()
        plan, _ = loader._area_plan("province")
        counties = [(c_code, c_name, county) for _, _, cities in plan for c_code, c_name, cs in cities
                    for county in cs]
        per_county = -(-self.args.villages // len(counties))
        made = 0
        gen = loader.Loader(seed=1, today=self.today)
        with transaction.atomic():
            areas = []
            for p_code, p_name, cities in plan:
                province = gen.node(None, p_name, "province", "other", division_code=p_code.ljust(6, "0"))
                areas.append(province)
                for c_code, c_name, county_rows in cities:
                    city = gen.node(province, c_name, "city", "other", division_code=c_code.ljust(6, "0"))
                    areas.append(city)
                    for d_code, d_name in county_rows:
                        county = gen.node(city, d_name, "county", "other", division_code=d_code)
                        areas.append(county)
                        wanted = min(per_county, self.args.villages - made)
                        for t in range(-(-wanted // 25)):
                            township = gen.node(county, f"{names.PLACE_WORDS[t % len(names.PLACE_WORDS)]}镇",
                                                "township", "rural", division_code=f"{d_code}{200 + t:03d}")
                            areas.append(township)
                            for j in range(min(25, wanted - 25 * t)):
                                word = names.PLACE_WORDS[(t * 7 + j) % len(names.PLACE_WORDS)]
                                gen.node(township, f"{word}村", "village", "rural",
                                         division_code=f"{d_code}{200 + t:03d}{j + 1:03d}")
                        made += wanted
            gen.flush()
            Organization.objects.bulk_update(areas, ["child_seq"], batch_size=500)
            loader._reset_sequences()
            tree.log(f"  {made:,} villages; matters …")
            # This year's matters only, two years of income and no cooperatives: the pages measured
            # read nothing more, and the machine this runs on is small.
            states = village.load(1, self.today, self.args.matters, years=1, progress=tree.log)
            tree.log("  income, elections …")
            economy.load(1, self.today, years=2, cooperatives=False)
            cadres.load(1, self.today)
            rollups.rebuild()
            audit.record(None, "demo.load", object_type="demo", object_id="village-province",
                         after={"villages": made, "matters": sum(states.values())})
        self.gen_time = time.perf_counter() - t0
        self.meta("generator", self.generator_version())
        self.meta("generated_at", time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()))
        self.meta("villages", str(made))
        self.analyze()
        self.record(0, "data generation (organizations, then jiceng.demo village modules)", [self.gen_time],
                    target="")
        self.notes.append(f"data generated this run: {made:,} villages in {len(counties)} counties "
                          f"(organizations only), {self.args.matters} matters each this year — by state {states} — "
                          f"with their records, disclosures, questions, committees and objections, two years of "
                          f"income, elections; no cooperatives; in {self.gen_time:.1f}s")
        self.notes.append(self.source_state())

    def admin(self):
        from django.contrib.auth import get_user_model

        from jiceng.core import services
        from jiceng.core.models import Grant
        from jiceng.orgs.models import Organization

        self.root = Organization.objects.filter(depth=1).order_by("path").first()
        user, _ = get_user_model().objects.get_or_create(username="bench_village_admin")
        if not Grant.objects.filter(user=user, node=self.root, role="org_admin").exists():
            services.grant_role(None, user, self.root, "org_admin")
        return user

    # -- (b) the county list -------------------------------------------------------------------

    def county_list(self):
        from django.db import connection
        from django.db.models import Count
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        from jiceng.economy import queries
        from jiceng.orgs.models import Organization

        client = Client()
        client.force_login(self.user)
        year = self.today.year
        counties = list(Organization.objects.filter(kind="county").order_by("path"))
        sizes = dict(Organization.objects.filter(kind="village").order_by().values_list("parent__parent_id")
                     .annotate(n=Count("id")))
        picks = [self.rng.choice(counties) for _ in range(self.samples)]

        def page(params):
            def get(county):
                response = client.get(reverse("economy:list", args=[county.pk]), {"year": year, **params})
                assert response.status_code == 200, response.status_code
            return get

        with CaptureQueriesContext(connection) as captured:
            page({})(picks[0])
        statements = len(captured.captured_queries)
        mean = sum(sizes.get(c.pk, 0) for c in counties) / max(1, len(counties))
        self.record(10, f"county list by income, page 1 ascending (whole page; ≈{mean:.0f} villages a county, "
                     f"{statements} SQL statements)", self.cpu_measure("county list page 1", page({}), picks))
        self.record(11, "county list by income, page 2 descending (whole page)",
                 self.measure(page({"order": "desc", "page": 2}), picks))
        self.record(12, f"province list by income, page 1 ({len(self.villages):,} villages; whole page)",
                 self.measure(page({}), [self.root] * min(self.samples, 50)), target="")
        by_pk = Organization.objects.in_bulk(self.villages)
        ids = [[by_pk[pk] for pk in self.rng.sample(self.villages, min(50, len(self.villages)))]
               for _ in range(self.samples)]
        self.record(13, "matter_states() alone, 50 random villages (2 queries)",
                 self.measure(lambda chosen: queries.matter_states(self.user, chosen, year), ids), unit="calls/s",
                 target="")
        self.notes.append("county list: `GET /economy/orgs/<county>/?year=…` through Django's test Client (session, "
                          "scoping, view, template) as an org_admin of the root, random counties; the matters' "
                          "status columns count the page's 50 villages' matters of the year in one GROUP BY")

    # -- (a) the board ---------------------------------------------------------------------

    def board(self):
        from django.test import Client

        client = Client()

        def get(village):
            response = client.get(f"/village/board/{village}/")
            assert response.status_code == 200, response.status_code

        picks = [self.rng.choice(self.villages) for _ in range(self.samples * 2)]
        self.record(20, "public board, test Client (no HTTP), random villages",
                    self.cpu_measure("public board (test Client)", get, picks))

    def board_load(self):
        from django.db import connection

        connection.close()
        script = Path(__file__).resolve()
        with load.Server(self.args.workers, self.args.threads) as server:
            villages = [self.rng.choice(self.villages) for _ in range(5000)]
            spec = {"port": server.port, "villages": villages, "seed": 1}
            # every worker connects first
            server.load(script, dict(spec, clients=self.args.workers * self.args.threads, seconds=3))
            for seq, clients in enumerate((int(c) for c in self.args.clients.split(",")), 30):
                result = server.load(script, dict(spec, clients=clients, seconds=self.args.seconds))
                ok = [t for t, status in result["samples"] if status == 200]
                failed = len(result["samples"]) - len(ok)
                self.record(seq, f"public board over HTTP ({server.how}), {clients} client(s)"
                         + (f", {failed} failed" if failed else ""), ok or [0.0], rate=len(ok) / result["elapsed"],
                         unit="req/s")
                if ok:
                    self.notes.append(load.cpu_note("board", clients, result["spent"], len(ok)))
        errors = [line for line in server.stderr if "[INFO]" not in line]
        if errors:
            self.notes.append(f"server stderr (last 5 lines): {' / '.join(errors[-5:])}")
        self.notes.append("board under load: a separate process of N threads (http.client, keep-alive) GETs "
                          "/village/board/<id>/ of random villages; throughput = 200 answers ÷ wall time")

    # -- plans -----------------------------------------------------------------------------

    def explain(self):
        from django.db import connection
        from django.db.models import Count, Exists, OuterRef

        from jiceng.economy import queries
        from jiceng.orgs.models import Organization
        from jiceng.village.models import Disclosure, Matter, Objection

        county = Organization.objects.filter(kind="county").order_by("path").first()
        ids = list(Organization.objects.filter(kind="village", path__startswith=county.path)
                   .values_list("pk", flat=True)[:50])
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        querysets = {
            "county list page (villages by income)": queries.villages(self.user, county, self.today.year)[:50],
            "matters by state (GROUP BY)": Matter.objects.filter(village_id__in=ids, proposed_on__year=self.today.year)
            .annotate(held=Exists(Objection.objects.filter(matter=OuterRef("pk"), answered_on__isnull=True)))
            .order_by().values_list("village_id", "status", "template_id", "next_order", "held")
            .annotate(n=Count("id")),
            "board: disclosures on the board": Disclosure.objects.filter(
                village_id=ids[0], taken_down_on__isnull=True, posted_on__lte=self.today).select_related("matter"),
        }
        for title, qs in querysets.items():
            sql, params = qs.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(prefix + sql, params)
                rows = cursor.fetchall()
            self.plans.append((title, "\n".join(" ".join(str(c) for c in row) for row in rows)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=tree.SCALES[:4], default="small")
    parser.add_argument("--db", choices=[*tree.DBS, "both"], default="both")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds of sampling per table row")
    load.arguments(parser, 10.0, "1,8,32", "board")
    parser.add_argument("--villages", type=int, default=20000, help="villages of the province (when generating)")
    parser.add_argument("--matters", type=int, default=10, help="matters a village and year (when generating)")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(args)
    elif args.child:
        tree.child(args, VillageBench, url=db_url)
    else:
        tree.parent(args, Path(__file__).resolve(), print_table, url=db_url,
                    extra=("seconds", "clients", "workers", "threads", "villages", "matters"))


if __name__ == "__main__":
    main()

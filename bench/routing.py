#!/usr/bin/env python
"""Benchmark of routing a point to its grid (jiceng.requests.routing) against a linear scan.

    python bench/routing.py [--grids 20000] [--points 2000] [--budget 20] [--seed 1]

No database: the grid polygons are made in memory with the demo generator's geometry
(jiceng.demo.geometry.layout): the five counties of 湖州市 (as at `--scale city`), each cut
into 8 streets of 25 communities of grids_per_unit grids, --grids rounded to a multiple of
1,000 (the demo's own city scale has only 240 grids). Each grid is a GeoJSON Polygon, read
with shapely as the routing index reads it from the database.

Prints a Markdown table: per kind of point and per method, p50/p99 per point and points/s.
See bench/README.md. Times are reported, never asserted.
"""

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT), str(ROOT / "src")]  # jiceng from the checkout, not bench/ itself

from bench.tree import fmt_rate, log, p50, p99  # noqa: E402

COUNTIES = ["330502", "330503", "330521", "330522", "330523"]  # 湖州市: 吴兴 南浔 德清 长兴 安吉
STREETS, UNITS = 8, 25


def fmt_ms(seconds):
    """Finer than bench.tree's: a routed point takes a few hundredths of a millisecond."""
    ms = seconds * 1000
    return f"{ms:.4f}" if ms < 0.1 else f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 10 else f"{ms:,.1f}"


# -- data ---------------------------------------------------------------------------------

def grids(total, seed):
    """[(grid_id, path, unit_id, GeoJSON dict)] and the bounding box of them all."""
    from jiceng.core import tree
    from jiceng.demo import geometry

    per_unit = max(1, round(total / (len(COUNTIES) * STREETS * UNITS)))
    ids, out = {}, []
    for c, code in enumerate(COUNTIES, 1):
        for path, parent, box in geometry.layout(code, (STREETS, UNITS, per_unit), seed=seed):
            key = (c, *path)
            ids[key] = len(ids) + 1
            if len(path) == 3:
                text = "".join(tree.step(n) for n in key)
                out.append((ids[key], text, ids[(c, *parent)], geometry.polygon(box)))
    boxes = [geometry.county_box(code) for code in COUNTIES]
    bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return out, bounds


def points(entries, bounds, n, margin_m, rng):
    """n points inside random grids, n outside every grid but within the margin, n far away."""
    from jiceng.requests.routing import METRES_PER_DEGREE

    inside = []
    for _ in range(n):
        (x0, y0), _, (x1, y1) = rng.choice(entries)[3]["coordinates"][0][:3]
        inside.append((rng.uniform(x0, x1), rng.uniform(y0, y1)))
    min_x, min_y, max_x, max_y = bounds

    def off(metres, lat):  # degrees of (longitude, latitude) for `metres`
        return metres / (METRES_PER_DEGREE * math.cos(math.radians(lat))), metres / METRES_PER_DEGREE

    near, far = [], []
    for out, reach in ((near, (10, 0.95 * margin_m)), (far, (1.5 * margin_m, 50 * margin_m))):
        for _ in range(n):
            dx, dy = off(rng.uniform(*reach), (min_y + max_y) / 2)
            side = rng.randrange(4)
            if side == 0:
                out.append((rng.uniform(min_x, max_x), max_y + dy))
            elif side == 1:
                out.append((rng.uniform(min_x, max_x), min_y - dy))
            elif side == 2:
                out.append((min_x - dx, rng.uniform(min_y, max_y)))
            else:
                out.append((max_x + dx, rng.uniform(min_y, max_y)))
    return {"inside a grid": inside, "outside, within the margin": near, "outside, beyond the margin": far}


# -- the methods --------------------------------------------------------------------------

def linear(geoms, grid_ids, unit_ids, margin_m, vectorized):
    """The peer: every polygon's covers(point), in path order; if none, the metric distance to
    every polygon (vectorized in both variants: a Python loop there would take seconds)."""
    import numpy as np
    import shapely

    from jiceng.core.errors import DomainError
    from jiceng.requests.routing import METRES_PER_DEGREE, Location, check_point

    array = np.array(geoms, dtype=object)

    def locate(lon, lat):
        lon, lat = check_point(lon, lat)
        point = shapely.Point(lon, lat)
        if vectorized:
            hits = np.flatnonzero(shapely.covers(array, point))
            first = int(hits[0]) if len(hits) else None
        else:
            first = next((i for i, g in enumerate(geoms) if g.covers(point)), None)
        if first is not None:
            return Location(grid_ids[first], unit_ids[first], False, 0.0)
        scale = np.array([math.cos(math.radians(lat)) * METRES_PER_DEGREE, METRES_PER_DEGREE])
        local = shapely.transform(array, lambda xy: (xy - (lon, lat)) * scale)
        distances = shapely.distance(local, shapely.Point(0, 0))
        best = int(np.argmin(distances))
        if distances[best] > margin_m:
            raise DomainError("outside_jurisdiction", "far", "location")
        return Location(None, unit_ids[best], True, float(distances[best]))

    return locate


def measure(fn, pts, budget):
    """Time fn(lon, lat) for each point; stop after `budget` seconds (at least 5 points)."""
    from jiceng.core.errors import DomainError

    answers, times, spent = [], [], 0.0
    for lon, lat in pts:
        t0 = time.perf_counter()
        try:
            answer = fn(lon, lat)
        except DomainError as exc:
            answer = exc.code
        elapsed = time.perf_counter() - t0
        times.append(elapsed)
        answers.append(answer)
        spent += elapsed
        if len(times) >= 5 and spent > budget:
            break
    return times, answers


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grids", type=int, default=20000, help="grid polygons (multiple of 1,000; default 20,000)")
    parser.add_argument("--points", type=int, default=2000, help="points of each kind (default 2,000)")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds one cell may take; stops sampling after it (at least 5 points)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import shapely
    from shapely.geometry import shape

    from jiceng.requests.routing import GridIndex, _shapes

    margin_m = 5000.0  # requests.jurisdiction_margin_km as shipped (5 km); no database, so not read
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    entries, bounds = grids(args.grids, args.seed)
    made = time.perf_counter() - t0
    log(f"{len(entries)} grid polygons made in {made:.2f}s")

    texts = [json.dumps(area) for _, _, _, area in entries]  # as the database hands them to routing.build
    t0 = time.perf_counter()
    geoms = _shapes(texts, [gid for gid, _, _, _ in entries])
    parse_s = time.perf_counter() - t0
    parsed = [(gid, path, unit, g) for (gid, path, unit, _), g in zip(entries, geoms)]
    t0 = time.perf_counter()
    index = GridIndex(parsed, margin_m)
    index_s = time.perf_counter() - t0
    log(f"GeoJSON text to shapely {parse_s:.2f}s; prepare + STRtree {index_s:.2f}s")

    plain = [shape(area) for _, _, _, area in sorted(entries, key=lambda e: e[1])]  # unprepared, path order
    ids = [gid for gid, _, _, _ in sorted(entries, key=lambda e: e[1])]
    units = [unit for _, _, unit, _ in sorted(entries, key=lambda e: e[1])]
    methods = [
        ("STRtree (routing.GridIndex.locate)", index.locate),
        ("linear scan: polygon.covers(point) for each, Python loop", linear(plain, ids, units, margin_m, False)),
        ("linear scan: shapely.covers(all polygons, point), vectorized", linear(plain, ids, units, margin_m, True)),
    ]
    rng = random.Random(args.seed)
    kinds = points(entries, bounds, args.points, margin_m, rng)

    rows, notes = [], []
    for kind, pts in kinds.items():
        base = None
        for name, fn in methods:
            measure(fn, pts[:3], budget=1)  # warm-up
            times, answers = measure(fn, pts, args.budget)
            if base is None:
                base, reference = p50(times), answers
            else:
                same = all(a == b for a, b in zip(answers, reference))
                notes.append(f"{kind}: {name} {'agrees' if same else 'DISAGREES'} with the STRtree "
                             f"on all {len(answers)} points it measured")
            rows.append((kind, name, len(times), p50(times), p99(times), len(times) / sum(times), p50(times) / base))
            log(f"{kind} / {name}: p50 {fmt_ms(p50(times))} ms, p99 {fmt_ms(p99(times))} ms (n={len(times)})")

    print(f"Routing a point to its grid: {len(entries):,} grid polygons (湖州市's 5 counties × {STREETS} streets "
          f"× {UNITS} communities × {len(entries) // (len(COUNTIES) * STREETS * UNITS)} grids), "
          f"margin {margin_m / 1000:g} km\n")
    head = ["points", "method", "n", "p50 (ms)", "p99 (ms)", "throughput (points/s)", "p50 ÷ STRtree p50"]
    print("| " + " | ".join(head) + " |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for kind, name, n, a, b, rate, ratio in rows:
        print(f"| {kind} | {name} | {n} | {fmt_ms(a)} | {fmt_ms(b)} | {fmt_rate(rate)} | {ratio:,.1f}x |")
    print()
    print(f"- index build, besides reading the rows from the database: GeoJSON text → shapely "
          f"(shapely.from_geojson + validity, as routing.build) {parse_s:.3f}s, prepare + STRtree {index_s:.3f}s; "
          f"polygons generated in {made:.2f}s")
    for note in notes:
        print(f"- {note}")
    print(f"- shapely {shapely.__version__}, GEOS {shapely.geos_version_string}; load average (1 min) at start "
          f"{load_before:.2f}, at end {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

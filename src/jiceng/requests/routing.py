"""Where a resident's request belongs: the grid (网格) whose area holds its coordinates.

    locate(lon, lat) -> Location(grid_id, community_id, outside_grids, distance_m)

The areas of all active grids (kind "grid", status active, parent community or village
active, `area` set) are held in a shapely STRtree, built on first use in each process and
trusted for `requests.routing_cache_seconds` (policy); then it is checked against the tree's
version (the newest `Organization.updated_at`) and rebuilt only if the tree changed, so that a
busy process does not stall every minute to rebuild what has not changed. `invalidate()` drops
it at once (the app wires it to a change of an organization's area). Each process holds its
own copy: another process sees a change within the policy's seconds at the latest. The policy
values (cache seconds, `requests.jurisdiction_margin_km`) are read when the index is built.

Rules:
- a point inside a grid's area, or on its boundary, belongs to that grid and to the grid's
  parent unit (社区 / 村). A point in a hole of a polygon is not in it.
- a point on the boundary shared by two or more grids belongs to the one with the lowest
  `path`. Any fixed rule would do; this one is total (paths are unique), does not depend on
  the order the index was built in or on floating-point details of the shapes, is the order
  people see the tree in, and keeps a point on a border with the same grid until the tree
  itself changes.
- a point outside every grid but within the margin of the nearest one: no grid, the nearest
  grid's unit, `outside_grids=True`, `distance_m` to that grid (ties: lowest path again).
- farther than the margin, or no grids at all: DomainError("outside_jurisdiction").
- coordinates that are not numbers, not finite, or outside lon [-180, 180] / lat [-90, 90]:
  DomainError("location_invalid").

Distances are in metres on a sphere of mean radius 6,371,008.8 m, with an equirectangular
approximation at the point's latitude (x = Δlon·cos(lat), y = Δlat): off by a few metres at
most over the 5 km that matter here (≈2 m at 5 km diagonal, lat 30°), which is plenty for
choosing a community; not meant for long distances, and the
antimeridian is not handled (nothing in a Chinese deployment lies near it).
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely

from jiceng.core import policy
from jiceng.core.errors import DomainError

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
_ORIGIN = shapely.Point(0, 0)


@dataclass(frozen=True)
class Location:
    grid_id: int | None
    community_id: int | None
    outside_grids: bool
    distance_m: float


def _number(value, what):
    if isinstance(value, bool):
        raise DomainError("location_invalid", f"{what}不是数字：{value!r}", "location")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DomainError("location_invalid", f"{what}不是数字：{value!r}", "location") from None
    if not math.isfinite(number):
        raise DomainError("location_invalid", f"{what}不是有效数字：{value!r}", "location")
    return number


def check_point(lon, lat):
    """(lon, lat) as floats, or DomainError("location_invalid")."""
    lon, lat = _number(lon, "经度"), _number(lat, "纬度")
    if not -180 <= lon <= 180:
        raise DomainError("location_invalid", f"经度应在 -180 到 180 之间，收到 {lon:g}", "location")
    if not -90 <= lat <= 90:
        raise DomainError("location_invalid", f"纬度应在 -90 到 90 之间，收到 {lat:g}", "location")
    return lon, lat


def metres_between(lon1, lat1, lon2, lat2):
    """Distance in metres, equirectangular at the mean latitude (fine up to tens of km)."""
    kx = math.cos(math.radians((lat1 + lat2) / 2))
    return METRES_PER_DEGREE * math.hypot((lon2 - lon1) * kx, lat2 - lat1)


def _where(lon, lat):
    return f"经度 {lon:.6f}，纬度 {lat:.6f}"


class GridIndex:
    """An STRtree over grid shapes. `entries` are (grid_id, path, unit_id, shapely geometry);
    usable without a database (the benchmark builds one from generated shapes)."""

    def __init__(self, entries, margin_m, max_age_s=None, version=None):
        entries = sorted(entries, key=lambda e: e[1])  # path order: the lowest index wins a tie
        self.grid_ids = [e[0] for e in entries]
        self.paths = [e[1] for e in entries]
        self.unit_ids = [e[2] for e in entries]
        self.geoms = np.array([e[3] for e in entries], dtype=object)
        shapely.prepare(self.geoms)  # covers() below then uses GEOS prepared polygons
        self.tree = shapely.STRtree(self.geoms)
        self.margin_m = float(margin_m)
        self.max_age_s = max_age_s
        self.version = version  # what the tree and the policy were when it was built (`_version`)
        self.memo = {}  # see memo()
        self.built_at = time.monotonic()

    def __len__(self):
        return len(self.grid_ids)

    def fresh(self):
        return self.max_age_s is None or time.monotonic() - self.built_at < self.max_age_s

    def locate(self, lon, lat):
        lon, lat = check_point(lon, lat)
        point = shapely.Point(lon, lat)
        candidates = self.tree.query(point)  # envelopes that hold the point, boundary included
        if len(candidates):
            hits = candidates[shapely.covers(self.geoms[candidates], point)]
            if len(hits):
                i = int(hits.min())
                return Location(self.grid_ids[i], self.unit_ids[i], False, 0.0)
        return self._nearest(lon, lat)

    @staticmethod
    def _metres(geoms, lon, lat, kx):
        """Distances in metres from (lon, lat) to each shape, on the local equirectangular plane."""
        scale = np.array([kx * METRES_PER_DEGREE, METRES_PER_DEGREE])
        local = shapely.transform(geoms, lambda xy: (xy - (lon, lat)) * scale)
        return shapely.distance(local, _ORIGIN)

    def _nearest(self, lon, lat):
        margin_km = self.margin_m / 1000
        if not len(self):
            raise DomainError("outside_jurisdiction",
                              f"该位置（{_where(lon, lat)}）不在受理范围内：尚未划定任何网格的区域", "location")
        # Metres against plain degrees: with k = cos(lat) ≤ 1, every shape has
        #     k·d_deg ≤ d_m / METRES_PER_DEGREE ≤ d_deg
        # (d_deg its distance in degrees, d_m in metres). The nearest shape in degrees, at D0,
        # bounds the nearest in metres from above (D0) and from below (k·D0), and the nearest
        # in metres lies within D0 / k degrees: only the few shapes that close are measured.
        kx = max(math.cos(math.radians(lat)), 1e-9)
        point = shapely.Point(lon, lat)
        first, d0 = self.tree.query_nearest(point, return_distance=True, all_matches=False)
        d0 = float(d0[0])
        if kx * d0 * METRES_PER_DEGREE <= self.margin_m:
            # A hair more than D0 / k against rounding; the nearest in degrees is always among them.
            near = self.tree.query(point, predicate="dwithin", distance=d0 / kx * (1 + 1e-9) + 1e-12)
            near = np.union1d(near, first)
            distances = self._metres(self.geoms[near], lon, lat, kx)
            best = min(range(len(near)), key=lambda k: (distances[k], near[k]))
            if distances[best] <= self.margin_m:
                i = int(near[best])
                return Location(None, self.unit_ids[i], True, float(distances[best]))
        raise DomainError("outside_jurisdiction",
                          f"该位置（{_where(lon, lat)}）不在受理范围内：距最近的网格超过 {margin_km:g} 千米，"
                          "请核对定位", "location")


# -- the process-wide index ---------------------------------------------------------------

_index = None
_lock = threading.Lock()


def _shapes(texts, ids):
    """Shapely geometries from GeoJSON texts, all at once; None (and a warning) for a text that
    is not a valid Polygon or MultiPolygon, so that one bad row does not stop routing."""
    geoms = shapely.from_geojson(np.array(texts, dtype=object), on_invalid="ignore") if texts else []
    kinds = shapely.get_type_id(geoms)
    good = (np.isin(kinds, (3, 6)) & shapely.is_valid(geoms) & ~shapely.is_empty(geoms)) if texts else []
    out = []
    for grid_id, geometry, ok in zip(ids, geoms, good):
        if not ok:
            log.warning("grid %s: area is not a valid GeoJSON polygon, left out of routing", grid_id)
        out.append(geometry if ok else None)
    return out


def _version(on=None):
    """What the index and its memo were read from: the newest change to the tree (a save or a
    subtree move bumps `updated_at`), the grants (who handles a node's requests: any grant made
    or revoked changes their count or newest id), the accounts switched off, and the policy
    values the index uses. An index built at the same version is still right."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max
    from django.utils import timezone

    from jiceng.core.models import Grant
    from jiceng.orgs.models import Organization

    on = on or timezone.localdate()
    return (Organization.objects.aggregate(at=Max("updated_at"))["at"],
            tuple(Grant.objects.aggregate(n=Count("id"), last=Max("id")).values()),
            get_user_model().objects.filter(is_active=False).count(),
            policy.get("requests.jurisdiction_margin_km", on=on), policy.get("requests.routing_cache_seconds", on=on))


def build(on=None):
    """A GridIndex of the active grids in the database now (not cached; see `index()`)."""
    from django.db.models import TextField
    from django.db.models.functions import Cast
    from django.utils import timezone

    from jiceng.orgs.models import Organization

    on = on or timezone.localdate()
    version = _version(on)  # before the read: a change made meanwhile makes the next check rebuild
    # The area as stored text (jsonb::text / SQLite's JSON text): GEOS reads it in one call,
    # several times faster than decoding it to dicts and building each shape in Python.
    rows = list(Organization.objects.filter(kind="grid", status=Organization.ACTIVE, area__isnull=False,
                                            parent__status=Organization.ACTIVE)
                .values_list("pk", "path", "parent_id", Cast("area", output_field=TextField())))
    geoms = _shapes([r[3] for r in rows], [r[0] for r in rows])
    entries = [(pk, path, parent_id, g) for (pk, path, parent_id, _), g in zip(rows, geoms) if g is not None]
    margin_km = policy.get("requests.jurisdiction_margin_km", on=on)
    max_age = policy.get("requests.routing_cache_seconds", on=on)
    return GridIndex(entries, margin_km * 1000, max_age, version)


def index():
    """The cached index. Older than the policy's seconds, it is checked against the tree's
    version (one indexed MAX): rebuilt (1–2 s for 20,000 grids) only if something changed."""
    global _index
    current = _index
    if current is not None and current.fresh():
        return current
    with _lock:
        if _index is not None and not _index.fresh() and _index.version == _version():
            _index.built_at = time.monotonic()
        elif _index is None or not _index.fresh():
            started = time.perf_counter()
            _index = build()
            log.info("routing index: %d grids in %.2fs", len(_index), time.perf_counter() - started)
        return _index


def memo(key, compute):
    """compute(), kept with the index: intake's reads of the tree (the jurisdiction, a grid's
    community and street, a category's department, a node's handlers) hold as long as the
    index's version does,
    with the index's own staleness (the policy's seconds, for changes made by other
    processes). Model instances kept here are shared by threads: read them, never change them."""
    kept = index().memo
    if key not in kept:
        kept[key] = compute()
    return kept[key]


def invalidate():
    """Forget the index; the next locate() rebuilds it (call after an area changes, on commit)."""
    global _index
    with _lock:
        _index = None


def locate(lon, lat):
    """The grid and unit for a point (see the module's docstring for the rules)."""
    lon, lat = check_point(lon, lat)  # before touching the database
    return index().locate(lon, lat)

"""Routing a point to its grid: real polygons, made through the services."""

import math
import textwrap
from types import SimpleNamespace

import pytest
import shapely
from django.conf import settings as django_settings

from jiceng.core import policy
from jiceng.core.errors import DomainError
from jiceng.orgs import services as org_services
from jiceng.requests import routing
from jiceng.requests.routing import Location

from tests import builders as b


def square(x0, y0, x1, y1, hole=None):
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    rings = [ring]
    if hole:
        hx0, hy0, hx1, hy1 = hole
        rings.append([[hx0, hy0], [hx0, hy1], [hx1, hy1], [hx1, hy0], [hx0, hy0]])  # clockwise
    return {"type": "Polygon", "coordinates": rings}


def metres_east(degrees, lat):
    return degrees * math.cos(math.radians(lat)) * routing.METRES_PER_DEGREE


@pytest.fixture
def map_(db):
    """Two units side by side (lon 120.00–120.08, lat 30.00–30.03):

        社区甲 (community): 一网格 [120.00–120.01] x [30.00–30.01], 二网格 [120.01–120.02] x same
                           (they share the edge lon 120.01; 二网格 is created first, so it has the
                           lower path), 三网格 [120.00–120.02] x [30.01–30.03] with a hole
                           [120.005–120.015] x [30.015–30.025].
        乙村 (village):    四网格, a MultiPolygon of [120.03–120.04] and [120.05–120.06] x [30.00–30.01];
                           五网格 [120.07–120.08] x [30.00–30.01], dissolved.
    """
    province = b.org(None, "浙江省", "province", division_code="330000")
    county = b.org(province, "安吉县", "county", division_code="330523")
    street = b.org(county, "递铺街道", "street", "urban_community")
    township = b.org(county, "孝丰镇", "township", "rural")
    community = b.org(street, "甲社区", "community", "urban_community")
    village = b.org(township, "乙村", "village", "rural")
    second = b.org(community, "甲社区二网格", "grid", "urban_community", area=square(120.01, 30.00, 120.02, 30.01))
    first = b.org(community, "甲社区一网格", "grid", "urban_community", area=square(120.00, 30.00, 120.01, 30.01))
    holed = b.org(community, "甲社区三网格", "grid", "urban_community",
                  area=square(120.00, 30.01, 120.02, 30.03, hole=(120.005, 30.015, 120.015, 30.025)))
    multi = b.org(village, "乙村四网格", "grid", "rural", area={"type": "MultiPolygon", "coordinates": [
        square(120.03, 30.00, 120.04, 30.01)["coordinates"], square(120.05, 30.00, 120.06, 30.01)["coordinates"]]})
    dissolved = b.org(village, "乙村五网格", "grid", "rural", area=square(120.07, 30.00, 120.08, 30.01))
    org_services.update_org(None, dissolved, status="dissolved")
    b.org(village, "乙村无范围网格", "grid", "rural")  # no area: never a routing target
    assert second.path < first.path
    return SimpleNamespace(county=county, community=community, village=village, first=first, second=second,
                           holed=holed, multi=multi, dissolved=dissolved)


def inside(grid, unit):
    return Location(grid.pk, unit.pk, False, 0.0)


def test_point_inside_a_grid(map_):
    assert routing.locate(120.005, 30.005) == inside(map_.first, map_.community)
    assert routing.locate(120.015, 30.005) == inside(map_.second, map_.community)
    assert routing.locate(120.001, 30.029) == inside(map_.holed, map_.community)
    assert routing.locate("120.005", "30.005") == inside(map_.first, map_.community)  # numbers as text too


def test_shared_boundary_goes_to_the_lowest_path_every_time(map_):
    on_edge = (120.01, 30.005)          # 一网格 | 二网格
    corner = (120.01, 30.01)            # 一网格, 二网格 and 三网格 meet
    for _ in range(2):
        assert routing.locate(*on_edge) == inside(map_.second, map_.community)
        assert routing.locate(*corner) == inside(map_.second, map_.community)
        routing.invalidate()
    assert routing.locate(120.005, 30.01) == inside(map_.first, map_.community)  # 一 | 三: 一 has the lower path


def test_tie_does_not_depend_on_the_order_the_index_is_built_in():
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    entries = [(1, "0000100002", 10, left), (2, "0000100001", 20, right)]
    for order in (entries, entries[::-1]):
        assert routing.GridIndex(order, 5000).locate(1, 0.5) == Location(2, 20, False, 0.0)


def test_point_on_an_outer_edge_or_corner_is_inside(map_):
    assert routing.locate(120.00, 30.005) == inside(map_.first, map_.community)    # west edge
    assert routing.locate(120.015, 30.00) == inside(map_.second, map_.community)   # south edge
    assert routing.locate(120.02, 30.00) == inside(map_.second, map_.community)    # south-east corner
    assert routing.locate(120.02, 30.03) == inside(map_.holed, map_.community)     # north-east corner


def test_point_in_a_hole_is_not_in_that_grid(map_):
    where = routing.locate(120.01, 30.02)  # the middle of 三网格's hole
    assert (where.grid_id, where.community_id, where.outside_grids) == (None, map_.community.pk, True)
    # 0.005° of longitude to the hole's east and west sides is nearer than 0.005° of latitude
    assert where.distance_m == pytest.approx(metres_east(0.005, 30.02), abs=0.5)
    # The hole's own ring is the polygon's boundary: on it is inside.
    assert routing.locate(120.005, 30.02) == inside(map_.holed, map_.community)


def test_outside_but_near_goes_to_the_nearest_unit_flagged(map_):
    west = routing.locate(119.99, 30.005)  # 0.01° west of 一网格
    assert (west.grid_id, west.community_id, west.outside_grids) == (None, map_.community.pk, True)
    assert west.distance_m == pytest.approx(metres_east(0.01, 30.005), abs=0.5)
    assert 950 < west.distance_m < 970
    south = routing.locate(120.035, 29.99)  # 0.01° south of 四网格's first part
    assert (south.grid_id, south.community_id, south.outside_grids) == (None, map_.village.pk, True)
    assert south.distance_m == pytest.approx(0.01 * routing.METRES_PER_DEGREE, abs=0.5)


def test_far_away_is_outside_the_jurisdiction(map_):
    with pytest.raises(DomainError) as err:
        routing.locate(121.5, 31.2)
    assert (err.value.code, err.value.field) == ("outside_jurisdiction", "location")
    assert "121.500000" in err.value.message and "31.200000" in err.value.message
    assert "5 千米" in err.value.message
    with pytest.raises(DomainError) as err:
        routing.locate(180, 90)  # valid coordinates, just nowhere near
    assert err.value.code == "outside_jurisdiction"


def test_no_grids_at_all_is_outside_the_jurisdiction(db):
    with pytest.raises(DomainError) as err:
        routing.locate(120.005, 30.005)
    assert err.value.code == "outside_jurisdiction" and "120.005000" in err.value.message


@pytest.mark.parametrize("lon, lat", [
    ("abc", 30), (120, None), (None, None), ([120], 30), (True, 30), (float("nan"), 30), (120, float("inf")),
    ("nan", 30), (180.0001, 30), (-181, 30), (120, 90.5), (120, -91), (1e308 * 10, 0),
])
def test_invalid_coordinates_are_refused_before_the_database(lon, lat):
    # No `db` fixture: pytest-django would turn any query into a RuntimeError.
    with pytest.raises(DomainError) as err:
        routing.locate(lon, lat)
    assert (err.value.code, err.value.field) == ("location_invalid", "location")
    assert err.value.message


def test_multipolygon_grid(map_):
    assert routing.locate(120.035, 30.005) == inside(map_.multi, map_.village)
    assert routing.locate(120.055, 30.005) == inside(map_.multi, map_.village)
    between = routing.locate(120.045, 30.005)  # between its two parts
    assert (between.grid_id, between.community_id, between.outside_grids) == (None, map_.village.pk, True)
    assert between.distance_m == pytest.approx(metres_east(0.005, 30.005), abs=0.5)


def test_dissolved_grid_is_ignored(map_):
    where = routing.locate(120.075, 30.005)  # inside 五网格, which is dissolved; 四网格 is 0.015° west
    assert (where.grid_id, where.community_id, where.outside_grids) == (None, map_.village.pk, True)
    assert where.distance_m == pytest.approx(metres_east(0.015, 30.005), abs=0.5)


def test_grids_of_a_dissolved_unit_are_ignored(map_):
    org_services.update_org(None, map_.community, status="dissolved")
    routing.invalidate()
    where = routing.locate(120.005, 30.005)
    assert where.grid_id is None and where.community_id == map_.village.pk  # 四网格 is the nearest left


def test_invalidate_picks_up_a_new_grid(map_):
    spot = (120.025, 30.005)  # between 二网格 and 四网格, nearer 二网格
    assert routing.locate(*spot).grid_id is None
    new = b.org(map_.community, "甲社区六网格", "grid", "urban_community", area=square(120.02, 30.00, 120.03, 30.01))
    assert routing.locate(*spot).grid_id is None  # cached until invalidated (or the policy's seconds pass)
    routing.invalidate()
    assert routing.locate(*spot) == inside(new, map_.community)


def test_a_bad_stored_area_is_left_out_and_the_rest_still_route(map_, caplog):
    from jiceng.orgs.models import Organization

    # Written past the services (as an old import might have): a bow-tie and a point.
    Organization.objects.filter(pk=map_.first.pk).update(
        area={"type": "Polygon", "coordinates": [[[120.00, 30.00], [120.01, 30.01], [120.01, 30.00],
                                                  [120.00, 30.01], [120.00, 30.00]]]})
    Organization.objects.filter(pk=map_.holed.pk).update(area={"type": "Point", "coordinates": [120.01, 30.02]})
    assert routing.locate(120.015, 30.005) == inside(map_.second, map_.community)
    where = routing.locate(120.005, 30.005)  # was 一网格: now beside 二网格
    assert where.grid_id is None and where.community_id == map_.community.pk
    assert len(routing.index()) == 2  # 二网格 and 四网格
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"grid {map_.first.pk}: " in logged and f"grid {map_.holed.pk}: " in logged


def test_index_is_built_once_and_then_needs_no_query(map_, django_assert_num_queries):
    routing.locate(120.005, 30.005)
    with django_assert_num_queries(0):
        for _ in range(10):
            routing.locate(120.005, 30.005)
            routing.locate(119.99, 30.005)


# -- the policy values: a scratch override in a directory after the built-in one ---------------

@pytest.fixture
def override(tmp_path, settings):
    def write(text):
        (tmp_path / "requests.toml").write_text(textwrap.dedent(text), encoding="utf-8")
        settings.JICENG_POLICY_DIRS = [*django_settings.JICENG_POLICY_DIRS, tmp_path]
        policy.registry.cache_clear()
        routing.invalidate()

    yield write
    policy.registry.cache_clear()


def test_margin_comes_from_the_policy(map_, override):
    assert routing.locate(119.99, 30.005).community_id == map_.community.pk  # ≈963 m off, margin 5 km
    override("""
        [jurisdiction_margin_km]
        [[jurisdiction_margin_km.values]]
        from = 2000-01-01
        value = 0.5
    """)
    with pytest.raises(DomainError) as err:
        routing.locate(119.99, 30.005)
    assert err.value.code == "outside_jurisdiction" and "0.5 千米" in err.value.message
    assert routing.locate(119.996, 30.005).community_id == map_.community.pk  # ≈385 m off


def test_cache_lifetime_comes_from_the_policy(map_, override):
    override("""
        [routing_cache_seconds]
        [[routing_cache_seconds.values]]
        from = 2000-01-01
        value = 0
    """)
    spot = (120.025, 30.005)
    assert routing.locate(*spot).grid_id is None
    new = b.org(map_.community, "甲社区六网格", "grid", "urban_community", area=square(120.02, 30.00, 120.03, 30.01))
    assert routing.locate(*spot).grid_id == new.pk  # no invalidate(): the cache had expired


def test_an_expired_index_is_rebuilt_only_when_the_tree_changed(map_, override):
    override("""
        [routing_cache_seconds]
        [[routing_cache_seconds.values]]
        from = 2000-01-01
        value = 0
    """)
    first = routing.index()
    assert routing.index() is first  # expired, but nothing changed: checked, kept
    street = b.org(map_.community.parent.parent, "新街道", "street", "urban_community")
    assert routing.index() is not first  # a new node: rebuilt
    second = routing.index()
    org_services.move_org(None, map_.community, street)  # one UPDATE of the subtree, no save()
    third = routing.index()
    assert third is not second and map_.community.pk in third.unit_ids
    b.user("handler", "grid_worker", map_.community)  # as another process would: no signal here
    assert routing.index() is not third  # the grants changed: the handlers kept with it are dropped


def test_metres_between():
    assert routing.metres_between(120, 30, 120, 30) == 0
    assert routing.metres_between(120, 30, 120, 31) == pytest.approx(111_195, abs=1)
    assert routing.metres_between(120, 30, 120.001, 30) == pytest.approx(96.3, abs=0.1)


# -- the demo data's areas (jiceng.demo.geometry) route to themselves ---------------------------

def test_demo_county_boxes_are_distinct_cells_and_anji_is_in_its_place():
    from jiceng.demo import geometry

    cells = geometry._lattice()
    assert len(set(cells.values())) == len(cells)  # one cell per county: boxes never overlap
    min_x, min_y, max_x, max_y = geometry.county_box("330523")
    assert min_x < 119.68 < max_x and min_y < 30.63 < max_y
    boxes = [geometry.county_box(code) for code in cells]
    assert all(-180 <= b[0] < b[2] <= 180 and -90 <= b[1] < b[3] <= 90 for b in boxes)


def test_demo_areas_tile_their_parents_and_route_to_themselves(db):
    import datetime

    from jiceng.demo.loader import load
    from jiceng.orgs.models import Organization
    from jiceng.orgs.services import _clean_area

    load("small", seed=1, today=datetime.date(2026, 6, 30))
    nodes = {o.pk: o for o in Organization.objects.exclude(area=None)}
    assert {o.kind for o in nodes.values()} == {"county", "street", "township", "community", "village", "grid"}
    shapes = {pk: shapely.geometry.shape(_clean_area(o.area)) for pk, o in nodes.items()}  # valid, as a service sees it
    children = {}
    for o in nodes.values():
        if o.parent_id in nodes:
            children.setdefault(o.parent_id, []).append(o.pk)
    for parent, kids in children.items():  # no gap, no overlap
        parts = [shapes[k] for k in kids]
        assert shapely.union_all(parts).equals(shapes[parent])
        assert sum(p.area for p in parts) == pytest.approx(shapes[parent].area, rel=1e-9)
    grids = [o for o in nodes.values() if o.kind == "grid"]
    for grid in grids:
        point = shapes[grid.pk].representative_point()
        assert routing.locate(point.x, point.y) == Location(grid.pk, grid.parent_id, False, 0.0)
    county = next(o for o in nodes.values() if o.kind == "county")
    min_x, min_y, max_x, max_y = shapes[county.pk].bounds
    west = routing.locate(min_x - 0.01, (min_y + max_y) / 2)
    assert west.outside_grids and nodes[west.community_id].kind in ("community", "village")


def test_index_agrees_with_a_brute_force_scan_on_random_points():
    """Holes, multipolygons and jittered tilings against covers() and the metric distance to every shape."""
    import random

    import numpy as np
    from shapely import affinity

    from jiceng.demo import geometry

    rng = random.Random(7)
    shapes = [shapely.box(*box) for path, _, box in geometry.layout("330523", (3, 4, 5)) if len(path) == 3]
    shapes[3] = shapes[3].difference(shapes[3].centroid.buffer(0.005))                   # a hole
    shapes[7] = shapely.MultiPolygon([shapes[7], shapely.box(119.95, 30.9, 119.96, 30.91)])  # a far part
    entries = [(100 + i, f"{i:05d}", i // 5, s) for i, s in enumerate(shapes)]
    rng.shuffle(entries)
    index = routing.GridIndex(entries, 3000)
    min_x, min_y, max_x, max_y = shapely.union_all(shapes).bounds

    def brute(lon, lat):
        point = shapely.Point(lon, lat)
        for i, s in enumerate(shapes):
            if s.covers(point):
                return Location(100 + i, i // 5, False, 0.0)
        kx = math.cos(math.radians(lat))
        local = [affinity.affine_transform(s, [kx * routing.METRES_PER_DEGREE, 0, 0, routing.METRES_PER_DEGREE,
                                                       -lon * kx * routing.METRES_PER_DEGREE,
                                                       -lat * routing.METRES_PER_DEGREE]) for s in shapes]
        d = np.array([shapely.distance(s, shapely.Point(0, 0)) for s in local])
        i = int(np.argmin(d))
        return Location(None, i // 5, True, float(d[i])) if d[i] <= 3000 else "outside_jurisdiction"

    seen = set()
    for _ in range(400):
        lon, lat = rng.uniform(min_x - 0.08, max_x + 0.08), rng.uniform(min_y - 0.06, max_y + 0.06)
        try:
            got = index.locate(lon, lat)
        except DomainError as exc:
            got = exc.code
        want = brute(lon, lat)
        seen.add(want if isinstance(want, str) else want.outside_grids)
        if isinstance(want, Location) and want.outside_grids:
            assert got.outside_grids and got.community_id == want.community_id
            assert got.distance_m == pytest.approx(want.distance_m, abs=1e-6)
        else:
            assert got == want
    assert seen == {False, True, "outside_jurisdiction"}  # inside, near and far all came up

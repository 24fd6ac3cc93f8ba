from types import SimpleNamespace

import pytest

from tests import builders as b

# Grid squares of 0.01° (about 960 m east-west and 1,110 m north-south at latitude 30°).
LON, LAT, SIDE = 120.0, 30.0, 0.01


def square(col, row):
    """GeoJSON polygon of the grid square `col` steps east and `row` steps north of (LON, LAT)."""
    x0, y0 = LON + col * SIDE, LAT + row * SIDE
    x1, y1 = x0 + SIDE, y0 + SIDE
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def centre(col, row):
    return LON + (col + 0.5) * SIDE, LAT + (row + 0.5) * SIDE


@pytest.fixture
def city(db):
    """甲县 (330521) with 城关街道 and two communities of two grids each, squares sharing edges:

        row 1:  乙社区一网格 | 乙社区二网格
        row 0:  甲社区一网格 | 甲社区二网格        (columns 0 and 1)

    a village (东村, under 东镇) whose one grid lies alone at column 6, the county's departments
    named after the categories' `department` fragments, and a second county 乙县 far away.
    `points` holds (lon, lat) pairs: the centre of each grid, and `gap` (column 3, row 0):
    outside every grid, nearest to 甲社区."""
    county = b.org(None, "甲县", "county", division_code="330521")
    street = b.org(county, "城关街道", "street", "urban_community", division_code="330521001")
    communities, grids = {}, {}
    for row, mark in enumerate("甲乙"):
        community = b.org(street, f"{mark}社区", "community", "urban_community")
        communities[mark] = community
        for col, n in enumerate("一二"):
            grids[f"{mark}{n}"] = b.org(community, f"{mark}社区{n}网格", "grid", "urban_community",
                                        area=square(col, row))
    township = b.org(county, "东镇", "township", "rural")
    village = b.org(township, "东村", "village", "rural")
    grids["东村"] = b.org(village, "东村网格", "grid", "rural", area=square(6, 0))
    departments = {fragment: b.org(county, f"甲县{fragment}局", "department", "agency")
                   for fragment in ("城市管理", "住房和城乡建设", "生态环境", "市场监督管理")}
    other = b.org(None, "乙县", "county", division_code="330522")
    other_street = b.org(other, "乙县街道", "street", "urban_community")
    users = {
        "county_admin": b.user("county_admin", "org_admin", county),
        "street_admin": b.user("street_admin", "org_admin", street),
        "grid_worker": b.user("grid_worker", "grid_worker", grids["甲一"]),
        "department": b.user("department_staff", "org_admin", departments["城市管理"]),
        "outsider": b.user("outsider", "org_admin", other),
    }
    points = {name: centre(*{"甲一": (0, 0), "甲二": (1, 0), "乙一": (0, 1), "乙二": (1, 1), "东村": (6, 0)}[name])
              for name in ("甲一", "甲二", "乙一", "乙二", "东村")}
    points["gap"] = centre(3, 0)
    yield SimpleNamespace(county=county, street=street, communities=communities, grids=grids, township=township,
                          village=village, departments=departments, other=other, other_street=other_street,
                          users=users, points=points)

import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from tests import builders as b


@pytest.fixture(autouse=True)
def empty_cache():
    """Panels and map areas are cached by node id, and ids come back after a rollback."""
    cache.clear()
    yield
    cache.clear()


def square(x, y, size=1.0):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


@pytest.fixture
def tree(db):
    """A province with 甲县 (a street, two communities with areas, a branch in each) and 乙县
    (one agency branch). Hand-checked figures are in the tests.

    甲园社区党支部: full M 1970, full F 1980, full M 1995, probationary F 2000, applicant M 2004
    甲河社区党支部: full M 1960, full F 1990
    乙县机关党支部: full M 1975
    """
    province = b.org(None, "浙江省", "province", division_code="330000")
    county = b.org(province, "甲县", "county", division_code="330521")
    street = b.org(county, "甲城街道", "street", "urban_community")
    garden = b.org(street, "甲园社区", "community", "urban_community", area=square(120.0, 30.0))
    river = b.org(street, "甲河社区", "community", "urban_community", area=square(121.0, 30.0))
    garden_branch = b.org(garden, "甲园社区党支部", "branch", "urban_community")
    river_branch = b.org(river, "甲河社区党支部", "branch", "urban_community")
    other = b.org(province, "乙县", "county", division_code="330522")
    other_branch = b.org(other, "乙县机关党支部", "branch", "agency")
    since = datetime.date(2015, 7, 1)
    garden_members = [
        b.member(garden_branch, "甲一", birth=datetime.date(1970, 5, 1), gender="M"),
        b.member(garden_branch, "甲二", birth=datetime.date(1980, 5, 1), gender="F"),
        b.member(garden_branch, "甲三", birth=datetime.date(1995, 5, 1), gender="M"),
        b.member(garden_branch, "甲四", status="probationary", birth=datetime.date(2000, 5, 1), gender="F",
                 since=datetime.date(2025, 7, 1)),
        b.member(garden_branch, "甲五", status="applicant", birth=datetime.date(2004, 5, 1), gender="M",
                 since=datetime.date(2025, 3, 1)),
    ]
    river_members = [b.member(river_branch, "甲六", birth=datetime.date(1960, 5, 1), gender="M", since=since),
                     b.member(river_branch, "甲七", birth=datetime.date(1990, 5, 1), gender="F", since=since)]
    b.member(other_branch, "乙一", birth=datetime.date(1975, 5, 1), gender="M")
    users = {"county": b.user("county_admin", "org_admin", county),
             "street": b.user("street_admin", "org_admin", street),
             "garden": b.user("garden_secretary", "secretary", garden_branch), "none": b.user("nobody")}
    return SimpleNamespace(province=province, county=county, street=street, garden=garden, river=river,
                           garden_branch=garden_branch, river_branch=river_branch, other=other,
                           other_branch=other_branch, garden_members=garden_members, river_members=river_members,
                           users=users)

import datetime
from types import SimpleNamespace

import pytest

from tests import builders as b

TODAY = datetime.date(2026, 3, 1)


@pytest.fixture
def county(db):
    """甲县 with two townships and villages; users of the county and of one village."""
    province = b.org(None, "浙江省", "province", division_code="330000")
    county = b.org(province, "甲县", "county", division_code="330521")
    east = b.org(county, "东乡", "township", "rural")
    west = b.org(county, "西乡", "township", "rural")
    villages = {name: b.org(east if i < 3 else west, name, "village", "rural")
                for i, name in enumerate(["上村", "中村", "下村", "西村"])}
    users = {
        "county_admin": b.user("county_admin", "org_admin", county),
        "east_admin": b.user("east_admin", "org_admin", east),
        "village_secretary": b.user("village_secretary", "secretary", villages["上村"]),
        "auditor": b.user("auditor", "auditor", county),
    }
    return SimpleNamespace(province=province, county=county, east=east, west=west, villages=villages, users=users)

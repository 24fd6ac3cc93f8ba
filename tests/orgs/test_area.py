import pytest

from jiceng.core.errors import DomainError
from tests import builders as b

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[119.6, 30.6], [119.7, 30.6], [119.7, 30.7], [119.6, 30.7], [119.6, 30.6]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


def test_grid_keeps_a_valid_polygon(world):
    grid = b.org(world.a.community, "甲园第二网格", "grid", "urban_community", area=SQUARE)
    grid.refresh_from_db()
    assert grid.area == SQUARE


@pytest.mark.parametrize("area, reason", [
    ({"type": "Point", "coordinates": [119.6, 30.6]}, "Polygon"),
    (BOWTIE, "自相交"),
    ("{not json", "GeoJSON"),
    ({"type": "Polygon", "coordinates": [[[500, 0], [501, 0], [501, 1], [500, 0]]]}, "经度"),
])
def test_bad_areas_are_refused(world, area, reason):
    from jiceng.orgs.models import Organization

    before = Organization.objects.count()
    with pytest.raises(DomainError) as err:
        b.org(world.a.community, "甲园第三网格", "grid", "urban_community", area=area)
    assert err.value.code == "area_invalid" and reason in err.value.message
    assert Organization.objects.count() == before

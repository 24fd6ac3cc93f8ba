import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tests import builders as b
from tests.checkin.conftest import duty  # noqa: F401  (in-service cadres who live in 甲园社区)

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return datetime.datetime(2026, 5, day, hour, minute, tzinfo=SH)


@pytest.fixture
def street(world, duty):  # noqa: F811
    """甲城街道 with two communities, its secretary, and the in-service cadres registered in 甲园社区."""
    from jiceng.checkin import services as checkin

    a = world.a
    river = b.org(a.street, "甲河社区", "community", "urban_community")
    for user, person in zip(duty.users, duty.people):
        checkin.register(user, person=person, community=a.community)
    return SimpleNamespace(street=a.street, garden=a.community, river=river, duty=duty,
                           secretary=b.user("street_a", "secretary", a.street),
                           starts=at(11, 8), ends=at(18, 20))

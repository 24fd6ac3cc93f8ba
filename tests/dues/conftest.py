import datetime
from decimal import Decimal

import pytest

from jiceng.dues import services

# A clock for every test here: "today" as the services are told it.
TODAY = datetime.date(2026, 7, 15)


def profile(person, category="in_service", income="5400", flat=None, on=datetime.date(2026, 1, 1)):
    return services.set_profile(None, person, category=category, applies_from=on,
                                monthly_income=None if income is None else Decimal(income),
                                flat_amount=None if flat is None else Decimal(flat))


@pytest.fixture
def branch(world):
    """甲县's branch: 4 full members (since 2015) and its secretary's and upper levels' users."""
    return world.a

import datetime

import pytest

from jiceng.development import services
from tests import builders as b


def applicant(branch, name, applied_on, birth=datetime.date(2000, 5, 1), **kwargs):
    """A new applicant registered through the development service."""
    return services.apply(None, org=branch, applied_on=applied_on, name=name,
                          id_number=b.id_number(birth, "F"), **kwargs)


@pytest.fixture
def branch(world):
    return world.a.branch


@pytest.fixture
def full(world):
    """Persons of the branch's four full members (甲一 … 甲四)."""
    return [m.person for m in world.a.members]

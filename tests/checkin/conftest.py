import datetime
from types import SimpleNamespace

import pytest

from tests import builders as b

TODAY = datetime.date(2026, 5, 11)  # the clock for these tests


@pytest.fixture
def duty(world):
    """In-service members of 甲县民政局's branch who live in 甲园社区; a secretary for the
    community and one for the workplace branch."""
    a = world.a
    bureau = b.org(a.county, "甲县民政局", "department", "agency")
    branch = b.org(bureau, "甲县民政局机关党支部", "branch", "agency")
    members = [b.member(branch, name, residence=a.community) for name in ("张文", "李青", "王芳")]
    users = []
    for i, m in enumerate(members):
        u = b.user(f"cadre_{i}", "member", branch)
        m.person.user = u
        m.person.save(update_fields=["user"])
        users.append(u)
    return SimpleNamespace(
        bureau=bureau, branch=branch, members=members, people=[m.person for m in members], users=users,
        community_secretary=b.user("community_a", "secretary", a.community),
        workplace_secretary=b.user("workplace_a", "secretary", branch),
        community=a.community, today=TODAY)

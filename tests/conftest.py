import datetime
import os
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile

from jiceng.life.models import Attachment

from . import builders as b


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_routing_index():
    """The routing index (and the tree reads kept with it) is per process: drop one built over
    another test's rows, whose ids the database hands out again after a rollback."""
    from jiceng.requests import routing

    routing.invalidate()


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """Argon2 costs about a second per fixture user; tests that are about hashing itself
    are marked `real_password_hashing` and keep the production hasher."""
    if "real_password_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """A province with two sibling counties, 甲县 and 乙县, each with a street, a community,
    a grid, a branch with a group, members and a secretary, and a user of each role.
    Every name in 乙县 contains 乙 and nothing in 甲县 does, so a leak is easy to see."""
    province = b.org(None, "浙江省", "province", division_code="330000")
    sides = {}
    for mark, code in (("甲", "330521"), ("乙", "330522")):
        county = b.org(province, f"{mark}县", "county", division_code=code)
        street = b.org(county, f"{mark}城街道", "street", "urban_community")
        community = b.org(street, f"{mark}园社区", "community", "urban_community")
        grid = b.org(community, f"{mark}园第一网格", "grid", "urban_community")
        branch = b.org(community, f"{mark}园社区党支部", "branch", "urban_community")
        group = b.org(branch, f"{mark}园第一党小组", "group", "urban_community")
        members = [b.member(branch, f"{mark}{given}", birth=datetime.date(1970 + i, 5, 1), gender="MF"[i % 2])
                   for i, given in enumerate(["一", "二", "三", "四"])]
        secretary_post = b.org_services.appoint(None, branch, members[0].person, "secretary", datetime.date(2024, 1, 1))
        meeting = b.life_services.record_meeting(
            None, org=branch, kind="committee_meeting", held_on=datetime.date(2025, 3, 5), topic=f"{mark}支委会",
            attendance={m.person_id: "present" for m in members})
        attachment = Attachment.objects.create(meeting=meeting, caption=f"{mark}签到表",
                                               file=ContentFile(b"%PDF-1.4 scan", name=f"{mark}.pdf"))
        talk = b.life_services.record_talk(None, org=branch, held_on=datetime.date(2025, 4, 1),
                                           leader=members[0].person, member=members[1].person, topic=f"{mark}谈话")
        users = {
            "org_admin": b.user(f"admin_{mark}", "org_admin", county),
            "auditor": b.user(f"auditor_{mark}", "auditor", county),
            "secretary": b.user(f"secretary_{mark}", "secretary", branch),
            "grid_worker": b.user(f"grid_{mark}", "grid_worker", grid),
            "member": b.user(f"member_{mark}", "member", branch),
        }
        person = members[1].person
        person.user = users["member"]
        person.save(update_fields=["user"])
        sides[mark] = SimpleNamespace(county=county, street=street, community=community, grid=grid, branch=branch,
                                      group=group, members=members, post=secretary_post, users=users,
                                      meeting=meeting, talk=talk, attachment=attachment)
    return SimpleNamespace(province=province, a=sides["甲"], b=sides["乙"])


def pytest_collection_modifyitems(config, items):
    """Browser tests skip where Chromium is missing, except where JICENG_REQUIRE_BROWSER says they must run."""
    if os.path.exists("/usr/bin/chromium") or os.environ.get("JICENG_REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)

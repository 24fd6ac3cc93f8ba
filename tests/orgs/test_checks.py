"""Structural checks: the dashboard's counts (SQL aggregates) and the listed problems agree."""

import datetime
from collections import Counter
from types import SimpleNamespace

import pytest

from jiceng.core import policy
from jiceng.orgs import checks, queries
from tests import builders as b

RECENT, LONG_AGO = datetime.date(2024, 1, 1), datetime.date(2010, 1, 1)  # terms are 3 to 5 years


@pytest.fixture
def small_thresholds(settings, tmp_path):
    """At most 6 members a branch and a committee from 4 full members (shipped: 50 and 7), so
    each problem needs only a few members."""
    from django.conf import settings as django_settings

    (tmp_path / "orgs.toml").write_text(
        "[branch_max_members]\n[[branch_max_members.values]]\nfrom = 2000-01-01\nvalue = 6\n"
        "[committee_required_full_members]\n[[committee_required_full_members.values]]\nfrom = 2000-01-01\nvalue = 4\n")
    settings.JICENG_POLICY_DIRS = [*django_settings.JICENG_POLICY_DIRS, tmp_path]
    policy.registry.cache_clear()
    yield
    policy.registry.cache_clear()


def branch(parent, name, full, probationary=0, posts=(), kind="branch", appointed=RECENT):
    """A branch with `full` and `probationary` members; `posts` ("secretary", "member") go to
    its members in order."""
    org = b.org(parent, name, kind, "urban_community")
    members = [b.member(org, f"{name}{'一二三四五六七'[i]}") for i in range(full)]
    members += [b.member(org, f"{name}预{'一二三'[i]}", status="probationary", since=datetime.date(2025, 7, 1))
                for i in range(probationary)]
    for title, m in zip(posts, members):
        b.org_services.appoint(None, org, m.person, title, appointed)
    return org, members


@pytest.fixture
def checked(db, small_thresholds):
    """甲县 holds one branch per branch problem, one whose posts' term has ended, a healthy one
    and a dissolved one, and a community whose term has ended; 乙县, outside the county
    admin's scope, holds every problem that its one branch and itself can have."""
    province = b.org(None, "浙江省", "province", division_code="330000")
    county = b.org(province, "甲县", "county", division_code="330521")
    street = b.org(county, "甲城街道", "street", "urban_community")
    community = b.org(street, "甲园社区", "community", "urban_community")
    branch(community, "甲少", 2, kind="joint_branch")  # too few full members, no secretary
    branch(community, "甲多", 5, 2, ["secretary", "member", "member"])  # 7 members
    branch(community, "甲委", 4, 0, ["secretary"])  # 4 full members, 1 seat
    _, expired = branch(community, "甲旧", 3, 0, ["secretary"], appointed=LONG_AGO)
    healthy, members = branch(community, "甲好", 3, 0, ["secretary", "member"])
    left = b.org_services.appoint(None, healthy, members[2].person, "member", LONG_AGO)
    b.org_services.end_post(None, left, datetime.date(2012, 1, 1))  # term long over, but no longer held
    b.org(community, "甲撤", "branch", "urban_community", status="dissolved", dissolved_on=datetime.date(2024, 1, 1))
    b.org_services.appoint(None, community, expired[1].person, "member", LONG_AGO)
    other = b.org(province, "乙县", "county", division_code="330522")
    _, outside = branch(other, "乙支", 1)
    b.org_services.appoint(None, other, outside[0].person, "secretary", LONG_AGO)
    return SimpleNamespace(province=province, county=county, healthy=healthy,
                           scoped=queries.visible(b.user("county_admin", "org_admin", county)))


def listed(node, scoped):
    return dict(Counter(p.code for p in checks.problems_under(node, scoped)))


def test_counts_equal_the_listed_problems(checked):
    expected = {"too_few_full_members": 1, "too_many_members": 1, "committee_missing": 1, "secretary_vacant": 1,
                "term_expired": 2}
    for node in (checked.province, checked.county):
        assert checks.counts_under(node, checked.scoped) == listed(node, checked.scoped) == expected


def test_counts_are_empty_where_nothing_is_wrong(checked):
    assert checks.counts_under(checked.healthy, checked.scoped) == listed(checked.healthy, checked.scoped) == {}

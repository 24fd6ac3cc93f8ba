"""Dashboards at several levels against hand-checked figures (tests/dashboard/conftest.py)."""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiceng.dashboard import figures
from jiceng.dashboard.views import parse_on
from jiceng.core.errors import DomainError

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def by_key(cells):
    return {c["key"]: c["n"] for c in cells}


def by_label(cells):
    return {c["label"]: c["n"] for c in cells}


def test_branch_figures_are_the_hand_counted_ones(tree):
    d = figures.dashboard(tree.users["county"], tree.garden_branch)
    assert d["figures"] == {"party_members": 4, "full": 3, "probationary": 1, "pipeline": 1, "orgs": 1, "branches": 1}
    members = d["members"]
    assert by_key(members["status"]) == {"applicant": 1, "activist": 0, "candidate": 0, "probationary": 1, "full": 3}
    assert by_key(members["gender"]) == {"M": 2, "F": 2}
    ages = [c["n"] for c in members["age"]]
    expected = [0] * 8
    for year in (1970, 1980, 1995, 2000):  # party members only; bands by age reached this year
        age = YEAR - year
        expected[next(i for i, (lo, hi, _) in enumerate(figures.org_figures.AGE_BANDS) if lo <= age <= hi)] += 1
    assert ages == expected
    assert by_label(members["sector"]) == {"城市社区": 4}
    assert d["children"] == []


def test_street_and_county_add_up_their_children(tree):
    user = tree.users["county"]
    street = figures.dashboard(user, tree.street)
    assert street["figures"] == {"party_members": 6, "full": 5, "probationary": 1, "pipeline": 1, "orgs": 5,
                                 "branches": 2}
    rows = {c["name"]: c for c in street["children"]}
    assert list(rows) == ["甲园社区", "甲河社区"]
    assert (rows["甲园社区"]["party_members"], rows["甲园社区"]["orgs"]) == (4, 2)
    assert (rows["甲河社区"]["party_members"], rows["甲河社区"]["full"], rows["甲河社区"]["pipeline"]) == (2, 2, 0)
    assert rows["甲河社区"]["href"] == reverse("dashboard:node", args=[tree.river.pk])
    county = figures.dashboard(user, tree.county)
    assert county["figures"]["orgs"] == 6 and county["figures"]["party_members"] == 6
    assert by_label(county["orgs"]["kind"]) == {"街道": 1, "社区": 2, "党支部": 2, "县（区）": 1}
    assert by_key(county["members"]["gender"]) == {"M": 3, "F": 3}


def test_root_counts_both_counties(tree):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="correct-horse-battery")
    d = figures.dashboard(root, tree.province)
    assert d["figures"]["party_members"] == 7 and d["figures"]["orgs"] == 9
    assert by_label(d["members"]["sector"]) == {"城市社区": 6, "机关": 1}
    assert [c["name"] for c in d["children"]] == ["甲县", "乙县"]


def test_every_number_links_to_its_list(tree):
    d = figures.dashboard(tree.users["county"], tree.street)
    members = reverse("orgs:members", args=[tree.street.pk])
    status = {c["key"]: c["href"] for c in d["members"]["status"]}
    assert status["full"] == f"{members}?status=full"
    assert {c["key"]: c["href"] for c in d["members"]["gender"]}["F"] == f"{members}?gender=F"
    assert d["members"]["age"][2]["href"] == f"{members}?age=2"
    assert d["children"][0]["members_href"] == reverse("orgs:members", args=[tree.garden.pk]) + "?status=party"
    assert d["members"]["party_members"]["href"] == f"{members}?status=party"
    assert d["links"]["branches"] == reverse("orgs:list", args=[tree.street.pk]) + "?kind=branch"
    problems = next(p for p in d["panels"] if p["key"] == "problems")
    assert {r["key"]: r["href"] for r in problems["rows"]}["secretary_vacant"] == \
        reverse("orgs:problems", args=[tree.street.pk]) + "?code=secretary_vacant"


def test_panels_appear_only_with_data(tree):
    d = figures.dashboard(tree.users["county"], tree.street)
    keys = [p["key"] for p in d["panels"]]
    assert "problems" in keys and "development" in keys and "life" in keys
    assert "dues" not in keys and "village" not in keys and "requests" not in keys  # no rows of theirs
    problems = by_key(next(p for p in d["panels"] if p["key"] == "problems")["rows"])
    # Both branches lack a secretary; 甲河 has 2 full members (< 3).
    assert problems["secretary_vacant"] == 2 and problems["too_few_full_members"] == 1
    development = by_key(next(p for p in d["panels"] if p["key"] == "development")["rows"])
    assert development["applicant"] == 1 and development["probationary"] == 1


def test_pages_and_json(tree):
    c = client_for(tree.users["county"])
    assert c.get(reverse("dashboard:index")).url == reverse("dashboard:node", args=[tree.county.pk])
    page = c.get(reverse("dashboard:node", args=[tree.street.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "甲园社区" in body and "甲县" in body  # a child and a crumb
    assert reverse("dashboard:node", args=[tree.county.pk]) in body  # the crumb goes up the dashboards
    scripts = [line for line in body.splitlines() if "<script src=" in line]
    assert all('src="/static/' in line for line in scripts), scripts  # served locally, never from a CDN
    data = c.get(reverse("dashboard:data", args=[tree.street.pk])).json()
    assert data["figures"]["party_members"] == 6
    screen = c.get(reverse("dashboard:screen", args=[tree.street.pk])).content.decode()
    assert 'data-theme="dark"' in screen and 'data-refresh="30"' in screen
    assert reverse("dashboard:data", args=[tree.street.pk]) in screen


def test_map_areas_own_or_unioned(tree):
    c = client_for(tree.users["county"])
    geo = c.get(reverse("dashboard:map", args=[tree.street.pk])).json()
    assert {f["properties"]["name"] for f in geo["features"]} == {"甲园社区", "甲河社区"}
    county = c.get(reverse("dashboard:map", args=[tree.county.pk])).json()
    (street,) = county["features"]  # the street has no area: its communities' union
    assert street["properties"]["name"] == "甲城街道"
    from shapely.geometry import shape

    merged = shape(street["geometry"])
    assert merged.bounds == (120.0, 30.0, 122.0, 31.0) and merged.area == pytest.approx(2.0)
    # A branch has no children: nothing to draw.
    assert c.get(reverse("dashboard:map", args=[tree.garden_branch.pk])).json()["features"] == []


def test_map_union_follows_a_changed_area(tree):
    """The cached union is keyed by the tree's newest `updated_at`: a change that bumps it (a
    save, a subtree move) is drawn at once."""
    c = client_for(tree.users["county"])
    before = c.get(reverse("dashboard:map", args=[tree.county.pk])).json()["features"][0]["geometry"]
    type(tree.river).objects.filter(pk=tree.river.pk).update(area=None, updated_at=timezone.now())
    after = c.get(reverse("dashboard:map", args=[tree.county.pk])).json()["features"][0]["geometry"]
    assert before["coordinates"] != after["coordinates"]
    assert after == {"type": "Polygon", "coordinates": [[[120.0, 30.0], [121.0, 30.0], [121.0, 31.0], [120.0, 31.0],
                                                          [120.0, 30.0]]]}


def test_nobody_sees_outside_their_grants(tree):
    street_user = client_for(tree.users["street"])
    for name in ("node", "data", "map", "screen"):
        for node in (tree.county, tree.province, tree.other, tree.other_branch):
            assert street_user.get(reverse(f"dashboard:{name}", args=[node.pk])).status_code == 404, (name, node)
        assert street_user.get(reverse(f"dashboard:{name}", args=[tree.garden.pk])).status_code == 200
    assert street_user.get(reverse("dashboard:index")).url == reverse("dashboard:node", args=[tree.street.pk])
    nobody = client_for(tree.users["none"])
    assert nobody.get(reverse("dashboard:index")).status_code == 404
    assert Client().get(reverse("dashboard:data", args=[tree.street.pk])).status_code == 302  # to the login


def test_children_listed_are_only_the_visible_ones(tree):
    """A county's admin at the province would see only their county: the province is not theirs,
    so it 404s; the secretary of one branch sees that branch, never its sibling."""
    secretary = client_for(tree.users["garden"])
    assert secretary.get(reverse("dashboard:index")).url == reverse("dashboard:node", args=[tree.garden_branch.pk])
    assert secretary.get(reverse("dashboard:data", args=[tree.river_branch.pk])).status_code == 404
    assert secretary.get(reverse("dashboard:map", args=[tree.street.pk])).status_code == 404


def test_as_of_date_input_is_checked(tree):
    today = timezone.localdate()
    assert parse_on("", today) is None
    assert parse_on(today.isoformat(), today) is None  # today: the kept counts
    with pytest.raises(DomainError, match="年-月-日"):
        parse_on("2025/12/31", today)
    with pytest.raises(DomainError, match="不能晚于今天"):
        parse_on((today + datetime.timedelta(days=1)).isoformat(), today)
    c = client_for(tree.users["county"])
    response = c.get(reverse("dashboard:data", args=[tree.street.pk]), {"on": "31/12/2025"})
    assert response.status_code == 400 and "年-月-日" in response.json()["detail"]
    page = c.get(reverse("dashboard:node", args=[tree.street.pk]), {"on": "tomorrow"})
    assert page.status_code == 400 and "年-月-日" in page.content.decode()


def test_as_of_before_and_after_a_transfer(tree):
    from jiceng.transfers import services as transfer_services

    moved = tree.garden_members[2]  # 甲三, full, M
    sent_on = datetime.date(2026, 6, 1)
    transfer = transfer_services.send(None, moved, tree.river_branch, sent_on)
    transfer_services.accept(None, transfer, sent_on)
    user = tree.users["county"]
    before = figures.dashboard(user, tree.street, datetime.date(2026, 5, 31))
    after = figures.dashboard(user, tree.street, datetime.date(2026, 6, 2))
    rows_before = {c["name"]: c for c in before["children"]}
    rows_after = {c["name"]: c for c in after["children"]}
    assert (rows_before["甲园社区"]["full"], rows_before["甲河社区"]["full"]) == (3, 2)
    assert (rows_after["甲园社区"]["full"], rows_after["甲河社区"]["full"]) == (2, 3)
    assert before["figures"]["full"] == after["figures"]["full"] == 5  # the street keeps them
    # Before 甲四 became probationary (2025-07-01) and 甲五 applied (2025-03-01).
    early = figures.dashboard(user, tree.garden_branch, datetime.date(2025, 1, 1))
    assert by_key(early["members"]["status"]) == {"applicant": 0, "activist": 0, "candidate": 0, "probationary": 0,
                                                  "full": 3}
    # A panel without history says so rather than showing today's figures.
    problems = next(p for p in before["panels"] if p["key"] == "problems")
    assert problems["rows"] == [] and problems["note"] == "该指标不支持历史日期"
    members = reverse("orgs:members", args=[tree.street.pk])
    assert {c["key"]: c["href"] for c in before["members"]["status"]}["full"] == \
        f"{members}?status=full&on=2026-05-31"
    c = client_for(user)
    page = c.get(reverse("dashboard:node", args=[tree.street.pk]), {"on": "2026-05-31"}).content.decode()
    assert "该指标不支持历史日期" in page and "2026年5月31日" in page


def test_each_number_equals_the_list_it_links_to(tree):
    """Follow every member and organization link of the street's dashboard (today and on a
    past date): the list says the same count."""
    import re

    c = client_for(tree.users["county"])
    for on in (None, datetime.date(2025, 5, 1)):
        d = figures.dashboard(tree.users["county"], tree.street, on)
        cells = [d["members"]["party_members"], *d["members"]["status"], *d["members"]["gender"],
                 *d["members"]["age"], *d["members"]["sector"], *d["members"]["education"],
                 *d["members"]["ethnicity"], *d["orgs"]["kind"], *d["orgs"]["sector"]]
        for cell in cells:
            body = c.get(cell["href"]).content.decode()
            shown = re.search(r"共 (\d+) [人个]", body)
            assert shown and int(shown[1]) == cell["n"], (on, cell)

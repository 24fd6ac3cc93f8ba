"""The members list and the organization list: filters, their counts against the dashboard's
rollups, the xlsx read back against the page, masking by role, audit, and scoping."""

import datetime

import pytest
from django.urls import reverse

from jiceng.core.models import AuditEvent
from jiceng.orgs import figures, rollups

from .helpers import add_roster, page_table, xlsx_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(world):
    return add_roster(world)


def names(rows):
    return sorted(r[0] for r in rows)


def get(client, user, name, org, **params):
    client.force_login(user)
    return client.get(reverse(name, args=[org.pk]), params)


MEMBER_QUERIES = [
    ({}, ["甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七"]),
    ({"status": "party"}, ["甲一", "甲二", "甲三", "甲四", "甲五", "甲六"]),
    ({"status": "probationary"}, ["甲六"]),
    ({"gender": "F"}, ["甲二", "甲五", "甲四"]),
    ({"age": "5"}, ["甲二", "甲三", "甲四"]),  # 51–55 in 2026
    ({"age": "0"}, ["甲六"]),
    ({"education": "undergraduate"}, ["甲五"]),
    ({"ethnicity": "畲族"}, ["甲五"]),
    ({"sector": "rural"}, ["甲四", "甲五", "甲六"]),
    ({"sector": "rural", "status": "applicant"}, ["甲七"]),
    # as of a date, from the status history
    ({"on": "2025-01-01", "status": "party"}, ["甲一", "甲二", "甲三", "甲四", "甲五", "甲八"]),
    ({"on": "2025-01-01", "status": "candidate"}, ["甲六"]),
    ({"on": "2025-07-01", "sector": "rural"}, ["甲八", "甲四", "甲五", "甲六"]),
    ({"on": "2025-07-01", "age": "5"}, ["甲一", "甲二", "甲三", "甲四"]),  # 1970 reached 55 in 2025
    ({"on": "2025-10-01"}, ["甲一", "甲七", "甲三", "甲二", "甲五", "甲六", "甲四"]),
]


@pytest.mark.parametrize("params,expected", MEMBER_QUERIES)
def test_members_page_and_xlsx_show_the_same_filtered_rows(client, county, params, expected):
    admin = county.users["org_admin"]
    page = get(client, admin, "orgs:members", county.county, **params)
    assert page.status_code == 200
    headers, rows = page_table(page)
    assert names(rows) == sorted(expected)
    assert f"共 {len(expected)} 人" in page.content.decode()
    export = get(client, admin, "orgs:members", county.county, format="xlsx", **params)
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    x_headers, x_rows = xlsx_table(export)
    assert x_headers == headers and x_rows == rows


def test_as_of_list_follows_a_transfer(client, county):
    admin = county.users["org_admin"]
    before = page_table(get(client, admin, "orgs:members", county.branch, on="2025-05-31"))[1]
    after = page_table(get(client, admin, "orgs:members", county.branch, on="2025-06-01"))[1]
    assert "甲四" in names(before) and "甲四" not in names(after)
    village = page_table(get(client, admin, "orgs:members", county.vbranch, on="2025-06-01"))[1]
    four = next(r for r in village if r[0] == "甲四")
    assert four[-1] == "甲村党支部" and four[-2] == "正式党员"


def _listed(client, user, name, org, **params):
    return len(xlsx_table(get(client, user, name, org, format="xlsx", **params))[1])


@pytest.mark.parametrize("node", ["county", "vbranch", "province"])
def test_list_counts_equal_the_dashboard_figures(client, county, node, django_user_model):
    """Every rollup key the dashboard shows, followed to its list, counts the same rows."""
    org = getattr(county, node, None) or county.county.parent
    user = django_user_model.objects.create_superuser("root", password="x-root-password-1")
    counts = rollups.counts(org)
    assert counts, "the fixture has figures"
    member_families = {"status": "status", "gender": "gender", "sector": "sector", "education": "education",
                       "ethnicity": "ethnicity"}
    checked = 0
    for key, n in counts.items():
        family, _, value = key.partition(":")
        if family in member_families:
            params = {member_families[family]: value}
            if family != "status":
                params["status"] = "party"
            assert _listed(client, user, "orgs:members", org, **params) == n, key
        elif family == "kind":
            assert _listed(client, user, "orgs:list", org, kind=value) == n, key
        elif family == "org_sector":
            assert _listed(client, user, "orgs:list", org, sector=value) == n, key
        else:
            continue
        checked += 1
    for i, (label, n) in enumerate(figures.tables(counts)["age"]):
        assert _listed(client, user, "orgs:members", org, age=str(i)) == n, label
    assert _listed(client, user, "orgs:members", org, status="party") == figures.tables(counts)["party_members"]
    assert checked >= 6


def test_as_of_counts_equal_the_history_figures(client, county, django_user_model):
    history = pytest.importorskip("jiceng.orgs.history")
    user = django_user_model.objects.create_superuser("root", password="x-root-password-1")
    for day in (datetime.date(2025, 1, 1), datetime.date(2025, 7, 1)):
        counts = history.counts_on(county.county, day)
        for key, n in counts.items():
            family, _, value = key.partition(":")
            if family == "status":
                assert _listed(client, user, "orgs:members", county.county, on=f"{day}", status=value) == n, key
            elif family in {"gender", "sector"}:
                assert _listed(client, user, "orgs:members", county.county, on=f"{day}", status="party",
                               **{family: value}) == n, key


ORG_QUERIES = [
    ({"kind": "branch"}, ["甲园社区党支部", "甲村党支部", "甲镇新党支部"]),
    ({"sector": "rural"}, ["甲村", "甲村党支部", "甲镇", "甲镇新党支部"]),
    ({"kind": "branch", "on": "2025-12-31"}, ["甲园社区党支部", "甲村党支部"]),
    ({"kind": "branch", "on": "2019-12-31"}, ["甲园社区党支部", "甲镇老党支部"]),
    ({"kind": "branch", "on": "2024-06-30"}, ["甲园社区党支部", "甲村党支部"]),
]


@pytest.mark.parametrize("params,expected", ORG_QUERIES)
def test_org_list_page_and_xlsx_agree(client, county, params, expected):
    admin = county.users["org_admin"]
    page = get(client, admin, "orgs:list", county.county, **params)
    assert page.status_code == 200
    headers, rows = page_table(page)
    assert names(rows) == sorted(expected)
    assert f"共 {len(expected)} 个" in page.content.decode()
    assert f'href="{reverse("orgs:detail", args=[county.vbranch.pk])}"' in page.content.decode() \
        or "甲村党支部" not in expected
    x_headers, x_rows = xlsx_table(get(client, admin, "orgs:list", county.county, format="xlsx", **params))
    assert x_headers == headers and x_rows == rows


def test_org_list_is_paginated_with_kept_counts(client, county):
    from tests import builders as b

    for i in range(55):
        b.org(county.community, f"甲园网格{i:02d}", "grid", "urban_community")
    page = get(client, county.users["org_admin"], "orgs:list", county.county, kind="grid")
    assert "共 56 个" in page.content.decode() and "第 1 / 2 页" in page.content.decode()
    assert len(page_table(page)[1]) == 50
    second = get(client, county.users["org_admin"], "orgs:list", county.county, kind="grid", page=2)
    assert len(page_table(second)[1]) == 6


@pytest.mark.parametrize("params,message", [
    ({"status": "bogus"}, "筛选条件“状态”无效"),
    ({"age": "9"}, "筛选条件“年龄”无效"),
    ({"on": "2025-13-01"}, "日期须写成 YYYY-MM-DD"),
    ({"ethnicity": "火星族"}, "筛选条件“民族”无效"),
])
def test_bad_filter_is_a_clear_message(client, county, params, message):
    for fmt in ({}, {"format": "xlsx"}):
        page = get(client, county.users["org_admin"], "orgs:members", county.county, **params, **fmt)
        assert page.status_code == 400 and message in page.content.decode()
    page = get(client, county.users["org_admin"], "orgs:list", county.county, kind="nope")
    assert page.status_code == 400 and "筛选条件“类型”无效" in page.content.decode()


def test_id_numbers_masked_unless_the_role_allows_and_asks(client, county):
    person = county.members[0].person
    admin = county.users["org_admin"]
    page = get(client, admin, "orgs:members", county.county).content.decode()
    assert person.id_number_masked in page and person.id_number not in page
    assert "导出（含完整身份证号）" in page
    masked = xlsx_table(get(client, admin, "orgs:members", county.county, format="xlsx"))[1]
    assert person.id_number_masked in [r[5] for r in masked]
    full = xlsx_table(get(client, admin, "orgs:members", county.county, format="xlsx", ids="full"))[1]
    assert person.id_number in [r[5] for r in full]
    event = AuditEvent.objects.filter(action="export.xlsx").order_by("-at", "-seq").first()
    assert event.after["full_ids"] is True and event.after["rows"] == 7 and event.after["list"] == "orgs.members"
    for role in ("auditor", "grid_worker"):
        node = county.county if role == "auditor" else county.branch
        if role == "grid_worker":
            continue  # a grid worker sees the grid's subtree only: no members list of the branch
        page = get(client, county.users[role], "orgs:members", node).content.decode()
        assert "导出（含完整身份证号）" not in page
        rows = xlsx_table(get(client, county.users[role], "orgs:members", node, format="xlsx", ids="full"))[1]
        assert person.id_number not in [r[5] for r in rows] and person.id_number_masked in [r[5] for r in rows]
    assert AuditEvent.objects.filter(action="export.xlsx", actor_name="auditor_甲").get().after["full_ids"] is False


def test_export_names_the_node_and_date(client, county):
    export = get(client, county.users["org_admin"], "orgs:members", county.branch, format="xlsx", on="2025-07-01")
    disposition = export["Content-Disposition"]
    assert "attachment" in disposition
    from urllib.parse import unquote

    assert "甲园社区党支部_党员名册_20250701.xlsx" in unquote(disposition)


@pytest.mark.parametrize("name", ["orgs:members", "orgs:list"])
def test_exports_do_not_cross_subtrees(client, county, name):
    for role, user in county.users.items():
        for fmt in ({}, {"format": "xlsx"}):
            assert get(client, user, name, world_b(county), **fmt).status_code == 404, role
    secretary = county.users["secretary"]
    assert get(client, secretary, name, county.county, format="xlsx").status_code == 404
    rows = xlsx_table(get(client, secretary, name, county.branch, format="xlsx"))[1]
    assert rows and not any("乙" in cell for r in rows for cell in r)


def world_b(county):
    from jiceng.orgs.models import Organization

    return Organization.objects.get(name="乙园社区党支部")


def test_every_figure_links_to_its_list(client, county):
    """filters.list_url is what a dashboard number links to: following it counts the figure."""
    from jiceng.orgs.filters import list_url

    client.force_login(county.users["org_admin"])
    counts = rollups.counts(county.county)
    keys = [k for k in counts if k.partition(":")[0] in {"status", "gender", "sector", "education", "ethnicity",
                                                         "kind", "org_sector"}]
    bands = figures.tables(counts)["age"]
    for key, n in [(k, counts[k]) for k in keys] + [(f"age:{i}", n) for i, (_, n) in enumerate(bands)]:
        url = list_url(county.county, key)
        page = client.get(url.replace("?", "?format=xlsx&"))
        assert len(xlsx_table(page)[1]) == n, (key, url)
    assert list_url(county.county, "owes:branch") is None
    assert "on=2025-07-01" in list_url(county.county, "status:full", on=datetime.date(2025, 7, 1))

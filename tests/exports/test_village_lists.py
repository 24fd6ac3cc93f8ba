"""The village lists that export (村务决策 matters, 村务监督委员会, 村级集体经济 by village and a village's
income entries, 换届日历, 软弱涣散村整顿): each xlsx read back equals the page's table where the
page shows it with the same declaration, has the expected rows otherwise, and none is readable
from the sibling county."""

import datetime

import pytest
from django.urls import reverse

from jiceng.core.models import AuditEvent
from jiceng.economy import services as economy_services
from jiceng.village import services as village_services
from jiceng.village.models import Supervisor

from .. import builders as b
from ..cadres import matrix as cadres_matrix
from ..economy import matrix as economy_matrix
from ..village import helpers as village_helpers
from ..village import matrix as village_matrix
from .helpers import page_table, xlsx_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(world):
    """In 甲县 and 乙县 alike: a village with a matter, a current and a past supervisor, income
    entries (one corrected), an election scheduled and a village named for rectification."""
    for side in (world.a, world.b):
        village_matrix.objects(side)
        village = village_helpers.village(side)
        past = village_services.appoint_supervisor(
            None, village, b.user(f"jiandu2_{side.county.name}", "auditor", village), on=datetime.date(2024, 1, 2))
        village_services.end_supervisor(None, past, on=datetime.date(2025, 1, 2), reason="外出务工",
                                        today=datetime.date(2025, 1, 2))
        economy_matrix.objects(side)
        entry = village.income_entries.get()
        economy_services.correct_income(None, entry, source="operating", amount="32000", note="补记",
                                        reason="漏记一笔")
        cadres_matrix.objects(side)
        side.village = village
    return world


def _xlsx(client, name, org, params):
    return xlsx_table(client.get(reverse(name, args=[org.pk]), {**params, "format": "xlsx"}))


LISTS = [("village:matters", {}, ["甲县修建村道"]), ("economy:list", {"year": 2025}, ["甲溪村"])]


@pytest.mark.parametrize("name,params,first_column", LISTS)
def test_xlsx_equals_the_page(client, lists, name, params, first_column):
    client.force_login(lists.a.users["org_admin"])
    org = lists.a.village if name.startswith("village") else lists.a.street
    headers, rows = page_table(client.get(reverse(name, args=[org.pk]), params))
    assert [r[0] for r in rows] == first_column
    assert _xlsx(client, name, org, params) == (headers, rows)
    assert AuditEvent.objects.filter(action="export.xlsx", object_id=str(org.pk)).exists()


def test_matters_and_villages_by_income_columns(client, lists):
    client.force_login(lists.a.users["org_admin"])
    headers, rows = _xlsx(client, "village:matters", lists.a.village, {})
    assert dict(zip(headers, rows[0])) == {
        "事项": "甲县修建村道", "提出日期": "2025-03-03", "类别": "村级公益事业建设", "涉及金额（元）": "80000.00",
        "程序": "四议两公开", "必须经四议两公开": "重大事项类别、金额达 50000 元", "状态": "进行中"}
    headers, rows = _xlsx(client, "economy:list", lists.a.street, {"year": 2025})
    row = dict(zip(headers, rows[0]))
    assert row["收入合计"] == "32000.00" and row["经营收入"] == "32000.00" and row["薄弱村"] == "薄弱"
    assert headers[4:] == ["决策中", "已决议待公开", "已公开决议、实施中", "结果已公开", "已终止", "监督意见未答复"]
    # the matter was proposed in 2025 and its objection is unanswered
    assert sum(int(row[h]) for h in headers[4:9]) == 1 and row["监督意见未答复"] == "1"


def test_supervisors_xlsx_has_current_and_past(client, lists):
    client.force_login(lists.a.users["org_admin"])
    url = reverse("village:supervisors", args=[lists.a.village.pk])
    page_headers, page_rows = page_table(client.get(url))
    headers, rows = xlsx_table(client.get(url, {"format": "xlsx"}))
    assert headers == page_headers == ["成员", "任职日期", "离任日期", "离任原因", "办理人"]
    assert page_rows == [r for r in rows if r[2]]  # the page's table: past members, as in the xlsx
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("jiandu_甲县", "", ""), ("jiandu2_甲县", "2025-01-02", "外出务工")]
    assert Supervisor.objects.filter(village=lists.a.village).count() == 2


def test_income_entries_xlsx(client, lists):
    client.force_login(lists.a.users["org_admin"])
    url = reverse("economy:village", args=[lists.a.village.pk])
    assert "format=xlsx" in client.get(url, {"year": 2025}).content.decode()
    headers, rows = xlsx_table(client.get(url, {"year": 2025, "format": "xlsx"}))
    assert headers == ["年度", "条目", "金额", "说明", "录入人", "录入时间", "更正", "更正原因"]
    assert [(r[2], r[3], r[6], r[7]) for r in rows] == [
        ("32000.00", "补记", "更正原条目（经营收入 30000.00 元）", "漏记一笔"),
        ("30000.00", "甲县经营", "已更正为 经营收入 32000.00 元", "")]


def test_term_calendar_and_rectification_xlsx(client, lists):
    client.force_login(lists.a.users["org_admin"])
    county = lists.a.county
    page = client.get(reverse("cadres:terms", args=[county.pk])).content.decode()
    headers, rows = _xlsx(client, "cadres:terms", county, {})
    assert headers == ["村", "所属乡镇（街道）", "上次换届", "任期届满", "状态"]
    assert rows == [["甲溪村", "甲城街道", "", "", "未记录换届"]] and "未记录换届" in page
    headers, rows = _xlsx(client, "cadres:rectification", county, {})
    assert headers == ["村", "所属乡镇（街道）", "认定年度", "认定原因", "销号日期",
                       "县级领导包联", "乡镇领导包村", "第一书记", "结对帮扶单位"]
    assert rows == [["甲溪村", "甲城街道", "2026", "甲县组织生活不正常", "",
                     "甲某（县委常委）（2026-03-05起）", "缺", "缺", "缺"]]


NAMES = [("village:matters", "village"), ("village:supervisors", "village"), ("economy:list", "street"),
         ("economy:village", "village"), ("cadres:terms", "county"), ("cadres:rectification", "county")]


@pytest.mark.parametrize("name,node", NAMES)
def test_no_export_from_the_sibling_county(client, lists, name, node):
    for role, user in lists.a.users.items():
        client.force_login(user)
        foreign = client.get(reverse(name, args=[getattr(lists.b, node).pk]), {"format": "xlsx"})
        assert foreign.status_code in (302, 404), role
        assert foreign.status_code == 404 or not foreign.get("Content-Disposition"), role

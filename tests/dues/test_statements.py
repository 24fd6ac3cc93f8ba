import datetime
import io

import pytest
from openpyxl import load_workbook

from jiceng.dues import exports, services

from .conftest import profile

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 20)


@pytest.fixture
def year(branch):
    one, two = branch.members[0].person, branch.members[1].person
    profile(one, income="5400")
    profile(two, "retired", "4000")
    for m in range(1, 4):
        services.run_month(None, branch.branch, datetime.date(2026, m, 1), today=TODAY)
    services.record_payment(None, one, first_month=datetime.date(2026, 1, 1), months_count=2, method="cash",
                            paid_on=datetime.date(2026, 2, 3), today=TODAY)
    return one, two


def test_member_statement_read_back(year):
    one, _ = year
    ws = load_workbook(io.BytesIO(exports.member_statement(one, 2026))).active
    assert ws.title == "甲一2026年党费"
    assert [c.value for c in ws[1]] == ["月份", "类别", "基数（元）", "比例", "应交（元）", "实交（元）", "交纳日期", "减免"]
    assert [c.value for c in ws[2]] == ["2026-01", "在职党员（按月税后工资收入）", 5400, 0.015, 81, 81,
                                        datetime.datetime(2026, 2, 3), None]
    assert [c.value for c in ws[3]][4:7] == [81, 81, datetime.datetime(2026, 2, 3)]
    assert [c.value for c in ws[4]][4:7] == [81, 0, None]          # March: owed, not paid
    assert [c.value for c in ws[5]][:2] == ["2026-04", "未核定"]
    assert [c.value for c in ws[14]] == ["合计", None, None, None, 243, 162, None, None]


def test_org_statement_read_back(year, branch):
    wb = load_workbook(io.BytesIO(exports.org_statement(branch.county, 2026)))
    assert wb.sheetnames == ["党员明细", "按党支部", "按下级组织"]
    detail = [[c.value for c in row] for row in wb["党员明细"].iter_rows()]
    assert detail[0] == ["党支部", "姓名", *[f"{m}月" for m in range(1, 13)], "应交合计（元）", "实交合计（元）", "未交（元）"]
    # members by pinyin: 甲二 (jia er) before 甲一 (jia yi)
    assert detail[1] == ["甲园社区党支部", "甲二", 20, 20, 20, *[None] * 9, 60, 0, 60]
    assert detail[2] == ["甲园社区党支部", "甲一", 81, 81, 81, *[None] * 9, 243, 162, 81]
    assert len(detail) == 3
    assert [[c.value for c in r] for r in wb["按党支部"].iter_rows()] == [
        ["党支部", "党员数", "应交合计（元）", "实交合计（元）", "未交（元）"], ["甲园社区党支部", 2, 303, 162, 141]]
    subtree = [[c.value for c in r] for r in wb["按下级组织"].iter_rows()]
    assert subtree == [["组织", "党员数", "应交合计（元）", "实交合计（元）", "未交（元）"],
                       ["甲城街道", 2, 303, 162, 141], ["合计（甲县全部）", 2, 303, 162, 141]]


def test_nothing_outside_the_year(year, branch):
    ws = load_workbook(io.BytesIO(exports.org_statement(branch.county, 2025)))["党员明细"]
    assert ws.max_row == 1

"""The yearly statistics (党内统计) on a hand-built county where every number is known: the
workbook read back cell by cell, its traceability, the page, the command, and the
consistency check catching a history edited by hand."""

import datetime
import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import resolve
from openpyxl import load_workbook

from jiceng.orgs import services as org_services
from jiceng.people import services as people_services
from jiceng.people.models import MembershipPeriod
from jiceng.reports import checks, figures, workbook

from tests import builders as b

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = 2025


@pytest.fixture
def county(db):
    """甲县: a street with a working committee and a community branch B1; an enterprise U with
    its own branch B2; an enterprise U2 without an organization; a social organization U3
    with a joint branch J; a branch dissolved in the year and one founded after it. 乙县 lies
    outside: members move between them."""
    province = b.org(None, "浙江省", "province")
    city = b.org(province, "湖州市", "city")
    a = b.org(city, "甲县", "county")
    street = b.org(a, "甲街道", "street", "urban_community")
    b.org(street, "甲街道党工委", "working_committee", "urban_community", founded_on=D(2010, 1, 1))
    community = b.org(street, "甲社区", "community", "urban_community")
    b1 = b.org(community, "甲社区党支部", "branch", "urban_community", founded_on=D(2000, 1, 1))
    u = b.org(a, "甲科技公司", "unit", "non_public_enterprise")
    b2 = b.org(u, "甲科技公司党支部", "branch", "non_public_enterprise", founded_on=D(2012, 1, 1))
    b.org(a, "乙贸易公司", "unit", "non_public_enterprise")
    u3 = b.org(a, "甲行业协会", "unit", "social_organization")
    b.org(u3, "甲协会联合党支部", "joint_branch", "social_organization", founded_on=D(2018, 1, 1))
    gone = b.org(a, "甲旧厂党支部", "branch", "rural", founded_on=D(1990, 1, 1))
    org_services.update_org(None, gone, dissolved_on=D(2025, 5, 1), status="dissolved")
    b.org(a, "甲新区党支部", "branch", "rural", founded_on=D(2026, 1, 10))
    other = b.org(city, "乙县", "county")
    bx = b.org(other, "乙县党支部", "branch")

    m = {}
    m[1] = b.member(b1, "张一", birth=D(1985, 3, 1), education="undergraduate")
    m[2] = b.member(b1, "李二", gender="F", birth=D(1990, 5, 1), ethnicity="回族", education="postgraduate")
    m[3] = b.member(b1, "王三", "probationary", gender="F", birth=D(2000, 1, 9), since=D(2025, 3, 1), education="college")
    m[5] = b.member(b1, "赵五", "probationary", birth=D(1995, 2, 2), since=D(2024, 6, 1), education="high_school")
    people_services.change_status(None, m[5], "full", D(2025, 6, 1), reason="预备期满转为正式党员")
    m[6] = b.member(b1, "钱六", "candidate", birth=D(1998, 7, 7), since=D(2024, 1, 1), education="secondary")
    people_services.change_status(None, m[6], "probationary", D(2025, 4, 1), reason="上级党委批准为预备党员")
    m[7] = b.member(b1, "孙七", birth=D(1975, 1, 1), education="college")
    people_services.move_membership(None, m[7], bx, D(2025, 8, 1), "工作调动")
    m[8] = b.member(bx, "周八", birth=D(1980, 4, 4), education="middle_school")
    people_services.move_membership(None, m[8], b2, D(2025, 9, 1), "工作调动")
    m[9] = b.member(b1, "吴九", birth=D(1950, 1, 1), education="middle_school")
    people_services.change_status(None, m[9], "left", D(2025, 10, 1), reason="去世")
    m[10] = b.member(b2, "郑十", gender="F", birth=D(1970, 8, 8), ethnicity="壮族")
    m[11] = b.member(b2, "冯十一", birth=D(1965, 6, 6), education="college")
    b.member(bx, "陈外", birth=D(1988, 1, 1))  # 乙县 only: never in 甲县's figures
    return {"a": a, "other": other, "b1": b1, "m": m}


def values(ws, row):
    return [c.value for c in ws[row]]


def read(data):
    return load_workbook(io.BytesIO(data))


# -- the workbook, cell by cell ----------------------------------------------------------

def test_members_sheet(county):
    ws = read(workbook.build(county["a"], YEAR))["表一 党员基本情况"]
    assert ws["A1"].value == "甲县党员基本情况统计表（表一）"
    assert ws["A2"].value == "填报单位：甲县"
    assert "截至2025年12月31日" in values(ws, 2)
    assert values(ws, 2)[-1] == "单位：人"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:U1", "A3:A4", "B3:B4", "C3:F3", "G3:M3", "N3:U3"} <= merged
    assert values(ws, 3)[:8] == ["项目", "党员总数", "其中", None, None, None, "学历", None]
    assert values(ws, 4)[2:13] == ["正式党员", "预备党员", "女", "少数民族", "大专及以上", "研究生", "大学本科",
                                   "大学专科", "中专", "高中", "初中及以下"]
    assert values(ws, 4)[13] == "30岁及以下" and ws["N3"].value == "年龄"
    #                  total full prob F  min  C+ pg ug co se hs ms | ages ≤30 31-35 36-40 41-45 46-50 51-55 56-60 61+
    assert values(ws, 5) == ["合计", 8, 6, 2, 3, 2, 4, 1, 1, 2, 1, 1, 1, 3, 1, 1, 1, 0, 1, 1, 0]
    assert values(ws, 6)[0] == "农村" and values(ws, 6)[1:] == [0] * 20
    assert values(ws, 7) == ["城市社区", 5, 3, 2, 2, 1, 3, 1, 1, 1, 1, 1, 0, 3, 1, 1, 0, 0, 0, 0, 0]
    assert values(ws, 11) == ["非公有制企业", 3, 3, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0]


def test_development_organizations_coverage_sheets(county):
    wb = read(workbook.build(county["a"], YEAR))
    dev = wb["表二 发展党员情况"]
    assert dev["A1"].value == "甲县发展党员情况统计表（表二）"
    assert {"A3:A4", "B3:B4", "C3:D3", "E3:L3", "M3:S3", "T3:T4"} <= {str(r) for r in dev.merged_cells.ranges}
    #                   dev  F  min | ages ≤30 … 61+     | C+ pg ug co se hs ms | converted
    assert values(dev, 5) == ["合计", 2, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1]
    assert values(dev, 7)[1] == 2 and values(dev, 11)[1] == 0

    orgs = wb["表三 党组织情况"]
    assert values(orgs, 3) == ["项目", "合计", "基层党委", None, "党总支", "党支部", None, None]
    assert values(orgs, 4) == [None, None, "党委", "党工委", None, "小计", "单独组建", "联合党支部"]
    assert {"C3:D3", "F3:H3", "E3:E4"} <= {str(r) for r in orgs.merged_cells.ranges}
    assert values(orgs, 5) == ["合计", 4, 0, 1, 0, 3, 2, 1]      # the dissolved and the 2026 branch left out
    assert values(orgs, 6) == ["农村", 0, 0, 0, 0, 0, 0, 0]
    assert values(orgs, 7) == ["城市社区", 2, 0, 1, 0, 1, 1, 0]
    assert values(orgs, 12) == ["社会组织", 1, 0, 0, 0, 1, 0, 1]

    cover = wb["表四 非公有制企业和社会组织党组织覆盖情况"]
    assert values(cover, 4)[4:7] == ["小计", "单独建立", "联合建立"] and cover["E3"].value == "已建立党组织"
    assert values(cover, 5) == ["合计", 3, 1, 1, 2, 1, 1, 1]
    assert values(cover, 6) == ["非公有制企业", 2, 1, 1, 1, 1, 0, 1]
    assert values(cover, 7) == ["社会组织", 1, 0, 0, 1, 0, 1, 0]
    assert any("近似" in (c.value or "") for c in cover["A"])


def test_check_sheet_balances_and_explains_blank_education(county):
    ws = read(workbook.build(county["a"], YEAR))["核对"]
    balance = {ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(5, 14)}
    assert balance == {"上年末党员数": 7, "增加：发展（接收为预备党员）": 2, "增加：从本组织以外转入": 1,
                       "增加：其他增加（登记、凭介绍信转入等）": 0, "减少：转出到本组织以外": 1,
                       "减少：出党、去世、取消预备党员资格等": 1, "按记录应有年末党员数": 8,
                       "实际年末党员数（表一合计）": 8, "差额": 0}
    rows = [values(ws, r) for r in range(17, ws.max_row + 1)]
    # 郑十 has no education: the bands of 表一 (合计 and 非公 rows) and 表二 (none admitted) fall short.
    assert [r[3] for r in rows] == ["'表一 党员基本情况'!B5", "'表一 党员基本情况'!B11"]
    assert all(r[6] == 1 and r[7] == "已解释：学历未填写 1 人，不计入学历各栏" for r in rows)


def test_traceability_every_cell_lists_its_rows(county):
    """The hidden 来源 sheet names, for every figure, a list; run with the same filters, each
    list holds exactly that many rows."""
    a = county["a"]
    wb = read(workbook.build(a, YEAR, base_url="https://jc.example"))
    src = wb[workbook.SOURCE_SHEET]
    assert src.sheet_state == "hidden"
    entries = list(src.iter_rows(min_row=2, values_only=True))
    assert len(entries) == 10 * 20 + 10 * 19 + 10 * 7 + 3 * 7  # rows × columns of the four tables
    sheets = {(sheet, ref): value for sheet, ref, *_, value, _ in entries}
    for (sheet, ref), value in list(sheets.items())[:40]:
        assert wb[sheet][ref].value == value
    assert wb["表一 党员基本情况"]["B5"].hyperlink.target == \
        f"https://jc.example/orgs/{a.pk}/members/?status=party&on=2025-12-31"
    tables = {"表一": "members", "表二": "development", "表三": "organizations", "表四": "coverage"}
    for sheet, ref, row, column, value, link in entries:
        parts = urlsplit(link)
        match = resolve(parts.path)
        query = dict(parse_qsl(parts.query))
        assert int(match.kwargs["org_id"]) == a.pk
        table = query.pop("table", tables[sheet[:2]])
        query.pop("year", None)
        query.pop("on", None)
        if table in ("members", "development"):
            n = figures.member_rows(a, YEAR, query).count()
        else:
            n = figures.org_rows(a, YEAR, table, query).count()
        assert n == value, (sheet, ref, row, column, link)


def test_page_links_each_number_and_lists_behind_them(county):
    a = county["a"]
    client = Client()
    client.force_login(b.user("甲县组织部", "org_admin", a))
    page = client.get(f"/reports/{a.pk}/?year={YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "截至2025年12月31日" in html and "下载 Excel 报表" in html
    assert f'href="/orgs/{a.pk}/members/?status=party&amp;on=2025-12-31"' in html
    assert "学历未填写 1 人" in html
    # The project's own lists reproduce the figures they are linked from.
    listed = client.get(f"/orgs/{a.pk}/members/?status=party&on=2025-12-31&gender=F").content.decode()
    assert "共 3 人" in listed and "李二" in listed and "郑十" in listed
    assert client.get(f"/orgs/{a.pk}/list/?kind=joint_branch&on=2025-12-31").status_code == 200
    rows = client.get(f"/reports/{a.pk}/rows/?year={YEAR}&table=members&status=party&ethnicity=minority")
    assert rows.status_code == 200 and "李二" in rows.content.decode() and "郑十" in rows.content.decode()
    assert "共 2 人" in rows.content.decode()
    dev = client.get(f"/reports/{a.pk}/rows/?year={YEAR}&table=development&admitted={YEAR}")
    assert "王三" in dev.content.decode() and "钱六" in dev.content.decode() and "共 2 人" in dev.content.decode()
    cover = client.get(f"/reports/{a.pk}/rows/?year={YEAR}&table=coverage&kind=unit"
                       "&sector=non_public_enterprise&party=none")
    assert "乙贸易公司" in cover.content.decode() and "共 1 个" in cover.content.decode()
    download = client.get(f"/reports/{a.pk}/xlsx/?year={YEAR}")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert read(download.content)["表一 党员基本情况"]["B5"].value == 8


def test_bad_year_and_filters_say_what_is_wrong(county):
    a = county["a"]
    client = Client()
    client.force_login(b.user("甲县组织部", "org_admin", a))
    for year in ("1900", "abc", "3000", "２０２５"):
        r = client.get(f"/reports/{a.pk}/?year={year}")
        assert r.status_code == 400 and "年份" in r.content.decode() and "无效" in r.content.decode()
    assert client.get(f"/reports/{a.pk}/xlsx/?year=1900").status_code == 400
    r = client.get(f"/reports/{a.pk}/rows/?year={YEAR}&table=members&education=phd")
    assert r.status_code == 400 and "education" in r.content.decode()


def test_outside_the_grant_is_not_found(county):
    client = Client()
    client.force_login(b.user("乙县组织部", "org_admin", county["other"]))
    for path in ("", "xlsx/", "rows/?table=members"):
        assert client.get(f"/reports/{county['a'].pk}/{path}").status_code == 404


def test_command_writes_the_workbook(county, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    call_command("report", "--org", str(county["a"].pk), "--year", str(YEAR), "-o", str(out))
    assert "年末党员 8 人" in capsys.readouterr().out
    assert load_workbook(out)["表一 党员基本情况"]["B5"].value == 8


# -- the consistency check ---------------------------------------------------------------

def test_a_span_edited_by_hand_breaks_the_balance(county):
    """Someone shortens 张一's open span in the database (no transfer, no status change):
    his membership ends mid-year with nothing after it. The closing figure drops by one, and
    the check names him as the movement no record explains."""
    zhang = county["m"][1]
    MembershipPeriod.objects.filter(person=zhang.person, end__isnull=True).update(end=D(2025, 7, 1))
    a = county["a"]
    movements = checks.flows(a, YEAR)
    assert (movements.opening, movements.expected, movements.closing, movements.difference) == (7, 8, 7, -1)
    findings = [f for f in checks.run(figures.compute(a, YEAR), movements) if f.table == "党员增减平衡"]
    assert len(findings) == 1 and not findings[0].explained
    assert "张一（2025-07-01" in findings[0].explanation and findings[0].difference == -1
    ws = read(workbook.build(a, YEAR))["核对"]
    assert (ws["A12"].value, ws["E12"].value, ws["A13"].value, ws["E13"].value) == ("实际年末党员数（表一合计）", 7, "差额", -1)
    listed = [values(ws, r) for r in range(17, ws.max_row + 1)]
    assert any(r[1] == "党员增减平衡" and r[6] == -1 and r[7].startswith("未解释") for r in listed)
    assert read(workbook.build(a, YEAR))["表一 党员基本情况"]["B5"].value == 7


def test_overlapping_spans_are_reported(county):
    """A second open span for 李二 (entered twice): she is counted twice at year end."""
    li = county["m"][2]
    span = MembershipPeriod.objects.get(person=li.person, end__isnull=True)
    MembershipPeriod.objects.create(person=li.person, org=span.org, status="full", start=D(2025, 2, 1), reason="")
    findings = checks.run(figures.compute(county["a"], YEAR))
    texts = [f.explanation for f in findings if f.table == "党员增减平衡"]
    assert any("记录重叠" in t for t in texts)
    assert any("李二" in t for t in texts)  # the extra span begins with nothing before it


def test_last_year_closing_is_this_year_opening(county):
    assert checks.flows(county["a"], YEAR).opening == checks.flows(county["a"], YEAR - 1).closing == 7
    assert figures.compute(county["a"], YEAR - 1).tables[0].rows[0].cells[0].value == 7

"""A county officer on a phone: the village's cadres page, a candidate's joint review
with one failing department, and the station page with its log."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiceng.cadres import services
from jiceng.cadres.models import Candidate, Station

from tests import builders as b
from tests.web.test_browser import browser_page, log_in  # noqa: F401  (fixture)

from .matrix import village_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/cadres")
D = datetime.date


def test_phone_pages(world, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    village = village_of(world.a)
    branch = b.org(village, "甲溪村党支部", "branch", "rural")
    person = b.member(branch, "甲溪候选").person
    election = services.schedule_election(None, village, D(2026, 3, 1))
    candidate = services.add_candidate(None, election, person, Candidate.COMMITTEE)
    services.record_review(None, candidate, "court", True, "无刑事处罚记录", D(2026, 1, 5))
    services.record_review(None, candidate, "police", False, "涉恶处理未满5年", D(2026, 1, 5))
    services.submit_filing(None, village, person, D(2026, 1, 6))
    station = services.station(None, village, world.a.members[3].person, Station.FIRST_SECRETARY, "县农业农村局",
                               D(2025, 1, 1), D(2026, 12, 31))
    services.log_work(None, station, D(2025, 2, 3), "走访农户")

    page = browser_page
    log_in(page, live_server, world.a.users["org_admin"])
    page.goto(f"{live_server.url}/orgs/{village.pk}/")
    page.get_by_role("link", name="村干部").click()
    expect(page.locator("h1")).to_have_text("村干部 · 甲溪村")
    page.screenshot(path=SHOTS / "village.png", full_page=True)
    page.get_by_role("link", name="甲溪候选").click()
    page.get_by_role("button", name="准予参选").click()
    expect(page.locator("body")).to_contain_text("未通过：公安")
    page.screenshot(path=SHOTS / "candidate.png", full_page=True)
    page.goto(f"{live_server.url}/cadres/stations/{station.pk}/")
    page.screenshot(path=SHOTS / "station.png", full_page=True)
    page.goto(f"{live_server.url}/cadres/orgs/{world.a.county.pk}/")
    expect(page.locator("body")).to_contain_text("待办理的书记备案（1）")
    page.screenshot(path=SHOTS / "county.png", full_page=True)


def test_phone_term_calendar_and_four_pairings(world, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    village = village_of(world.a)
    services.record_held(None, village, D(2021, 3, 1), "张某当选", D(2026, 11, 29))
    naming = services.name_village(None, village, 2026, D(2026, 3, 1), "组织生活不正常", "甲县委组织部")
    page = browser_page
    log_in(page, live_server, world.a.users["org_admin"])
    page.goto(f"{live_server.url}/cadres/orgs/{world.a.county.pk}/")
    page.get_by_role("link", name="换届日历").click()
    expect(page.locator("tbody")).to_contain_text("2021-03-01")
    page.screenshot(path=SHOTS / "terms.png", full_page=True)
    page.get_by_role("link", name="软弱涣散村整顿").click()
    expect(page.locator("body")).to_contain_text("缺县级领导包联：1 个村")
    page.get_by_role("link", name="甲溪村").click()
    page.get_by_label("包联类型").select_option("county_leader")
    page.get_by_label("姓名职务或单位名称").fill("陈某（县委常委）")
    page.get_by_label("开始日期").fill("2026-03-05")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("已落实县级领导包联：陈某（县委常委）")
    page.screenshot(path=SHOTS / "naming.png", full_page=True)
    assert naming.pairings.get().name == "陈某（县委常委）"

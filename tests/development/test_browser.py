"""A branch secretary on a phone: the dashboard, a person's record, a step form with mentors."""

import datetime
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiceng.development import services
from tests.web.test_browser import browser_page, log_in  # noqa: F401  (fixture)

from .conftest import applicant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "var/screenshots")) / "development"
D = datetime.date


def test_secretary_takes_a_step_on_a_phone(world, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    full = [m.person for m in world.a.members]
    late = applicant(world.a.branch, "甲晚", D(2024, 3, 1))
    case = applicant(world.a.branch, "甲积", D(2023, 1, 5))
    services.record_talk(None, case, on=D(2023, 1, 10), talker=full[0], note="了解入党动机")
    page = browser_page
    log_in(page, live_server, world.a.users["secretary"])
    page.goto(f"{live_server.url}/orgs/{world.a.branch.pk}/")
    page.get_by_role("link", name="发展党员").click()
    expect(page.locator("h1")).to_have_text("甲园社区党支部 · 发展党员")
    expect(page.locator("tr.overdue")).to_contain_text("甲晚")
    page.screenshot(path=SHOTS / "dashboard.png", full_page=True)

    page.get_by_role("link", name="甲积").click()
    expect(page.locator("h2").first).to_have_text("下一步：确定为入党积极分子")
    page.get_by_role("link", name="确定为入党积极分子").click()
    page.get_by_label("日期").fill("2023-02-01")
    page.get_by_label("甲二").check()
    page.get_by_label("甲三").check()
    page.screenshot(path=SHOTS / "step.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg.success")).to_contain_text("已记录 甲积：确定为入党积极分子")
    expect(page.locator(".timeline")).to_contain_text("培养联系人：甲二、甲三")
    page.screenshot(path=SHOTS / "record.png", full_page=True)

    page.get_by_role("link", name="确定为发展对象").click()
    page.get_by_label("日期").fill("2023-06-01")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error").first).to_contain_text("须在 2024-02-01 及以后方可确定为发展对象")
    page.screenshot(path=SHOTS / "refused.png", full_page=True)
    assert late.person.name == "甲晚"

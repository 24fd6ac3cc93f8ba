"""A real browser drills down the dashboard three levels by clicking the children's table,
then opens the big screen; screenshots of both go to the test's tmp dir (and to
$JICENG_SCREENSHOTS when set)."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import browser_page, log_in  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def keep(path):
    target = os.environ.get("JICENG_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def test_drill_down_three_levels_and_the_big_screen(world, live_server, browser_page, tmp_path):  # noqa: F811
    page = browser_page
    log_in(page, live_server, world.a.users["org_admin"])
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("h1")).to_have_text("甲县")
    for name in ("甲城街道", "甲园社区", "甲园社区党支部"):
        page.locator("table.children").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("h1")).to_have_text(name)
    # 甲园社区党支部: four full members (tests/conftest.py world), the number links to them.
    expect(page.locator(".kpi").first).to_contain_text("4")
    assert "乙" not in page.content()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="甲城街道").click()  # the breadcrumb goes up
    expect(page.locator("h1")).to_have_text("甲城街道")
    page.wait_for_selector(".chart canvas")
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.get_by_role("link", name="大屏模式").click()
    expect(page.locator("body.screen h1")).to_contain_text("甲城街道")
    page.wait_for_selector(".chart canvas")
    page.screenshot(path=tmp_path / "screen.png")
    for shot in ("dashboard.png", "screen.png"):
        assert (tmp_path / shot).stat().st_size > 10_000
        keep(tmp_path / shot)

"""A phone-sized browser: a village secretary enters income and sees the trend; the county sees the list."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from jiceng.economy import services

from tests.web.test_browser import browser_page, log_in  # noqa: F401  (fixture)

from .conftest import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/economy")


def test_secretary_enters_income_and_county_sees_the_list(county, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    village = county.villages["上村"]
    for year, amount in ((2023, "42000"), (2024, "61000"), (2025, "38000")):
        services.record_income(None, village=village, year=year, source="operating", amount=amount, today=TODAY)
    services.add_cooperative(None, village=village, name="上村果蔬专业合作社")
    page = browser_page
    log_in(page, live_server, county.users["village_secretary"])
    page.goto(f"{live_server.url}/economy/villages/{village.pk}/income/")
    page.get_by_label("金额（元）").fill("1500")
    page.get_by_label("说明").fill("村集体仓库出租")
    page.get_by_label("来源").select_option("leasing")
    page.get_by_role("button", name="录入").click()
    expect(page.locator("body")).to_contain_text("村集体仓库出租")
    page.goto(f"{live_server.url}/economy/villages/{village.pk}/?year=2025")
    page.screenshot(path=SHOTS / "village.png", full_page=True)
    page.context.clear_cookies()
    log_in(page, live_server, county.users["county_admin"])
    page.goto(f"{live_server.url}/economy/orgs/{county.county.pk}/?year=2025")
    expect(page.locator("table.rows").first).to_contain_text("薄弱")
    page.screenshot(path=SHOTS / "list.png", full_page=True)

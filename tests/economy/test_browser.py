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


def test_secretary_corrects_an_entry_and_sees_the_history(county, live_server, browser_page):  # noqa: F811
    import datetime
    import os

    shots = Path(os.environ.get("JICENG_SCREENSHOTS", "/tmp/shots/h-village"))
    shots.mkdir(parents=True, exist_ok=True)
    village = county.villages["上村"]
    year = datetime.date.today().year
    services.record_income(county.users["village_secretary"], village=village, year=year, source="operating",
                           amount="30000", note="果园承包")
    wrong = services.record_income(county.users["village_secretary"], village=village, year=year,
                                   source="operating", amount="12500.50", note="仓库租金")
    page = browser_page
    log_in(page, live_server, county.users["village_secretary"])
    page.goto(f"{live_server.url}/economy/entries/{wrong.pk}/correct/")
    page.locator("select[name=source]").select_option("leasing")
    page.locator("input[name=amount]").fill("10500.50")
    page.locator("input[name=reason]").fill("来源录错，合同金额为 10500.50 元")
    page.screenshot(path=shots / "income-correct-phone.png", full_page=True)
    page.get_by_role("button", name="更正").click()
    expect(page.locator("body")).to_contain_text("已更正为 资产租赁 10500.50 元")
    expect(page.locator("body")).to_contain_text("40500.50")  # 30000 + 10500.50, by hand
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=shots / "income-corrections-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    page.screenshot(path=shots / "income-corrections-desktop.png", full_page=True)

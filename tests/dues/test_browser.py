"""A branch secretary on a phone: the branch's month, recording a payment, a member's dues
page and the subtree's arrears; a member's own dues page. Screenshots in JICENG_SCREENSHOTS."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiceng.dues import months, services
from jiceng.dues.models import Payment

from tests.web.test_browser import browser_page, log_in  # noqa: F401  (fixture)

from .conftest import profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "var/screenshots")) / "dues"


def test_secretary_records_dues_on_a_phone(world, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    side, page = world.a, browser_page
    this_month = months.first(timezone.localdate())
    for m, income in zip(side.members, ["5400", "3000", "12000", "4500"]):
        profile(m.person, income=income, on=datetime.date(2020, 1, 1))
    for i in range(7, 0, -1):
        services.run_month(None, side.county, months.add(this_month, -i))
    log_in(page, live_server, side.users["secretary"])
    page.get_by_role("link", name="甲园社区党支部").click()
    page.get_by_role("link", name="党费", exact=True).click()
    page.get_by_role("link", name="核定本月党费").click()
    page.get_by_role("button", name="核定").click()
    expect(page.locator(".msg.success")).to_contain_text("新增 4 人")
    page.screenshot(path=SHOTS / "branch_month.png", full_page=True)

    page.get_by_role("row", name="甲一").get_by_role("link", name="记录交纳").click()
    page.get_by_label("方式").select_option("transfer")
    page.get_by_label("收据号/转账凭证号").fill("WX-0001")
    page.screenshot(path=SHOTS / "pay_form.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg.success")).to_contain_text("已记录交纳 81.00 元")
    assert Payment.objects.get().reference == "WX-0001"
    page.screenshot(path=SHOTS / "member.png", full_page=True)

    page.goto(f"{live_server.url}/dues/orgs/{side.branch.pk}/arrears/")
    expect(page.locator(".card.warn h2")).to_contain_text("连续 6 个月未交党费（4 人）")
    page.screenshot(path=SHOTS / "arrears.png", full_page=True)


def test_member_sees_own_dues_on_a_phone(world, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    side, page = world.a, browser_page
    person = side.members[1].person
    profile(person, income="3000", on=datetime.date(2020, 1, 1))
    this_month = months.first(timezone.localdate())
    services.run_month(None, side.branch, months.add(this_month, -1))
    services.record_payment(None, person, first_month=months.add(this_month, -2), months_count=1, method="cash",
                            paid_on=timezone.localdate())
    log_in(page, live_server, side.users["member"])
    page.get_by_role("link", name="我的党费").click()
    expect(page.locator("h1")).to_have_text("我的党费")
    expect(page.locator("main")).to_contain_text("未交 1 个月")
    page.screenshot(path=SHOTS / "mine.png", full_page=True)

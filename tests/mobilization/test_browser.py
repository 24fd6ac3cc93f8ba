"""On a phone: a cadre signs up for a post and records their arrival; the caller's coverage page
updates itself from coverage.json without a reload."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiceng.mobilization import services
from jiceng.mobilization.models import Deployment, Need
from tests.web.test_browser import browser_page, log_in  # noqa: F401  (the phone-sized Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "var/screenshots")) / "mobilization"


def test_sign_up_arrive_and_live_coverage(world, street, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    s, now = street, timezone.now()
    call = services.issue_call(s.secretary, caller=s.street, title="防汛下沉社区", starts_at=now - datetime.timedelta(hours=1),
                               ends_at=now + datetime.timedelta(days=3),
                               needs=[(s.garden, "巡堤", 2), (s.garden, "物资配送", 1), (s.river, "巡堤", 3)])
    page = browser_page
    log_in(page, live_server, s.duty.users[0])
    page.goto(f"{live_server.url}/mobilization/me/")
    expect(page.get_by_role("heading", name="防汛下沉社区")).to_be_visible()
    page.get_by_role("row", name="甲园社区 · 巡堤").get_by_role("button", name="报名").click()
    expect(page.get_by_text("已报名“甲园社区”巡堤")).to_be_visible()
    page.get_by_role("button", name="我已到岗").click()
    expect(page.get_by_text("到岗", exact=False).first).to_be_visible()
    page.screenshot(path=SHOTS / "mine.png", full_page=True)
    assert Deployment.objects.get(person=s.duty.people[0]).arrived_at is not None

    page.context.clear_cookies()
    log_in(page, live_server, s.secretary)
    page.goto(f"{live_server.url}/mobilization/calls/{call.pk}/")
    gate = Need.objects.get(call=call, community=s.garden, role="巡堤")
    row = page.locator(f"tr[data-need='{gate.pk}']")
    expect(row.locator("[data-f=signed]")).to_have_text("1")
    services.sign_up(s.duty.users[1], gate)  # someone signs up while the caller watches
    expect(row.locator("[data-f=signed]")).to_have_text("2", timeout=20_000)
    expect(row.locator("[data-f=gap]")).to_have_text("0")
    expect(page.locator("tr[data-total] [data-f=gap]")).to_have_text("4")
    page.screenshot(path=SHOTS / "coverage.png", full_page=True)

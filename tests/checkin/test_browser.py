"""A member on a phone: from their own page to 我的社区报到, registers with the community where
they live, and claims a task the community published."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiceng.checkin import services
from jiceng.checkin.models import Claim, Task
from tests.web.test_browser import browser_page, log_in  # noqa: F401  (the phone-sized Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "var/screenshots")) / "checkin"


def test_member_registers_and_claims_on_a_phone(world, duty, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    services.publish_task(duty.community_secretary, community=duty.community, kind=Task.WISH,
                          title="帮独居老人买药", on=today + datetime.timedelta(days=1), slots=1, place="甲园小区5幢")
    services.publish_task(duty.community_secretary, community=duty.community, kind=Task.VOLUNTEER,
                          title="垃圾分类宣传", on=today + datetime.timedelta(days=3), slots=4, place="小区广场")
    page = browser_page
    log_in(page, live_server, duty.users[0])
    page.get_by_role("link", name="我的社区报到").click()
    expect(page.locator("h1")).to_have_text("我的社区报到")
    page.get_by_label("居住地社区（村）").select_option(label="甲园社区")
    page.get_by_role("button", name="报到").click()
    expect(page.get_by_text("已到“甲园社区”报到")).to_be_visible()
    page.get_by_role("button", name="认领“帮独居老人买药”").click()
    expect(page.get_by_text("已认领“帮独居老人买药”")).to_be_visible()
    page.screenshot(path=SHOTS / "mine.png", full_page=True)
    claim = Claim.objects.get(person=duty.people[0])
    assert claim.task.title == "帮独居老人买药" and claim.status == Claim.CLAIMED

    # the community confirms the hours; the member sees them on the phone
    services.confirm_service(duty.community_secretary, claim, hours=2, today=claim.task.on)
    page.reload()
    expect(page.get_by_text("2.0 小时（1 次）")).to_be_visible()
    page.screenshot(path=SHOTS / "mine-hours.png", full_page=True)


def test_community_pages_on_a_phone(world, duty, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    for user, person in zip(duty.users, duty.people):
        services.register(user, person=person, community=duty.community)
    task = services.publish_task(duty.community_secretary, community=duty.community, kind=Task.VOLUNTEER,
                                 title="楼道清扫", on=timezone.localdate(), slots=3, place="3号楼")
    services.claim(duty.users[0], task)
    services.register_unit(duty.community_secretary, community=duty.community, org=duty.bureau,
                           resources="会议室\n志愿者")
    page = browser_page
    log_in(page, live_server, duty.community_secretary)
    page.goto(f"{live_server.url}/checkin/orgs/{duty.community.pk}/")
    expect(page.locator("h1")).to_have_text("双报到 · 甲园社区")
    page.screenshot(path=SHOTS / "community.png", full_page=True)
    page.get_by_role("link", name="楼道清扫").click()
    page.get_by_label("时长（小时）").fill("2.5")
    page.get_by_role("button", name="确认服务").click()
    expect(page.get_by_text("已确认张文的服务")).to_be_visible()
    page.screenshot(path=SHOTS / "task.png", full_page=True)
    page.context.clear_cookies()
    log_in(page, live_server, duty.workplace_secretary)
    page.goto(f"{live_server.url}/checkin/orgs/{duty.branch.pk}/")
    expect(page.get_by_role("cell", name="2.5")).to_be_visible()
    page.screenshot(path=SHOTS / "workplace.png", full_page=True)

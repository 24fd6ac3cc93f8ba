"""A secretary on a phone sends a member to another branch by searching for it; the receiving
secretary accepts; anyone checks a letter's code. Screenshots go to /tmp/shots/transfers/ (or
JICENG_SCREENSHOTS)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jiceng.people.models import Membership
from jiceng.transfers import services
from jiceng.transfers.models import Transfer
from tests.web.test_browser import browser_page, log_in  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "/tmp/shots/transfers"))


def test_send_by_search_accept_and_verify_on_a_phone(world, live_server, browser_page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, a, z = browser_page, world.a, world.b
    m = a.members[2]
    log_in(page, live_server, a.users["secretary"])
    page.goto(live_server.url + reverse("people:detail", args=[m.person.pk]))
    page.get_by_role("link", name="转接组织关系").click()
    page.get_by_role("searchbox", name="查找接收党支部").fill("yy")  # pinyin initials of 乙园
    page.get_by_role("button", name="查找").click()
    page.get_by_label("乙县 › 乙城街道 › 乙园社区 › 乙园社区党支部").check()
    page.get_by_label("转接原因").fill("工作调动")
    page.screenshot(path=SHOTS / "send.png", full_page=True)
    page.get_by_role("button", name="转出").click()
    expect(page.locator("p.msg.success")).to_contain_text("待对方接收")
    page.screenshot(path=SHOTS / "detail.png", full_page=True)
    page.goto(live_server.url + reverse("transfers:list", args=[a.branch.pk]))
    page.screenshot(path=SHOTS / "outgoing.png", full_page=True)
    page.get_by_role("button", name=f"退出（{a.users['secretary'].username}）").click()

    log_in(page, live_server, z.users["secretary"])
    page.goto(live_server.url + reverse("transfers:list", args=[z.branch.pk]) + "?dir=in")
    page.screenshot(path=SHOTS / "incoming.png", full_page=True)
    page.get_by_role("link", name=m.person.name).click()
    page.get_by_role("link", name="接收", exact=True).click()
    page.screenshot(path=SHOTS / "accept.png", full_page=True)
    page.get_by_role("button", name="确认接收").click()
    expect(page.locator("p.msg.success")).to_contain_text("党籍已转入")
    assert Membership.objects.get(pk=m.pk).org_id == z.branch.pk
    page.goto(live_server.url + reverse("transfers:register_letter", args=[z.branch.pk]))
    page.screenshot(path=SHOTS / "register_letter.png", full_page=True)

    letter = services.issue_letter(None, a.members[3], "上海市某公司党支部", Transfer.objects.get().sent_on)
    page.goto(live_server.url + reverse("transfers:verify", args=[letter.code]))
    expect(page.locator("p.msg")).to_contain_text(letter.code)
    page.screenshot(path=SHOTS / "verify.png", full_page=True)

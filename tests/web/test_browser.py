"""A real browser: Debian's Chromium driven by Playwright logs in, walks the tree from the
county down to a party group, searches by pinyin initials, opens a member page."""

import os
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "var/screenshots"))


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's database
    # work happens in its own thread, and the fixtures' before the loop starts.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
        yield page
        browser.close()
        # ORM calls made while Playwright's loop runs use a connection of that context:
        # close it here, or PostgreSQL refuses to drop the test database afterwards.
        connections.close_all()


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("correct-horse-battery")
    page.get_by_role("button", name="登录").click()


def test_login_browse_tree_search_and_member_page(world, live_server, browser_page):
    page = browser_page
    log_in(page, live_server, world.a.users["org_admin"])
    page.get_by_role("link", name="甲县").click()
    for name in ("甲城街道", "甲园社区", "甲园社区党支部"):
        page.get_by_role("link", name=name, exact=True).click()
        expect(page.locator("h1")).to_have_text(name)
    page.screenshot(path=SHOTS / "branch.png", full_page=True)
    page.get_by_role("link", name="甲园第一党小组").click()
    expect(page.locator("h1")).to_have_text("甲园第一党小组")

    page.get_by_role("searchbox", name="搜索").fill("jy")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="甲一").click()
    expect(page.locator("h1")).to_have_text("甲一")
    assert "*" in page.locator("text=身份证号码").locator("xpath=..").inner_text()
    page.screenshot(path=SHOTS / "member.png", full_page=True)
    assert (SHOTS / "member.png").stat().st_size > 10_000


def test_secretary_records_a_meeting_with_attendance(world, live_server, browser_page):
    from jiceng.life.models import Meeting

    page = browser_page
    log_in(page, live_server, world.a.users["secretary"])
    page.get_by_role("link", name="甲园社区党支部").click()
    page.get_by_role("link", name="组织生活").click()
    page.get_by_role("link", name="记录会议").click()
    page.get_by_label("类型").select_option("general_assembly")
    page.get_by_label("主题", exact=True).fill("讨论发展对象")
    absent = world.a.members[3].person
    page.get_by_role("group", name=f"{absent.name}（正式党员）").get_by_label("病假").check()
    page.locator("input[name=vote_motion_1]").fill("同意甲某列为发展对象")
    page.locator("input[name=vote_yes_1]").fill("3")
    page.locator("main").get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_have_text("讨论发展对象")
    page.screenshot(path=SHOTS / "meeting.png", full_page=True)  # not before the click: a full-page shot
    # resizes the viewport and Chromium then drops the click
    meeting = Meeting.objects.get(topic="讨论发展对象")
    assert meeting.attendance.get(person=absent).status == "absent_sick"
    assert meeting.votes.get().passed

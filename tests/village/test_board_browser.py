"""The public board on a phone (390×844): a resident reads a resolution and leaves a question."""

import os
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from jiceng.village.models import Disclosure, Question

from tests import builders as b
from tests.web.test_browser import log_in

from .helpers import matter, step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "/tmp/shots/village"))


def test_resident_reads_the_board_and_asks_on_a_phone(world, live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    m = matter(world.a)
    for order in range(1, 6):
        step(m, order)
    disclosure = Disclosure.objects.get(matter=m)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                   locale="zh-CN").new_page()
        page.goto(f"{live_server.url}/village/board/{m.village_id}/")
        expect(page.locator("h1")).to_contain_text("村务公开栏")
        expect(page.get_by_text("修建村道（决议公开）")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        page.screenshot(path=SHOTS / "village-board.png", full_page=True)
        page.get_by_text("我有疑问").tap()
        page.get_by_label("您的问题").fill("何时开工？")
        page.get_by_label("联系电话（选填，不会公开）").fill("13912345678")
        page.get_by_role("button", name="提交问题").tap()
        expect(page.get_by_text("问题已提交")).to_be_visible()
        expect(page.get_by_text("待答复")).to_be_visible()
        assert "13912345678" not in page.content()
        page.screenshot(path=SHOTS / "village-board-asked.png", full_page=True)
        staff = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    locale="zh-CN").new_page()
        log_in(staff, live_server, b.user("cun_sec", "secretary", m.village))
        staff.goto(f"{live_server.url}/village/matters/{m.pk}/")
        expect(staff.get_by_role("heading", name="记录：实施结果公开")).to_be_visible()
        assert staff.evaluate("document.documentElement.scrollWidth") <= 390
        staff.screenshot(path=SHOTS / "village-matter.png", full_page=True)
        browser.close()
    connections.close_all()
    assert Question.objects.get(disclosure=disclosure).phone == "13912345678"

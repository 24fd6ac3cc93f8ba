"""The township's pages for the supervision committee and the mandatory procedure, and the
board's refusal over the question limit, as a person sees them on a desktop and on a phone."""

import datetime
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections
from playwright.sync_api import expect

from jiceng.core import policy, ratelimit
from jiceng.village import services
from jiceng.village.models import Question
from jiceng.village.procedure import LIGHT_NAME

from tests import builders as b
from tests.web.test_browser import log_in

from .helpers import D, matter, step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "/tmp/shots/h-village"))
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def test_supervisors_mandatory_matters_and_the_question_limit(world, live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    cache.clear()
    m = matter(world.a)
    v = m.village
    for order in range(1, 6):
        step(m, order)
    disclosure = m.disclosures.get()
    services.propose(None, v, title="购置村委会办公桌椅", kind="村级日常管理事务", amount="3000", proposed_on=D,
                     template=services.templates().get(name=LIGHT_NAME))
    services.propose(None, v, title="修缮村委会办公楼", kind="村级日常管理事务", amount="90000", proposed_on=D)
    township = b.user("xiang_admin", "org_admin", world.a.street)
    past = b.user("jiandu_old", "auditor", v)
    services.end_supervisor(None, services.appoint_supervisor(township, v, past, on=D), reason="迁出本村",
                            on=D + datetime.timedelta(days=90))
    services.appoint_supervisor(township, v, b.user("jiandu", "auditor", v), on=D + datetime.timedelta(days=90))
    b.user("jiandu_new", "auditor", v)  # a candidate: holds a grant on the village, not yet appointed
    limits = policy.get("village.question_limits")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        for size, viewport in VIEWPORTS.items():
            phone = size == "phone"
            page = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone,
                                       locale="zh-CN").new_page()
            log_in(page, live_server, township)
            page.goto(f"{live_server.url}/village/orgs/{v.pk}/supervisors/")
            expect(page.get_by_role("heading", name="历任成员")).to_be_visible()
            expect(page.get_by_text("迁出本村")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.screenshot(path=SHOTS / f"supervisors-{size}.png", full_page=True)
            page.goto(f"{live_server.url}/village/orgs/{v.pk}/")
            expect(page.get_by_role("cell", name="重大事项类别、金额达 50000 元")).to_be_visible()
            page.screenshot(path=SHOTS / f"matters-{size}.png", full_page=True)
            page.goto(f"{live_server.url}/village/orgs/{v.pk}/propose/")
            page.locator("input[name=title]").fill("出租村集体仓库")
            page.locator("select[name=kind]").select_option("集体资产处置")
            page.locator("select[name=template]").select_option(label=LIGHT_NAME)
            page.get_by_role("button", name="提出").click()
            expect(page.get_by_text("该事项必须经四议两公开")).to_be_visible()
            page.screenshot(path=SHOTS / f"propose-refused-{size}.png", full_page=True)
            page.goto(f"{live_server.url}/village/matters/{m.pk}/")
            expect(page.get_by_text("必须经四议两公开：事项类别")).to_be_visible()
            page.screenshot(path=SHOTS / f"matter-{size}.png", full_page=True)

            resident = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone,
                                           locale="zh-CN").new_page()
            cache.clear()
            for _ in range(limits["per_address"]):  # the live server shares this process's cache
                ratelimit.hit("village.ask:address:127.0.0.1", limits["per_address"], limits["seconds"])
            resident.goto(f"{live_server.url}/village/board/{v.pk}/")
            resident.get_by_text("我有疑问").click()
            resident.get_by_label("您的问题").fill("何时开工？")
            resident.get_by_role("button", name="提交问题").click()
            expect(resident.get_by_role("alert")).to_contain_text("提问过于频繁")
            assert resident.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            resident.screenshot(path=SHOTS / f"board-limited-{size}.png", full_page=True)
        browser.close()
    connections.close_all()
    cache.clear()
    assert not Question.objects.filter(disclosure=disclosure).exists()

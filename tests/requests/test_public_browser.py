"""The public H5 flow on a phone: Debian's Chromium (Playwright) on a 390×844 touch screen
against Django's live server. A resident submits a request with a photo and their location,
sees the tracking number, follows it; the grid worker handles it on their phone; the
resident rates it. Screenshots of every page go to $JICENG_SCREENSHOTS (requests-*.png)."""

import os
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from jiceng.requests.models import Request
from tests.web.test_browser import log_in

from .test_pages import png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JICENG_SCREENSHOTS", "var/screenshots"))


@pytest.fixture
def phone(monkeypatch, city):
    """A new phone-sized browser context for each person: `phone(geolocation=...)` → page."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright's loop (see tests/web)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"],
        )

        def open_page(**options):
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                          locale="zh-CN", **options)
            return context.new_page()

        yield open_page
        browser.close()
        connections.close_all()


def shot(page, name):
    page.screenshot(path=SHOTS / f"requests-{name}.png", full_page=True)


def test_resident_submits_with_photo_and_location_then_follows_and_rates(city, live_server, phone):
    lon, lat = city.points["甲一"]
    resident = phone(geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    resident.goto(f"{live_server.url}/r/")
    expect(resident.locator("h1")).to_have_text("我要反映")
    shot(resident, "submit")

    resident.get_by_role("button", name="提交").tap()  # nothing filled: each field says what is missing
    expect(resident.get_by_text("请选择诉求类别")).to_be_visible()
    expect(resident.get_by_text("请填写手机号码，以便告知办理结果")).to_be_visible()
    shot(resident, "submit-errors")

    resident.get_by_label("诉求类别").select_option(label="市容环境卫生")
    expect(resident.locator("#category-note")).to_contain_text("垃圾清运不及时")
    resident.get_by_label("诉求内容").fill("小区东门垃圾桶满了三天没人清运，气味很大")
    resident.get_by_role("button", name="使用我的位置").tap()
    expect(resident.locator("#locate-status")).to_contain_text("已定位")
    resident.get_by_label("地址或位置说明").fill("幸福小区东门")
    resident.locator("input[name=photos]").set_input_files(
        [{"name": "bins.png", "mimeType": "image/png", "buffer": png(64, 48, (90, 120, 60))}])
    expect(resident.locator("#photo-count")).to_have_text("已选择 1 张照片")
    resident.get_by_label("手机号码").fill("13812345678")
    shot(resident, "submit-filled")
    resident.get_by_role("button", name="提交").tap()

    expect(resident.locator("h1")).to_have_text("已收到您的诉求")
    case = Request.objects.get()
    expect(resident.locator("#tracking-no")).to_have_text(case.tracking_no)
    assert case.owner == city.grids["甲一"] and case.photos.count() == 1
    shot(resident, "submitted")

    resident.get_by_role("link", name="查看办理进度").tap()
    expect(resident.locator("h1")).to_have_text(case.tracking_no)
    expect(resident.get_by_role("cell", name="甲社区一网格")).to_be_visible()
    image = resident.get_by_role("img", name="我上传的照片 1")
    expect(image).to_be_visible()
    # Served to the resident who matched the phone (read once loaded: visible comes first).
    loaded_width = "img => img.complete ? img.naturalWidth : new Promise(done => " \
                   "{ img.onload = () => done(img.naturalWidth); img.onerror = () => done(0); })"
    assert image.evaluate(loaded_width) == 64
    shot(resident, "case")

    # The grid worker, on their phone: one tap to the grid's open requests, accept, resolve.
    worker = phone()
    log_in(worker, live_server, city.users["grid_worker"])
    worker.get_by_role("link", name="接诉即办").tap()
    expect(worker.get_by_text(case.tracking_no)).to_be_visible()
    shot(worker, "queue")
    worker.get_by_role("link", name=case.tracking_no).tap()
    worker.get_by_role("button", name="受理").tap()
    expect(worker.get_by_text("已受理")).to_be_visible()
    shot(worker, "detail-accepted")
    worker.get_by_label("办理结果（群众可以看到）").fill("已联系环卫公司清运，垃圾桶已清空消毒")
    worker.locator("input[name=photos]").set_input_files(
        [{"name": "after.png", "mimeType": "image/png", "buffer": png(64, 48, (40, 150, 200))}])
    worker.get_by_role("button", name="办结", exact=True).tap()
    expect(worker.locator("h1")).to_contain_text("已办结")
    shot(worker, "detail")

    resident.reload()
    expect(resident.locator("section.result")).to_contain_text("已联系环卫公司清运")
    resident.get_by_label("满意", exact=True).check()
    resident.get_by_label("意见或建议（可选）").fill("很及时，谢谢")
    shot(resident, "rate")
    resident.get_by_role("button", name="提交评价").tap()
    expect(resident.get_by_text("感谢您的评价")).to_be_visible()
    shot(resident, "rated")
    case.refresh_from_db()
    assert case.rating == "satisfied" and case.rating_comment == "很及时，谢谢"

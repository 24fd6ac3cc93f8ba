"""The request pages through Django's test client: a resident submits on the public page,
follows the request with the tracking number and phone, staff handle it, the resident rates;
every form's refusal speaks zh-Hans beside its field; nobody outside the scope sees anything."""

import datetime
import re
import struct
import zlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiceng.core import policy
from jiceng.requests import choices, services
from jiceng.requests.models import Request, Summons
from tests import builders as b

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def png(width=8, height=8, rgb=(200, 40, 30)):
    """A small, valid PNG of one colour."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def photo(name="site.png", content=None):
    return SimpleUploadedFile(name, content or png(), content_type="image/png")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the lookup counter per address lives in the cache
    yield
    cache.clear()


def staff(user):
    client = Client()
    client.force_login(user)
    return client


def text(response):
    return response.content.decode()


def field_errors(response, name):
    return [str(e) for e in response.context["form"].errors.get(name, [])]


def intake(city, where="甲一", **fields):
    lon, lat = city.points[where]
    data = {"category": "city_appearance", "description": "小区门口的垃圾三天没人清运了", "location": f"{lon},{lat}",
            "address": "幸福小区 3 号楼东侧", "phone": PHONE, "idempotency_key": "k-" + where}
    return {**data, **fields}


def submit(client, data):
    return client.post(reverse("public:submit"), data)


def filed(city, category="city_appearance", where="甲一", **fields):
    lon, lat = city.points[where] if where else (None, None)
    fields.setdefault("description", "楼道里堆满了杂物，影响通行")
    return services.submit(choices.WEB, category=category, phone=PHONE, lon=lon, lat=lat, **fields)[0]


def track(client, number, phone=PHONE):
    return client.post(reverse("public:track"), {"tracking_no": number, "phone": phone})


# -- the whole loop --------------------------------------------------------------------------------

def test_resident_submits_follows_staff_handle_resident_rates(city):
    resident = Client()
    form = resident.get(reverse("public:submit"))
    assert form.status_code == 200
    page = text(form)
    assert "我要反映" in page and "市容环境卫生" in page and "使用我的位置" in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)

    data = intake(city, idempotency_key=key, photos=photo())
    done = submit(resident, data)
    case = Request.objects.get()
    assert done.status_code == 302 and done.url == reverse("public:submitted", args=[case.tracking_no])
    assert case.owner == city.grids["甲一"] and case.status == choices.ASSIGNED and case.channel == choices.WEB
    assert case.photos.count() == 1 and case.address == "幸福小区 3 号楼东侧"
    shown = text(resident.get(done.url))
    assert f'id="tracking-no">{case.tracking_no}<' in shown and "查看办理进度" in shown
    # A double tap sends the same key: still one request, and the same tracking page.
    again = submit(resident, intake(city, idempotency_key=key))
    assert again.url == done.url and Request.objects.count() == 1

    # Another phone (no session) must prove the pair; a wrong pair says only 未找到.
    other = Client()
    asked = other.get(reverse("public:case", args=[case.tracking_no]))
    assert asked.status_code == 302 and asked.url == f"{reverse('public:track')}?no={case.tracking_no}"
    wrong_phone, wrong_number = track(other, case.tracking_no, "13900000000"), track(other, "250101000000")
    for wrong in (wrong_phone, wrong_number):
        assert wrong.status_code == 200 and "未找到：请核对受理编号和手机号码" in text(wrong)
    assert text(wrong_phone).count("未找到") == text(wrong_number).count("未找到")
    photo_url = reverse("public:photo", args=[case.photos.get().pk])
    assert other.get(photo_url).status_code == 404
    found = track(other, case.tracking_no)
    assert found.status_code == 302 and found.url == reverse("public:case", args=[case.tracking_no])
    progress = text(other.get(found.url))
    assert "待受理" in progress and "甲社区一网格" in progress and "提交诉求" in progress
    assert "评价办理结果" not in progress
    assert other.get(photo_url).status_code == 200 and other.get(photo_url)["Content-Type"] == "image/png"

    # The grid worker finds it in one tap, accepts and resolves it with a photo.
    worker = staff(city.users["grid_worker"])
    queue = text(worker.get(reverse("requests:queue")))
    assert case.tracking_no in queue and "市容环境卫生" in queue and "内须响应" in queue
    detail = text(worker.get(reverse("requests:detail", args=[case.pk])))
    assert "138****5678" in detail and PHONE not in detail and "受理" in detail
    assert worker.get(photo_url).status_code == 200
    accepted = worker.post(reverse("requests:accept", args=[case.pk]))
    assert accepted.status_code == 302
    resolved = worker.post(reverse("requests:resolve", args=[case.pk]),
                           {"result": "已联系环卫清运，现场已清理干净", "photos": [photo("after.png", png(rgb=(30, 160, 60)))]})
    assert resolved.status_code == 302
    case.refresh_from_db()
    assert case.status == choices.RESOLVED and case.photos.filter(stage=choices.PHOTO_RESULT).count() == 1

    # The resident sees the outcome and rates it once.
    progress = text(other.get(found.url))
    assert "已办结" in progress and "已联系环卫清运" in progress and "评价办理结果" in progress
    rated = other.post(found.url, {"rating": choices.BASIC, "comment": "清得挺快"})
    assert rated.status_code == 302
    case.refresh_from_db()
    assert case.rating == choices.BASIC and case.rating_comment == "清得挺快"
    after = text(other.get(found.url))
    assert "基本满意" in after and "评价办理结果" not in after
    twice = other.post(found.url, {"rating": choices.SATISFIED})
    assert "评价过" in text(twice) and field_errors(twice, "rating")


# -- the resident's forms: each refusal beside its field ---------------------------------------------

@pytest.mark.parametrize("fields, field, message", [
    ({"category": ""}, "category", "请选择诉求类别"),
    ({"category": "nope"}, "category", "请从列表中选择诉求类别"),
    ({"description": ""}, "description", "请写明您反映的问题"),
    ({"description": "垃圾"}, "description", "请用至少 5 个字说明诉求内容"),
    ({"phone": ""}, "phone", "请填写手机号码，以便告知办理结果"),
    ({"phone": "12345"}, "phone", "手机号码应为以1开头的11位数字"),
    ({"location": "120.1"}, "location", "定位数据不完整，请重新点“使用我的位置”"),
    ({"location": "abc,30"}, "location", "经度不是数字：'abc'"),
    ({"location": "116.4,39.9"}, "location", "不在受理范围内"),
    ({"photos": [SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")]}, "photos", "第 1 张照片只能是照片（JPG、PNG、WebP）"),
    ({"photos": [SimpleUploadedFile("e.png", b"")]}, "photos", "照片文件是空的，请重新选择"),
])
def test_submit_refusals_are_shown_beside_the_field(city, fields, field, message):
    response = submit(Client(), intake(city, **fields))
    assert response.status_code == 200 and Request.objects.count() == 0
    errors = field_errors(response, field)
    assert any(message in e for e in errors), errors
    assert message.split("：")[0] in text(response)


def test_submit_without_location_waits_for_a_dispatcher(city):
    response = submit(Client(), intake(city, location=""))
    case = Request.objects.get()
    assert response.status_code == 302 and case.status == choices.TRIAGE and case.owner == city.county


def test_too_many_photos_is_refused(city):
    limit = policy.get("requests.photo_max_count", on=timezone.localdate())
    response = submit(Client(), intake(city, photos=[photo(f"{i}.png") for i in range(limit + 1)]))
    assert f"最多上传 {limit} 张照片" in field_errors(response, "photos")[0]


def test_track_refusals(city):
    client = Client()
    empty = track(client, "", "")
    assert field_errors(empty, "tracking_no") == ["请填写受理编号"]
    assert field_errors(empty, "phone") == ["请填写手机号码"]
    assert field_errors(track(client, "1", "555"), "phone") == ["手机号码应为以1开头的11位数字"]


def test_lookups_are_limited_per_session(city):
    case = filed(city)
    limit = policy.get("requests.track_lookups_per_hour", on=timezone.localdate())["session"]
    client = Client()
    for _ in range(limit):
        assert "未找到" in text(track(client, case.tracking_no, "13900000000"))
    refused = track(client, case.tracking_no)  # even the right pair, once over the limit
    assert refused.status_code == 200 and "查询次数过多，请一小时后再试" in text(refused)
    assert track(Client(), case.tracking_no).status_code == 302  # another session still may


def test_rating_refusals(city):
    case = filed(city)
    client = Client()
    track(client, case.tracking_no)
    url = reverse("public:case", args=[case.tracking_no])
    early = client.post(url, {"rating": choices.SATISFIED})
    assert field_errors(early, "rating") == ["诉求办结后才能评价"] and "诉求办结后才能评价" in text(early)
    services.resolve(None, case, "已处理")
    missing = client.post(url, {"comment": "还行"})
    assert field_errors(missing, "rating") == ["请选择满意、基本满意或不满意"]
    assert "请选择满意、基本满意或不满意" in text(missing)


# -- staff: scoping, read-only, every action's refusal -------------------------------------------

def test_another_county_sees_nothing(city):
    case = filed(city, photos=[photo()])
    outsider = staff(city.users["outsider"])
    assert outsider.get(reverse("requests:detail", args=[case.pk])).status_code == 404
    for name in ("accept", "note", "help", "resolve", "dispatch", "merge", "summon"):
        refused = outsider.post(reverse(f"requests:{name}", args=[case.pk]), {"note": "x", "result": "x"})
        assert refused.status_code == 404
    assert case.tracking_no not in text(outsider.get(reverse("requests:queue")))
    assert outsider.get(reverse("public:photo", args=[case.photos.get().pk])).status_code == 404
    case.refresh_from_db()
    assert case.status == choices.ASSIGNED and case.events.count() == 2


def test_the_grid_worker_sees_the_grids_requests_only(city):
    mine, elsewhere = filed(city, where="甲一"), filed(city, where="乙一")
    page = text(staff(city.users["grid_worker"]).get(reverse("requests:queue")))
    assert mine.tracking_no in page and elsewhere.tracking_no not in page
    assert staff(city.users["grid_worker"]).get(reverse("requests:detail", args=[elsewhere.pk])).status_code == 404


def test_a_viewer_without_handle_reads_only(city):
    auditor = staff(b.user("auditor", "auditor", city.county))
    case = filed(city)
    page = text(auditor.get(reverse("requests:detail", args=[case.pk])))
    assert case.description in page and 'action="/requests/' not in page
    refused = auditor.post(reverse("requests:accept", args=[case.pk]))
    assert "您没有权限对该诉求的承办单位执行此操作" in text(refused)
    assert Request.objects.get(pk=case.pk).status == choices.ASSIGNED


def test_queue_tabs_and_lookup_by_number(city):
    admin = staff(city.users["street_admin"])
    late = filed(city, now=timezone.now() - datetime.timedelta(days=30))
    fresh = filed(city, where="甲二")
    services.accept(None, fresh)
    overdue = text(admin.get(reverse("requests:queue"), {"status": "overdue"}))
    assert late.tracking_no in overdue and fresh.tracking_no not in overdue and "响应超时" in overdue
    working = text(admin.get(reverse("requests:queue"), {"status": "accepted"}))
    assert fresh.tracking_no in working and late.tracking_no not in working and "剩 " in working
    found = text(admin.get(reverse("requests:queue"), {"q": fresh.tracking_no}))
    assert fresh.tracking_no in found and late.tracking_no not in found


@pytest.mark.parametrize("action, data, field, message", [
    ("note", {"note": ""}, "note", "请填写办理进展"),
    ("help", {"note": " "}, "note", "请说明需要协助的事项"),
    ("resolve", {"result": ""}, "result", "请填写办理结果"),
    ("resolve", {"result": "已处理", "photos": [SimpleUploadedFile("x.txt", b"hello")]}, "photos",
     "第 1 张照片只能是照片（JPG、PNG、WebP）"),
    ("dispatch", {}, "owner", "请选择承办单位"),
    ("dispatch", {"owner": 999999}, "owner", "请从列表中选择承办单位"),
    ("summon", {}, "departments", "请选择需要报到的部门"),
])
def test_action_refusals_are_shown_beside_the_field(city, action, data, field, message):
    case = filed(city, "street_vending")  # owned by the street: every action is open to its admin
    response = staff(city.users["street_admin"]).post(reverse(f"requests:{action}", args=[case.pk]), data)
    assert response.status_code == 200
    assert field_errors(response, field) == [message] and message in text(response)


def test_accepting_twice_and_merging_without_a_choice_are_refused(city):
    admin = staff(city.users["street_admin"])
    case = filed(city)
    filed(city, description="门口垃圾堆了好几天没人管")  # a look-alike: same category, same place
    assert admin.post(reverse("requests:accept", args=[case.pk])).status_code == 302
    twice = admin.post(reverse("requests:accept", args=[case.pk]))
    assert "只有已派单、待受理的诉求可以受理" in text(twice)
    merge = admin.post(reverse("requests:merge", args=[case.pk]), {})
    assert field_errors(merge, "into") == ["请选择要合并到的诉求"]


def test_duplicates_are_offered_and_merged(city):
    admin = staff(city.users["street_admin"])
    first = filed(city)
    second = filed(city, description="门口垃圾堆了好几天没人管")
    page = text(admin.get(reverse("requests:detail", args=[second.pk])))
    assert "可能重复的诉求" in page and first.tracking_no in page
    merged = admin.post(reverse("requests:merge", args=[second.pk]), {"into": first.pk})
    assert merged.status_code == 302
    second.refresh_from_db()
    assert second.status == choices.MERGED and second.merged_into == first
    # The resident of the merged request follows the one it joined.
    resident = Client()
    track(resident, second.tracking_no)
    services.resolve(None, first, "两处垃圾已一并清运")
    progress = text(resident.get(reverse("public:case", args=[second.tracking_no])))
    assert "合并办理，办理进度和结果以该诉求为准" in progress and "两处垃圾已一并清运" in progress


def test_triage_is_dispatched_by_the_county(city):
    case = filed(city, where=None)
    admin = staff(city.users["county_admin"])
    triage = text(admin.get(reverse("requests:queue"), {"status": "triage"}))
    assert case.tracking_no in triage
    page = text(admin.get(reverse("requests:detail", args=[case.pk])))
    assert "派单" in page and "未提供定位，待人工分派" in page
    sent = admin.post(reverse("requests:dispatch", args=[case.pk]),
                      {"owner": city.communities["甲"].pk, "note": "请社区核实位置"})
    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.owner == city.communities["甲"] and case.status == choices.ASSIGNED


def test_whistle_then_the_department_reports(city):
    case = filed(city, "street_vending")
    street = staff(city.users["street_admin"])
    department = city.departments["城市管理"]
    page = text(street.get(reverse("requests:detail", args=[case.pk])))
    assert "吹哨" in page and department.name in page
    assert street.post(reverse("requests:summon", args=[case.pk]),
                       {"departments": [department.pk], "note": "请派执法队员到场"}).status_code == 302
    summons = Summons.objects.get()
    blocked = street.post(reverse("requests:resolve", args=[case.pk]), {"result": "已处理"})
    assert field_errors(blocked, "result") == [f"吹哨报到的部门尚未全部反馈：{department.name}"]

    officer = staff(city.users["department"])
    waiting = text(officer.get(reverse("requests:summonses")))
    assert case.tracking_no in waiting and "待报到" in waiting
    detail = text(officer.get(reverse("requests:detail", args=[case.pk])))  # visible through the summons
    assert "报到" in detail and 'action="/requests/%d/accept/"' % case.pk not in detail
    empty_report = officer.post(reverse("requests:report_summons", args=[summons.pk]), {f"s{summons.pk}-report": "x"})
    assert "请先报到，再反馈处置情况" in text(empty_report)
    assert officer.post(reverse("requests:accept_summons", args=[summons.pk])).status_code == 302
    missing = officer.post(reverse("requests:report_summons", args=[summons.pk]))
    assert "请填写处置情况" in text(missing)
    assert officer.post(reverse("requests:report_summons", args=[summons.pk]),
                        {f"s{summons.pk}-report": "已劝离流动摊贩"}).status_code == 302
    assert "已劝离流动摊贩" in text(street.get(reverse("requests:detail", args=[case.pk])))
    assert street.post(reverse("requests:resolve", args=[case.pk]), {"result": "占道经营已清理"}).status_code == 302
    # Another county's user cannot reach the summons either.
    outsider = staff(city.users["outsider"])
    assert outsider.post(reverse("requests:accept_summons", args=[summons.pk])).status_code == 404

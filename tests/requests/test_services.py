"""The life of a request through services.py: intake and routing, handling, 吹哨报到, merging,
rating, permissions, the audit trail and what never lands half-written."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from jiceng.core import audit, uploads
from jiceng.core.errors import DomainError, NotFound
from jiceng.core.models import AuditEvent, Notice
from jiceng.requests import choices, services
from jiceng.requests.models import Event, Photo, Request, Summons
from tests import builders as b

PHONE = "13812345678"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200


def submit(city, category="city_appearance", where="甲一", channel=choices.WEB, **fields):
    lon, lat = city.points[where] if where else (None, None)
    fields.setdefault("description", "小区门口的垃圾三天没人清运了")
    fields.setdefault("phone", PHONE)
    return services.submit(channel, category=category, lon=lon, lat=lat, **fields)[0]


def kinds(request):
    return list(request.events.values_list("kind", flat=True))


def titles(user):
    return list(Notice.objects.filter(user=user).values_list("title", flat=True))


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# -- intake and routing ------------------------------------------------------------------------

@pytest.mark.parametrize("category, where, owner", [
    ("city_appearance", "甲一", "grid:甲一"),               # route = grid
    ("neighbour_dispute", "乙二", "grid:乙二"),
    ("property_management", "甲二", "community:甲"),         # route = community
    ("street_vending", "乙一", "street"),                   # route = street
    ("illegal_construction", "甲二", "department:城市管理"),  # route = department, by name fragment
    ("utilities", "乙一", "department:住房和城乡建设"),
    ("city_appearance", "东村", "grid:东村"),               # a village's grid
    ("street_vending", "东村", "township"),                 # a village's street level is its township
])
def test_a_located_request_goes_to_its_categorys_level(city, category, where, owner):
    kind, _, name = owner.partition(":")
    expected = {"grid": city.grids, "community": city.communities, "department": city.departments}.get(kind)
    expected = expected[name] if expected else getattr(city, kind)
    request = submit(city, category, where)
    assert request.owner == expected and request.status == choices.ASSIGNED
    assert request.grid == city.grids[where] and not request.outside_grids
    assert kinds(request) == ["submitted", "routed"]
    assert request.respond_by > request.received_at and request.resolve_by > request.received_at


def test_the_department_nearest_above_the_point_takes_the_request(city):
    """A street's own 城市管理 office answers before the county's bureau; the 东镇 township has
    none, so its village's request still goes to the county's."""
    office = b.org(city.street, "城关街道城市管理办公室", "department", "agency")
    assert submit(city, "illegal_construction", "甲二").owner == office
    assert submit(city, "illegal_construction", "东村").owner == city.departments["城市管理"]


def test_a_handler_granted_later_is_told_of_the_next_request(city, django_capture_on_commit_callbacks):
    """Handlers are kept with the routing index (routing.memo); a new grant drops them."""
    with django_capture_on_commit_callbacks(execute=True):
        submit(city)
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = b.user("newcomer", "grid_worker", city.grids["甲一"])
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(city)
    assert titles(newcomer) == [f"新诉求 {request.tracking_no}"]


def test_the_owners_handlers_are_told_of_a_new_request(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(city)
    assert titles(city.users["grid_worker"]) == [f"新诉求 {request.tracking_no}"]
    assert titles(city.users["street_admin"]) == []  # above the grid's own handlers: not told
    with django_capture_on_commit_callbacks(execute=True):
        department = submit(city, "illegal_construction")
    assert titles(city.users["department"]) == [f"新诉求 {department.tracking_no}"]


def test_outside_every_grid_goes_to_the_nearest_community_flagged(city):
    request = submit(city, where="gap")
    assert request.owner == city.communities["甲"] and request.grid is None and request.outside_grids
    assert request.events.get(kind="routed").note == "位置不在任何网格内，已派至最近的社区"


def test_no_location_waits_in_triage_at_the_jurisdiction_then_is_dispatched(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(city, where=None)
    assert request.status == choices.TRIAGE and request.owner == city.county and request.grid is None
    assert request.triage_reason == "未提供定位，待人工分派"
    assert titles(city.users["county_admin"]) == [f"待分派诉求 {request.tracking_no}"]
    refused("not_assigned", services.accept, city.users["county_admin"], request)
    refused("not_assigned", services.resolve, city.users["county_admin"], request, "已处理")
    request = services.dispatch(city.users["county_admin"], request, city.village)  # a village is fine …
    assert request.status == choices.ASSIGNED and request.owner == city.village
    branch = b.org(city.communities["甲"], "甲社区党支部", "branch", "urban_community")
    refused("owner_invalid", services.dispatch, city.users["county_admin"], request, branch)  # … a branch is not
    with django_capture_on_commit_callbacks(execute=True):
        request = services.dispatch(city.users["county_admin"], request, city.grids["甲一"], "请网格员上门了解")
    assert request.status == choices.ASSIGNED and request.owner == city.grids["甲一"] and request.triage_reason == ""
    assert kinds(request) == ["submitted", "triaged", "dispatched", "dispatched"]
    assert f"新诉求 {request.tracking_no}" in titles(city.users["grid_worker"])


def test_dispatch_needs_a_grant_on_both_ends(city):
    request = submit(city, where=None)
    with pytest.raises(NotFound):  # the street admin cannot see a request the county holds
        services.dispatch(city.users["street_admin"], request, city.grids["甲一"])
    request = submit(city, "street_vending")
    with pytest.raises(NotFound):  # nor send one to a node outside the street
        services.dispatch(city.users["street_admin"], request, city.departments["城市管理"])
    services.dispatch(city.users["street_admin"], request, city.communities["乙"])


@pytest.mark.parametrize("fields, code", [
    ({"category": "no_such_thing"}, "category_unknown"),
    ({"description": " 垃圾 "}, "description_too_short"),
    ({"description": "很" * 1001}, "description_too_long"),
    ({"phone": ""}, "phone_required"),
    ({"phone": "12345"}, "phone_invalid"),
    ({"lon": "120.005", "lat": ""}, "location_invalid"),
    ({"lon": "东经120度", "lat": "30"}, "location_invalid"),
    ({"lon": "nan", "lat": "30"}, "location_invalid"),
    ({"lon": 121.5, "lat": 31.2}, "outside_jurisdiction"),  # Shanghai: far from every grid
])
def test_bad_input_is_refused_and_stores_nothing(city, fields, code):
    fields = {"category": "city_appearance", "description": "路灯坏了好几天了", "phone": PHONE,
              "lon": 120.005, "lat": 30.005} | fields
    error = refused(code, services.submit, choices.WEB, **fields)
    assert error.message and error.field
    assert not Request.objects.exists() and not Event.objects.exists()


def test_a_point_in_another_jurisdiction_is_refused(city):
    refused("outside_jurisdiction", submit, city, area=city.other)
    assert not Request.objects.exists()


def test_wechat_may_come_without_a_phone(city):
    request = submit(city, channel=choices.WECHAT, phone="", openid="o-abc")
    assert request.phone_enc == "" and request.wechat_openid == "o-abc"


def test_photos_are_stored_with_the_request(city, settings):
    request = submit(city, photos=[SimpleUploadedFile("a.jpg", JPEG), SimpleUploadedFile("b", b"\x89PNG\r\n\x1a\n0")])
    stored = sorted(p.file.name.rsplit(".", 1)[1] for p in request.photos.all())
    assert stored == ["jpg", "png"]  # the type is read from the bytes, not the name
    assert all(p.stage == choices.PHOTO_INTAKE and p.file.storage.exists(p.file.name) for p in request.photos.all())


def test_the_daily_sweep_deletes_the_photo_of_a_rolled_back_request_only(city):
    """A photo is saved before its request's transaction commits: rolled back, it stays on disk
    with no row, until the sweep (once a day old) deletes it; the kept request's photo stays."""
    kept = submit(city, photos=[SimpleUploadedFile("a.jpg", JPEG)]).photos.get().file.name
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = submit(city, photos=[SimpleUploadedFile("b.jpg", JPEG)]).photos.get().file.name
        raise RuntimeError("the change is refused after the photo was saved")
    storage = Photo.file.field.storage
    assert storage.exists(lost) and not Photo.objects.filter(file=lost).exists()
    assert uploads.sweep() == 0  # too young: its transaction might still be open
    later = timezone.now() + uploads.SWEEP_GRACE + datetime.timedelta(minutes=1)
    assert uploads.orphans(later) == [lost]
    assert uploads.sweep(later) == 1
    assert not storage.exists(lost) and storage.exists(kept)
    event = AuditEvent.objects.get(action="core.sweep_uploads")
    assert event.after == {"deleted": [lost], "count": 1}


@pytest.mark.parametrize("photos, code", [
    (lambda: [SimpleUploadedFile("a.jpg", b"%PDF-1.4 not a photo")], "attachment_type"),
    (lambda: [SimpleUploadedFile("a.jpg", b"hello")], "attachment_type"),
    (lambda: [SimpleUploadedFile("a.jpg", JPEG + b"\x00" * (10 * 1024 * 1024))], "attachment_too_large"),
    (lambda: [SimpleUploadedFile(f"{i}.jpg", JPEG) for i in range(7)], "too_many_photos"),
    (lambda: [SimpleUploadedFile("a.jpg", JPEG), SimpleUploadedFile("b.jpg", b"GIF89a")], "attachment_type"),
])
def test_a_bad_photo_leaves_nothing_behind(city, settings, photos, code):
    error = refused(code, submit, city, photos=photos())
    assert error.field == "photos"
    assert not Request.objects.exists() and not Photo.objects.exists() and not AuditEvent.objects.filter(
        action="requests.submit").exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


# -- handling ------------------------------------------------------------------------------

def test_handling_from_accept_to_rating(city):
    worker = city.users["grid_worker"]
    request = submit(city)
    request = services.accept(worker, request)
    assert request.status == choices.ACCEPTED and request.responded_at is not None
    refused("not_assigned", services.accept, worker, request)
    refused("note_required", services.add_note, worker, request, "  ")
    note = services.add_note(worker, request, "已联系环卫所，明早清运", public=True)
    assert note.kind == "note" and note.actor == worker
    refused("result_required", services.resolve, worker, request, "")
    request = services.resolve(worker, request, "垃圾已清运，并与物业约定每日清运两次",
                               photos=[SimpleUploadedFile("done.jpg", JPEG)])
    assert request.status == choices.RESOLVED and request.resolved_at and request.result.startswith("垃圾已清运")
    assert request.photos.get().stage == choices.PHOTO_RESULT
    refused("request_resolved", services.add_note, worker, request, "再补充一句")
    services.rate(request, choices.SATISFIED, "  很及时  ")
    request.refresh_from_db()
    assert request.rating == choices.SATISFIED and request.rating_comment == "很及时"
    assert kinds(request) == ["submitted", "routed", "accepted", "note", "resolved", "rated"]


def test_asking_for_help_tells_the_parents_handlers(city, django_capture_on_commit_callbacks):
    social_worker = b.user("social_worker", "secretary", city.communities["甲"])
    request = submit(city)
    refused("note_required", services.ask_help, city.users["grid_worker"], request, "")
    with django_capture_on_commit_callbacks(execute=True):
        event = services.ask_help(city.users["grid_worker"], request, "当事人不配合，请社区协调")
    assert event.kind == "help" and not event.public
    assert titles(social_worker) == [f"甲社区一网格 请求协助：{request.tracking_no}"]
    assert titles(city.users["street_admin"]) == []  # the community has handlers of its own
    request.refresh_from_db()
    assert request.owner == city.grids["甲一"]  # help does not move the request


def test_rating_once_after_resolving_within_the_window(city):
    worker = city.users["grid_worker"]
    request = submit(city)
    refused("not_resolved", services.rate, request, choices.SATISFIED)
    request = services.resolve(worker, request, "已清运")
    refused("rating_invalid", services.rate, request, "great")
    refused("rating_closed", services.rate, request, choices.BASIC, now=request.resolved_at + datetime.timedelta(
        days=7, seconds=1))
    services.rate(request, choices.DISSATISFIED, "只清了一半", now=request.resolved_at + datetime.timedelta(days=7))
    error = refused("already_rated", services.rate, request, choices.SATISFIED)
    assert "已于" in error.message


# -- 吹哨报到 -----------------------------------------------------------------------------

def test_whistle_departments_report_before_the_street_closes(city, django_capture_on_commit_callbacks):
    admin, staff = city.users["street_admin"], city.users["department"]
    ecology = b.user("ecology_staff", "org_admin", city.departments["生态环境"])
    request = submit(city, "street_vending")
    services.accept(admin, request)
    refused("departments_required", services.summon, admin, request, [])
    refused("not_a_department", services.summon, admin, request, [city.communities["乙"]])
    with django_capture_on_commit_callbacks(execute=True):
        summonses = services.summon(admin, request, [city.departments["城市管理"], city.departments["生态环境"],
                                                     city.departments["城市管理"]], "夜市占道，噪音扰民")
    assert len(summonses) == 2 and all(s.called_by == city.street for s in summonses)
    assert Summons.objects.get(department=city.departments["城市管理"]).accept_by > request.received_at
    refused("already_summoned", services.summon, admin, request, [city.departments["城市管理"]])
    assert titles(staff) == ["吹哨报到：城关街道"] and titles(ecology) == ["吹哨报到：城关街道"]
    error = refused("summons_pending", services.resolve, admin, request, "已清理")
    assert "甲县城市管理局" in error.message and "甲县生态环境局" in error.message
    mine = Summons.objects.get(department=city.departments["城市管理"])
    theirs = Summons.objects.get(department=city.departments["生态环境"])
    refused("not_accepted", services.report_summons, staff, mine, "已处置")
    with pytest.raises(NotFound):  # one department cannot answer for another
        services.accept_summons(staff, theirs)
    services.accept_summons(staff, mine)
    refused("already_accepted", services.accept_summons, staff, mine)
    refused("report_required", services.report_summons, staff, mine, " ")
    services.report_summons(staff, mine, "已劝离流动摊贩 6 处")
    refused("already_reported", services.report_summons, staff, mine, "再报一次")
    refused("summons_pending", services.resolve, admin, request, "已清理")
    services.accept_summons(ecology, theirs)
    services.report_summons(ecology, theirs, "已对夜市音响噪音取证并责令整改")
    request = services.resolve(admin, request, "夜市已规范经营")
    assert request.status == choices.RESOLVED
    assert kinds(request).count("summons_reported") == 2 and "summoned" in kinds(request)


def test_only_a_street_or_community_may_blow_the_whistle(city):
    grid_request = submit(city)
    refused("whistle_not_allowed", services.summon, city.users["grid_worker"], grid_request,
            [city.departments["城市管理"]])
    department_request = submit(city, "illegal_construction")
    refused("whistle_not_allowed", services.summon, city.users["department"], department_request,
            [city.departments["生态环境"]])
    community_request = submit(city, "property_management")
    assert services.summon(city.users["street_admin"], community_request, [city.departments["住房和城乡建设"]])


# -- duplicates and merging ----------------------------------------------------------------

def test_merged_requests_share_the_outcome_and_each_resident_rates(city):
    worker = city.users["street_admin"]  # both grids are in the street
    lon, lat = city.points["甲一"]
    first = submit(city)
    second = services.submit(choices.WEB, category="city_appearance", description="门口垃圾堆成山了，有异味",
                             phone="13900001111", lon=lon + 0.0003, lat=lat)[0]  # about 30 m east
    other_kind = submit(city, "neighbour_dispute")
    far = submit(city, where="甲二")
    assert services.duplicates(second) == [first]
    assert services.duplicates(far) == []
    refused("merge_self", services.merge, worker, second, second)
    refused("merge_category", services.merge, worker, other_kind, first)
    services.merge(worker, second, first)
    second.refresh_from_db()
    assert second.status == choices.MERGED and second.merged_into == first
    refused("request_merged", services.accept, worker, second)
    refused("merge_target_closed", services.merge, worker, far, second)
    services.resolve(worker, first, "已清运")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.result, second.resolved_at) == (first.result, first.resolved_at) == ("已清运", first.resolved_at)
    assert second.status == choices.MERGED and kinds(second)[-1] == "resolved"
    services.rate(second, choices.BASIC)  # the resident of the merged request rates their own
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.rating == choices.BASIC and first.rating == ""
    refused("merge_target_closed", services.merge, worker, far, first)


def test_merging_a_request_that_others_were_merged_into_moves_them_too(city):
    worker = city.users["grid_worker"]
    a, b_, c = submit(city), submit(city), submit(city)
    services.merge(worker, c, b_)
    services.merge(worker, b_, a)
    c.refresh_from_db()
    assert c.merged_into == a
    services.resolve(worker, a, "已处理")
    assert set(Request.objects.filter(result="已处理").values_list("pk", flat=True)) == {a.pk, b_.pk, c.pk}


# -- permissions ---------------------------------------------------------------------------

def test_a_user_without_a_grant_on_the_owner_is_refused(city):
    request = submit(city)
    outsider, auditor = city.users["outsider"], b.user("auditor", "auditor", city.county)
    other_grid = b.user("grid_worker_2", "grid_worker", city.grids["甲二"])
    for user in (outsider, other_grid):
        for call, args in [(services.accept, ()), (services.add_note, ("进展",)), (services.ask_help, ("协助",)),
                           (services.resolve, ("已处理",)), (services.summon, ([city.departments["城市管理"]],)),
                           (services.dispatch, (city.grids["甲二"],))]:
            with pytest.raises(NotFound):
                call(user, request, *args)
    refused("permission_denied", services.accept, auditor, request)  # may see, may not handle
    refused("permission_denied", services.merge, auditor, request, submit(city))
    request.refresh_from_db()
    assert request.status == choices.ASSIGNED and kinds(request) == ["submitted", "routed"]
    services.accept(city.users["street_admin"], request)  # a grant above the owner may handle it


# -- audit and personal data ---------------------------------------------------------------

def test_every_step_is_audited_and_the_phone_number_never_is(city):
    worker, admin, staff = city.users["grid_worker"], city.users["street_admin"], city.users["department"]
    request = submit(city, "street_vending")
    services.accept(admin, request)
    services.add_note(admin, request, "已到场")
    services.ask_help(admin, request, "需要县里协调")
    summons = services.summon(admin, request, [city.departments["城市管理"]])[0]
    services.accept_summons(staff, summons)
    services.report_summons(staff, summons, "已处置")
    duplicate = submit(city, "street_vending")
    services.merge(admin, duplicate, request)
    services.resolve(admin, request, "已规范")
    services.rate(request, choices.SATISFIED)
    triage = submit(city, where=None)
    services.dispatch(city.users["county_admin"], triage, city.grids["甲一"])
    services.accept(worker, triage)
    actions = list(AuditEvent.objects.filter(object_type="requests.request").order_by("seq")
                   .values_list("action", "actor_name"))
    assert actions == [
        ("requests.submit", ""), ("requests.accept", "street_admin"), ("requests.note", "street_admin"),
        ("requests.ask_help", "street_admin"), ("requests.summon", "street_admin"),
        ("requests.accept_summons", "department_staff"), ("requests.report_summons", "department_staff"),
        ("requests.submit", ""), ("requests.merge", "street_admin"), ("requests.resolve", "street_admin"),
        ("requests.rate", ""), ("requests.submit", ""), ("requests.dispatch", "county_admin"),
        ("requests.accept", "grid_worker"),
    ]
    assert AuditEvent.objects.get(action="requests.resolve").after["merged"] == [duplicate.pk]
    rows = json.dumps([[e.before, e.after, e.object_id] for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert PHONE not in rows and PHONE[-4:] not in rows
    assert audit.verify()[0]


def test_the_phone_number_is_stored_encrypted(city):
    request = submit(city)
    assert request.phone == PHONE and request.phone_masked != PHONE
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Request._meta.db_table} WHERE id = %s", [request.pk])
        row = cursor.fetchone()
    assert not any(PHONE in str(value) for value in row)
    assert request.phone_index and Request.objects.filter(phone_index=request.phone_index).get() == request

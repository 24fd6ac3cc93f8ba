"""Residents' requests (接诉即办): intake, routing, handling, 吹哨报到, escalation and rating.

Every change is one transaction with an audit event. Intake from every door (H5 page,
WeChat, Open311, staff) goes through `submit`: input is checked first, then the request is
stored in one transaction; trouble in routing sends it to the triage queue of its
jurisdiction instead of losing it. The phone number never enters the audit log in clear.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jiceng.core import audit, crypto, policy, tree, uploads
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.models import Grant
from jiceng.core.notices import notify
from jiceng.core.roles import HANDLE, allows
from jiceng.core.validators import validate_phone
from jiceng.orgs.models import Organization

from . import batching, categories, choices, figures, routing, sla
from .models import Event, Photo, Request, Summons

log = logging.getLogger(__name__)
CHANNEL_LABELS = dict(choices.CHANNELS)

# Kinds of node that may blow the whistle (吹哨) and that stop escalation going higher.
WHISTLE_KINDS = {"street", "township", "community", "village"}
ESCALATION_TOP_KINDS = {"county", "city", "province"}
HANDLING_KINDS = WHISTLE_KINDS | ESCALATION_TOP_KINDS | {"grid", "department"}


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _snapshot(r):
    return {"status": r.status, "category": r.category, "owner": r.owner_id, "grid": r.grid_id,
            "escalations": r.escalations, "merged_into": r.merged_into_id, "rating": r.rating}


def _new_event(request, kind, at, *, org=None, actor=None, note="", public=True):
    return Event(request=request, kind=kind, at=at, org=org, actor=_user(actor), note=note, public=public)


def _event(request, kind, at, **fields):
    event = _new_event(request, kind, at, **fields)
    event.save()
    return event


def _notify_handlers(node, key, title, body, request):
    """Tell the handlers of `node`: those whose grant is on the node itself or, if it has none,
    on the nearest node above it that has some (a county's staff are not told of every grid's
    requests). Each user is told once per `key`; returns how many were told now."""
    handlers = {}
    active = Grant.objects.filter(node__path__in=tree.ancestor_paths(node.path, True), user__is_active=True)
    for path, user_id, role in routing.memo(("grants", node.path),
                                            lambda: list(active.values_list("node__path", "user_id", "role"))):
        if allows(role, HANDLE):
            handlers.setdefault(path, set()).add(user_id)
    if not handlers:
        return 0
    nearest = handlers[max(handlers, key=len)]
    link = reverse("requests:detail", args=[request.pk])
    return sum(notify(user, key, title, body, link)[1] for user in get_user_model().objects.filter(pk__in=nearest))


def _notify_assigned(request, owner):
    _notify_handlers(owner, f"requests.assigned:{request.pk}:{owner.pk}", f"新诉求 {request.tracking_no}",
                     request.description[:60], request)


# -- intake --------------------------------------------------------------------------------

def default_jurisdiction():
    """The node a deployment answers for: JICENG_JURISDICTION (a division code), else the
    first root of the tree."""
    from django.conf import settings

    code = getattr(settings, "JICENG_JURISDICTION", "")
    roots = Organization.objects.filter(status=Organization.ACTIVE).defer("area")
    node = routing.memo(("jurisdiction", code), lambda: (
        roots.filter(division_code=code).order_by("depth").first() if code
        else roots.filter(parent__isnull=True).order_by("path").first()))
    if node is None:
        raise DomainError("jurisdiction_unknown", "系统尚未设置受理辖区", "jurisdiction_id")
    return node


def jurisdiction(code):
    """The area node with this division code (Open311 jurisdiction_id)."""
    node = routing.memo(("jurisdiction", code), lambda: Organization.objects.filter(
        division_code=code, status=Organization.ACTIVE).defer("area").order_by("depth").first())
    if node is None:
        raise DomainError("jurisdiction_unknown", f"未知的辖区代码：{code}", "jurisdiction_id")
    return node


def check_text(description, on):
    """The request's text, stripped, within the policy's lengths (also the WeChat door's check
    before it keeps a draft)."""
    text = (description or "").strip()
    least, limit = (policy.get(f"requests.description_{k}_chars", on=on) for k in ("min", "max"))
    if len(text) < least:
        raise DomainError("description_too_short", f"请用至少 {least} 个字说明诉求内容", "description")
    if len(text) > limit:
        raise DomainError("description_too_long", f"诉求内容最多 {limit} 字，现有 {len(text)} 字", "description")
    return text


def _check_point(lon, lat):
    if lon in (None, "") and lat in (None, ""):
        return None
    if lon in (None, "") or lat in (None, ""):
        raise DomainError("location_invalid", "经度和纬度须同时提供", "location")
    return routing.check_point(lon, lat)


def _check_photos(photos, on):
    photos = list(photos or [])
    limit = policy.get("requests.photo_max_count", on=on)
    if len(photos) > limit:
        raise DomainError("too_many_photos", f"最多上传 {limit} 张照片，现有 {len(photos)} 张", "photos")
    max_mb = policy.get("requests.photo_max_mb", on=on)
    return [(p, uploads.check(p, uploads.IMAGES, max_mb, "photos", what=f"第 {i} 张照片"))
            for i, p in enumerate(photos, 1)]


def _department(category, near):
    """The department named by the category nearest above `near` (its street, then county …):
    one query over the departments under all of them, the deepest parent first."""
    departments = Organization.objects.filter(
        parent__path__in=tree.ancestor_paths(near.path, include_self=True), kind="department",
        status=Organization.ACTIVE, name__contains=category.department)
    return routing.memo(("department", category.department, near.pk),
                        lambda: departments.defer("area").order_by("-parent__depth", "path").first())


def _node(pk):
    """A node of the tree as routing sees it (no polygon), kept with the routing index."""
    return routing.memo(("node", pk), lambda: Organization.objects.defer("area").get(pk=pk))


def route(category, where, area):
    """(grid, owner, outside_grids, triage reason) for a located point inside `area`."""
    grid, unit = where.grid_id and _node(where.grid_id), _node(where.community_id)
    if not tree.is_within(unit.path, area.path):
        raise DomainError("outside_jurisdiction", f"该位置不在{area.name}的受理范围内", "location")
    if category.route == "grid" and grid is not None:
        return grid, grid, where.outside_grids, ""
    if category.route in ("grid", "community"):
        return grid, unit, where.outside_grids, ""
    street = _node(unit.parent_id)
    if category.route == "street":
        return grid, street, where.outside_grids, ""
    department = _department(category, street)
    if department is None:
        return grid, None, where.outside_grids, f"未找到承办部门“{category.department}”"
    return grid, department, where.outside_grids, ""


def _tracking_no(at):
    return f"{timezone.localtime(at):%y%m%d}{secrets.randbelow(10**6):06d}"


@dataclass
class _Intake:
    """A checked and routed request, ready to be stored (by `_store_all` or `_store_one`)."""

    request: Request
    photos: list
    area: Organization
    reason: str
    actor: object


def submit(channel, *, category, description, phone, lon=None, lat=None, address="", photos=(),
           idempotency_key=None, area=None, client=None, openid="", actor=None, now=None):
    """Take in one request; return (request, created). The same idempotency key (per channel)
    returns the request it first created, also when two submissions race: the unique index on
    the key is the check (a repeat is rare; a look-up first would cost every request a query).
    Requests that arrive at once are stored in one transaction (batching.GroupCommit); each
    reply follows its commit. A caller inside a transaction of its own (the WeChat door's
    draft) stores its request in that transaction, alone: it commits or rolls back with it."""
    if channel not in CHANNEL_LABELS:
        raise ValueError(f"unknown channel {channel!r}")  # a programming error, not input
    now = now or timezone.now()
    on = timezone.localdate(now)
    key = f"{channel}:{idempotency_key}"[:120] if idempotency_key else None
    cat = categories.get(category, on=on)
    text = check_text(description, on)
    if not phone and channel != choices.WECHAT:  # WeChat replies to the openid instead
        raise DomainError("phone_required", "请填写手机号码，以便告知办理结果", "phone")
    phone = validate_phone(phone) if phone else ""
    point = _check_point(lon, lat)
    photos = _check_photos(photos, on)
    area = area or default_jurisdiction()
    grid = owner = None
    outside, reason = False, ""
    if point is None:
        reason = "未提供定位，待人工分派"
    else:
        try:
            grid, owner, outside, reason = route(cat, routing.locate(*point), area)
        except DomainError:
            raise  # coordinates that are bad or outside the jurisdiction: the resident must fix them
        except Exception:  # a fault in routing must never lose a request: keep it for a dispatcher
            log.exception("routing failed for a %s request", channel)
            reason = "自动派单失败，待人工分派"
    deadlines = sla.deadlines(cat, now)
    request = Request(
        channel=channel, idempotency_key=key, client=client, category=cat.code, description=text,
        address=(address or "").strip()[:200], lon=point and point[0], lat=point and point[1],
        phone_enc=crypto.encrypt(phone) if phone else "", phone_index=crypto.blind_index(phone) if phone else "",
        wechat_openid=openid, status=choices.ASSIGNED if owner else choices.TRIAGE, grid=grid, owner=owner or area,
        outside_grids=outside, triage_reason="" if owner else reason, received_at=now,
        respond_by=deadlines.respond_by, resolve_by=deadlines.resolve_by)
    intake = _Intake(request, photos, area, reason, actor)
    in_transaction = transaction.get_connection().in_atomic_block
    stored, created = _store_one(intake) if in_transaction else _intake.store(intake)
    if created:  # told by this thread, once its own transaction (if any) commits
        transaction.on_commit(partial(_notify_new, intake))
    return stored, created


def _store_all(intakes):
    """Store a batch in one transaction; any conflict (a key or tracking number met twice)
    fails the whole batch, and GroupCommit then stores each on its own."""
    with transaction.atomic():
        requests = [i.request for i in intakes]
        for request in requests:
            request.tracking_no = _tracking_no(request.received_at)
        Request.objects.bulk_create(requests)
        _store_parts(intakes)
    return [(request, True) for request in requests]


def _store_one(intake):
    """Store one request; a tracking number drawn twice is drawn again, and a key that another
    submission stored meanwhile returns that submission's request."""
    request = intake.request
    for _ in range(5):
        try:
            with transaction.atomic():
                request.pk, request.tracking_no = None, _tracking_no(request.received_at)
                request.save(force_insert=True)
                _store_parts([intake])
        except IntegrityError:
            key = request.idempotency_key
            if key and (existing := Request.objects.filter(idempotency_key=key).first()):
                return existing, False
            continue
        return request, True
    raise DomainError("tracking_no_exhausted", "暂时无法生成受理编号，请稍后再试")


def _store_parts(intakes):
    """What goes with each stored request: photos, events, figures and audit."""
    events = []
    for i in intakes:
        request, now = i.request, i.request.received_at
        for upload, kind in i.photos:
            photo = Photo(request=request, stage=choices.PHOTO_INTAKE)
            photo.file.save(f"{request.tracking_no}-{secrets.token_hex(4)}.{kind}", upload, save=True)
        events.append(_new_event(request, "submitted", now, note=CHANNEL_LABELS[request.channel]))
        if request.status == choices.TRIAGE:
            events.append(_new_event(request, "triaged", now, org=i.area, note=i.reason))
        else:
            events.append(_new_event(request, "routed", now, org=request.owner,
                                     note="位置不在任何网格内，已派至最近的社区" if request.outside_grids else ""))
    Event.objects.bulk_create(events)
    figures.record_all([(None, i.request) for i in intakes])
    audit.record_all([audit.Entry(i.actor, "requests.submit", i.request,
                                  after=_snapshot(i.request) | {"channel": i.request.channel}) for i in intakes])


def _notify_new(intake):
    request = intake.request
    if request.status == choices.TRIAGE:
        _notify_handlers(intake.area, f"requests.triage:{request.pk}", f"待分派诉求 {request.tracking_no}",
                         intake.reason, request)
    else:
        _notify_assigned(request, request.owner)


_intake = batching.GroupCommit(_store_all, _store_one)


# -- handling --------------------------------------------------------------------------------

def _locked(request):
    """The request (or the request with this pk), read again under a row lock. of=("self",):
    lock the request only; PostgreSQL refuses FOR UPDATE on the nullable side of the owner join."""
    pk = request.pk if isinstance(request, Request) else request
    return Request.objects.select_for_update(of=("self",)).select_related("owner").get(pk=pk)


def _require_open(request):
    if request.status == choices.MERGED:
        raise DomainError("request_merged", f"该诉求已合并到 {request.merged_into.tracking_no}，请在该诉求中办理")
    if request.status == choices.RESOLVED:
        raise DomainError("request_resolved", "该诉求已办结")


@transaction.atomic
def dispatch(actor, request, owner, note=""):
    """Send a request (from the triage queue, or one routed wrongly) to another node."""
    request = _locked(request)
    require(actor, HANDLE, request.owner, "该诉求的承办单位")
    require(actor, HANDLE, owner, "目标单位")
    _require_open(request)
    if owner.kind not in HANDLING_KINDS or owner.status != Organization.ACTIVE:
        raise DomainError("owner_invalid", f"“{owner.name}”不是可以承办诉求的单位（网格、社区、村、街道、乡镇、"
                                           "职能部门或县级以上）", "owner")
    before, now = _snapshot(request), timezone.now()
    was = figures.state(request)
    request.owner, request.status, request.triage_reason = owner, choices.ASSIGNED, ""
    request.responded_at = None
    request.save(update_fields=["owner", "status", "triage_reason", "responded_at"])
    _event(request, "dispatched", now, org=owner, actor=actor, note=note)
    figures.record(was, request)
    audit.record(actor, "requests.dispatch", request, before=before, after=_snapshot(request))
    transaction.on_commit(lambda: _notify_assigned(request, owner))
    return request


@transaction.atomic
def accept(actor, request):
    request = _locked(request)
    require(actor, HANDLE, request.owner, "该诉求的承办单位")
    _require_open(request)
    if request.status != choices.ASSIGNED:
        raise DomainError("not_assigned", "只有已派单、待受理的诉求可以受理")
    before, now = _snapshot(request), timezone.now()
    was = figures.state(request)
    request.status, request.responded_at = choices.ACCEPTED, now
    request.save(update_fields=["status", "responded_at"])
    _event(request, "accepted", now, org=request.owner, actor=actor)
    figures.record(was, request)
    audit.record(actor, "requests.accept", request, before=before, after=_snapshot(request))
    return request


@transaction.atomic
def add_note(actor, request, note, public=True):
    request = _locked(request)
    require(actor, HANDLE, request.owner, "该诉求的承办单位")
    _require_open(request)
    if not (note or "").strip():
        raise DomainError("note_required", "请填写办理进展", "note")
    event = _event(request, "note", timezone.now(), org=request.owner, actor=actor, note=note.strip(), public=public)
    audit.record(actor, "requests.note", request, after={"event": event.pk, "public": public})
    return event


@transaction.atomic
def ask_help(actor, request, note):
    """The owner asks the level above for help; the request stays with the owner."""
    request = _locked(request)
    require(actor, HANDLE, request.owner, "该诉求的承办单位")
    _require_open(request)
    if not (note or "").strip():
        raise DomainError("note_required", "请说明需要协助的事项", "note")
    parent = request.owner.parent
    if parent is None:
        raise DomainError("no_parent", "承办单位没有上级，无法请求协助")
    event = _event(request, "help", timezone.now(), org=request.owner, actor=actor, note=note.strip(), public=False)
    audit.record(actor, "requests.ask_help", request, after={"event": event.pk, "to": parent.pk})
    transaction.on_commit(lambda: _notify_handlers(parent, f"requests.help:{event.pk}",
                                                   f"{request.owner.name} 请求协助：{request.tracking_no}",
                                                   note.strip()[:100], request))
    return event


@transaction.atomic
def resolve(actor, request, result, photos=()):
    """Close with a written result (and photos). Requests merged into this one share it."""
    request = _locked(request)
    require(actor, HANDLE, request.owner, "该诉求的承办单位")
    _require_open(request)
    if request.status == choices.TRIAGE:
        raise DomainError("not_assigned", "待分派的诉求请先派单")
    if not (result or "").strip():
        raise DomainError("result_required", "请填写办理结果", "result")
    waiting = request.summonses.filter(reported_at__isnull=True).select_related("department")
    if waiting:
        names = "、".join(s.department.name for s in waiting)
        raise DomainError("summons_pending", f"吹哨报到的部门尚未全部反馈：{names}", "result")
    now = timezone.now()
    checked = _check_photos(photos, timezone.localdate(now))
    before = _snapshot(request)
    was = figures.state(request)
    request.status, request.result, request.resolved_at = choices.RESOLVED, result.strip(), now
    request.responded_at = request.responded_at or now
    request.save(update_fields=["status", "result", "resolved_at", "responded_at"])
    for upload, kind in checked:
        photo = Photo(request=request, stage=choices.PHOTO_RESULT)
        photo.file.save(f"{request.tracking_no}-r{secrets.token_hex(4)}.{kind}", upload, save=True)
    merged = list(request.merged.all())
    request.merged.update(result=request.result, resolved_at=now, responded_at=now)
    _event(request, "resolved", now, org=request.owner, actor=actor, note=request.result)
    for child in merged:
        _event(child, "resolved", now, org=request.owner, actor=actor, note=request.result)
    figures.record(was, request)
    audit.record(actor, "requests.resolve", request, before=before,
                 after=_snapshot(request) | {"merged": [child.pk for child in merged]})
    return request


def duplicates(request):
    """Open requests that look like the same matter: same category, within the policy's
    distance and time window. Offered for merging, never merged automatically."""
    if request.lon is None or not request.is_open:
        return []
    on = timezone.localdate(request.received_at)
    radius = policy.get("requests.duplicate_radius_m", on=on)
    window = datetime.timedelta(hours=policy.get("requests.duplicate_window_hours", on=on))
    near = (Request.objects.filter(category=request.category, status__in=choices.OPEN_STATUSES,
                                   received_at__gte=request.received_at - window,
                                   received_at__lte=request.received_at + window, lon__isnull=False)
            .exclude(pk=request.pk).select_related("owner"))
    return [r for r in near if routing.metres_between(request.lon, request.lat, r.lon, r.lat) <= radius]


@transaction.atomic
def merge(actor, request, into):
    """Merge `request` into `into`: the resident keeps their number and sees `into`'s outcome."""
    if request.pk == into.pk:
        raise DomainError("merge_self", "不能合并到自身", "into")
    first, second = sorted([request, into], key=lambda r: r.pk)  # one lock order: no deadlock
    first, second = _locked(first), _locked(second)
    request, into = (first, second) if first.pk == request.pk else (second, first)
    require(actor, HANDLE, request.owner, "该诉求的承办单位")
    require(actor, HANDLE, into.owner, "合并目标的承办单位")
    _require_open(request)
    if not into.is_open:
        raise DomainError("merge_target_closed", f"{into.tracking_no} 已办结或已合并，不能作为合并目标", "into")
    if request.category != into.category:
        raise DomainError("merge_category", "只有同一类别的诉求可以合并", "into")
    before, now = _snapshot(request), timezone.now()
    was = figures.state(request)
    request.status, request.merged_into = choices.MERGED, into
    request.save(update_fields=["status", "merged_into"])
    request.merged.update(merged_into=into)  # anything merged into this one follows it
    _event(request, "merged", now, org=into.owner, actor=actor, note=f"与 {into.tracking_no} 合并办理")
    _event(into, "merged", now, org=into.owner, actor=actor, note=f"合并了 {request.tracking_no}", public=False)
    figures.record(was, request)
    audit.record(actor, "requests.merge", request, before=before, after=_snapshot(request))
    return request


@transaction.atomic
def rate(request, rating, comment="", now=None):
    """The resident rates the outcome once, within the policy's window after it was resolved.
    The caller has already checked that this is the resident (phone number or WeChat openid)."""
    request = _locked(request)
    now = now or timezone.now()
    if rating not in dict(choices.RATINGS):
        raise DomainError("rating_invalid", "请选择满意、基本满意或不满意", "rating")
    if request.resolved_at is None:
        raise DomainError("not_resolved", "诉求办结后才能评价", "rating")
    if request.rated_at:
        raise DomainError("already_rated", f"该诉求已于 {timezone.localtime(request.rated_at):%Y-%m-%d} 评价过", "rating")
    days = policy.get("requests.rating_window_days", on=timezone.localdate(request.resolved_at))
    if now > request.resolved_at + datetime.timedelta(days=days):
        raise DomainError("rating_closed", f"办结 {days} 天后不再接受评价", "rating")
    before = _snapshot(request)
    was = figures.state(request)
    request.rating, request.rating_comment, request.rated_at = rating, (comment or "").strip()[:500], now
    request.save(update_fields=["rating", "rating_comment", "rated_at"])
    _event(request, "rated", now, note=dict(choices.RATINGS)[rating])
    figures.record(was, request)
    audit.record(None, "requests.rate", request, before=before, after=_snapshot(request))
    return request


# -- 吹哨报到 -------------------------------------------------------------------------------

@transaction.atomic
def summon(actor, request, departments, note=""):
    """A street or community blows the whistle: each named department must report."""
    request = _locked(request)
    require(actor, HANDLE, request.owner, "该诉求的承办单位")
    _require_open(request)
    if request.owner.kind not in WHISTLE_KINDS:
        raise DomainError("whistle_not_allowed", "只有街道（乡镇）或社区（村）可以吹哨", "departments")
    departments = list(dict.fromkeys(departments))
    if not departments:
        raise DomainError("departments_required", "请选择需要报到的部门", "departments")
    wrong = [d.name for d in departments if d.kind != "department" or d.status != Organization.ACTIVE]
    if wrong:
        raise DomainError("not_a_department", f"不是在册的职能部门：{'、'.join(wrong)}", "departments")
    again = set(request.summonses.filter(department__in=departments).values_list("department__name", flat=True))
    if again:
        raise DomainError("already_summoned", f"已经吹哨：{'、'.join(sorted(again))}", "departments")
    now = timezone.now()
    hours = policy.get("requests.summons_accept_hours", on=timezone.localdate(now))
    rows = Summons.objects.bulk_create([Summons(request=request, department=d, called_by=request.owner, called_at=now,
                                                accept_by=now + datetime.timedelta(hours=hours))
                                        for d in departments])
    _event(request, "summoned", now, org=request.owner, actor=actor,
           note="、".join(d.name for d in departments) + (f"：{note.strip()}" if note.strip() else ""))
    audit.record(actor, "requests.summon", request, after={"departments": [d.pk for d in departments]})
    for d in departments:
        transaction.on_commit(lambda d=d: _notify_handlers(
            d, f"requests.summons:{request.pk}:{d.pk}", f"吹哨报到：{request.owner.name}",
            f"请在 {hours:g} 小时内报到：{request.tracking_no} {request.description[:40]}", request))
    return rows


def _locked_summons(summons):
    return Summons.objects.select_for_update(of=("self",)).select_related("request", "department").get(pk=summons.pk)


@transaction.atomic
def accept_summons(actor, summons):
    summons = _locked_summons(summons)
    require(actor, HANDLE, summons.department, "被吹哨的部门")
    _require_open(summons.request)
    if summons.accepted_at:
        raise DomainError("already_accepted", "已经报到")
    now = timezone.now()
    summons.accepted_at = now
    summons.save(update_fields=["accepted_at"])
    late = "（超过报到时限）" if now > summons.accept_by else ""
    _event(summons.request, "summons_accepted", now, org=summons.department, actor=actor, note=late.strip("（）"))
    audit.record(actor, "requests.accept_summons", summons.request, after={"summons": summons.pk, "late": bool(late)})
    return summons


@transaction.atomic
def report_summons(actor, summons, report):
    summons = _locked_summons(summons)
    require(actor, HANDLE, summons.department, "被吹哨的部门")
    _require_open(summons.request)
    if not summons.accepted_at:
        raise DomainError("not_accepted", "请先报到，再反馈处置情况", "report")
    if summons.reported_at:
        raise DomainError("already_reported", "已经反馈过处置情况", "report")
    if not (report or "").strip():
        raise DomainError("report_required", "请填写处置情况", "report")
    now = timezone.now()
    summons.report, summons.reported_at = report.strip(), now
    summons.save(update_fields=["report", "reported_at"])
    _event(summons.request, "summons_reported", now, org=summons.department, actor=actor, note=summons.report)
    audit.record(actor, "requests.report_summons", summons.request, after={"summons": summons.pk})
    return summons


# -- escalation -----------------------------------------------------------------------------

def _escalation_due(request, now, grace):
    """Past its deadline by one grace period more than it has been escalated already. Until it
    is accepted the deadline is respond_by (or resolve_by, should that come first), then resolve_by."""
    if request.status == choices.ASSIGNED:
        deadline = min(request.respond_by, request.resolve_by)
    elif request.status == choices.ACCEPTED:
        deadline = request.resolve_by
    else:
        return False
    return now > deadline + grace * (request.escalations + 1)


def escalate_overdue(now=None):
    """Move each overdue open request one level up the tree, once per grace period past its
    deadline, never above the county. Departments summoned and not accepted in time are told
    to the node that blew the whistle, once. Returns (requests escalated, late summonses told)."""
    now = now or timezone.now()
    grace = datetime.timedelta(hours=policy.get("requests.escalate_after_overdue_hours",
                                                on=timezone.localdate(now)))
    late_by = now - grace
    candidates = (Request.objects.filter(Q(status=choices.ASSIGNED, respond_by__lt=late_by)
                                         | Q(status__in=[choices.ASSIGNED, choices.ACCEPTED], resolve_by__lt=late_by))
                  .exclude(owner__kind__in=ESCALATION_TOP_KINDS).values_list("pk", flat=True))
    # Ids first, each request then locked and checked again: no cursor held open across the
    # writes, and two workers running at once cannot escalate a request twice.
    escalated = sum(_escalate(pk, now, grace) for pk in list(candidates))
    late = 0
    for summons in Summons.objects.filter(accepted_at__isnull=True, accept_by__lt=now,
                                          request__status__in=choices.OPEN_STATUSES).select_related(
            "request", "department", "called_by"):
        late += bool(_notify_handlers(summons.called_by, f"requests.summons_late:{summons.pk}",
                                      f"{summons.department.name} 未按时报到",
                                      f"诉求 {summons.request.tracking_no}：报到时限为 "
                                      f"{timezone.localtime(summons.accept_by):%m月%d日 %H:%M}", summons.request))
    return escalated, late


@transaction.atomic
def _escalate(pk, now, grace):
    request = _locked(pk)
    owner = request.owner
    if owner.parent_id is None or owner.kind in ESCALATION_TOP_KINDS or not _escalation_due(request, now, grace):
        return 0
    parent, before = owner.parent, _snapshot(request)
    was = figures.state(request)
    request.owner, request.escalations = parent, request.escalations + 1
    request.save(update_fields=["owner", "escalations"])
    _event(request, "escalated", now, org=parent, note=f"超过时限，上提至{parent.name}督办")
    figures.record(was, request)
    audit.record(None, "requests.escalate", request, before=before, after=_snapshot(request))
    transaction.on_commit(lambda: _notify_handlers(parent, f"requests.escalated:{request.pk}:{parent.pk}",
                                                   f"超时诉求上提：{request.tracking_no}",
                                                   request.description[:60], request))
    return 1

"""Open311 GeoReport v2 endpoint (/open311/v2/): services, service definitions, requests
(create, list, get) and tokens, each as .json or .xml. See docs/operators.md ("Open311").

Decisions where the spec leaves room:
- jurisdiction_id is an administrative division code (services.jurisdiction); without it
  the deployment's own jurisdiction (services.default_jurisdiction) is meant.
- Every service is `realtime`: POST returns the tracking number (受理编号) as
  service_request_id at once, so no token is ever needed; tokens/<id> still answers for
  any tracking number, with the same number as token, for clients that always ask.
- A POST needs `phone` (the reply goes to the resident by phone) and a location: lat and
  long, or address_string / address_id (then the request waits for a dispatcher).
  first_name, last_name, email, device_id, account_id and attribute[…] are accepted and
  not kept; media_url is kept as the last line of the description (not fetched).
- The client's `Idempotency-Key` header makes a repeated POST return the first request.
"""

import datetime
from functools import wraps

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Max, Q
from django.urls import path
from django.utils import dateparse, timezone
from django.views.decorators.csrf import csrf_exempt

from jiceng.core import tree
from jiceng.core.errors import DomainError

from . import categories, choices, open311_keys, services
from . import open311_render as out
from .models import Event, Request

app_name = "open311"

# GeoReport v2, GET Service Requests, "Response Volume": at most 90 days, at most 1000 rows.
MAX_DAYS = 90
MAX_RESULTS = 1000
IDEMPOTENCY_KEY_MAX = 64
ADDRESS_MAX = Request._meta.get_field("address").max_length
# Our DomainError fields, as the Open311 parameters they come from.
PARAMETERS = {"category": "service_code", "location": "lat/long", "description": "description", "phone": "phone",
              "jurisdiction_id": "jurisdiction_id"}
NOT_FOUND = {"category_unknown", "jurisdiction_unknown", "request_unknown"}  # the spec: 404 for what does not exist


def _domain_error(fmt, exc):
    param = PARAMETERS.get(exc.field, exc.field)
    description = f"{exc.message}（参数 {param}）" if param else exc.message
    return out.errors(fmt, 404 if exc.code in NOT_FOUND else 400, description)


def endpoint(*methods):
    """Checks the format and the method, and turns domain errors into the spec's error list."""
    def decorate(view):
        @csrf_exempt  # API clients, no session: nothing here reads request.user
        @wraps(view)
        def wrapper(request, format, **kwargs):
            if format not in out.FORMATS:
                return out.errors(format, 404, f"不支持的格式 .{format}：请用 .json 或 .xml")
            if request.method not in methods:
                response = out.errors(format, 405, f"此地址不支持 {request.method} 请求，可用：{'、'.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, format, **kwargs)
            except DomainError as exc:
                return _domain_error(format, exc)
        return wrapper
    return decorate


def _param(params, name):
    """A parameter's value; empty counts as absent, as the spec's "Optional Arguments" say."""
    return (params.get(name) or "").strip()


def _jurisdiction(params):
    code = _param(params, "jurisdiction_id")
    return services.jurisdiction(code) if code else services.default_jurisdiction()


def _in(jurisdiction):
    return Request.objects.filter(tree.subtree_q(jurisdiction.path, "owner__path"))


def _rows(requests):
    requests = list(requests.select_related("owner", "merged_into__owner"))
    ids = {r.pk for r in requests} | {r.merged_into_id for r in requests if r.status == choices.MERGED}
    last_change = dict(Event.objects.filter(request__in=ids).values("request").annotate(last=Max("at"))
                       .values_list("request", "last"))
    names = out.Categories()
    return [out.request_row(r, names(r), last_change) for r in requests]


# -- services -------------------------------------------------------------------------------

@endpoint("GET")
def service_list(request, format):
    _jurisdiction(request.GET)  # an unknown jurisdiction_id is an error even here
    rows = [out.service(c) for c in categories.all_categories(on=timezone.localdate())]
    return out.render(format, "services", rows)


@endpoint("GET")
def service_definition(request, format, service_code):
    _jurisdiction(request.GET)
    category = categories.get(service_code, on=timezone.localdate())
    return out.render(format, "service_definition", {"service_code": category.code, "attributes": []})


# -- requests -------------------------------------------------------------------------------

@endpoint("GET", "POST")
def request_list(request, format):
    return _create(request, format) if request.method == "POST" else _search(request, format)


def _missing(params):
    """Descriptions of what a POST lacks, all at once."""
    missing = []
    if not _param(params, "service_code"):
        missing.append("缺少参数 service_code（诉求类别，见 services 列表）")
    if not any(_param(params, p) for p in ("lat", "long", "address_string", "address_id")):
        missing.append("缺少位置参数：请提供 lat 和 long，或 address_string（地址），或 address_id")
    if not _param(params, "phone"):
        missing.append("缺少参数 phone（联系电话，用于告知办理结果；不会公开）")
    return missing


def _address(params):
    address_id = _param(params, "address_id")
    address = "，".join(filter(None, [_param(params, "address_string"), address_id and f"地址编号 {address_id}"]))
    if len(address) > ADDRESS_MAX:
        raise DomainError("address_too_long", f"地址最多 {ADDRESS_MAX} 个字，现有 {len(address)} 个字",
                          "address_string")
    return address


def _description(params):
    text, media_url = _param(params, "description"), _param(params, "media_url")
    if not media_url:
        return text
    try:
        URLValidator(schemes=["http", "https"])(media_url)
    except ValidationError:
        raise DomainError("media_url_invalid", "media_url 应为 http:// 或 https:// 开头的网址", "media_url") from None
    return f"{text}\n附图链接：{media_url}" if text else text  # no text: still refused as too short


def _idempotency_key(request, client):
    """The client's key, made unique per client so that two clients cannot meet on one key."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise DomainError("idempotency_key_too_long",
                          f"请求头 Idempotency-Key 最多 {IDEMPOTENCY_KEY_MAX} 个字符，现有 {len(key)} 个", "")
    return f"{client.pk}:{key}" if key else None


def _create(request, fmt):
    params = request.POST
    key = _param(params, "api_key")
    client = open311_keys.authenticate(key)
    if client is None:
        return out.errors(fmt, 403, "api_key 无效或已停用，无法提交诉求" if key else "缺少参数 api_key，无法提交诉求")
    missing = _missing(params)
    if missing:
        return out.errors(fmt, 400, *missing)
    created_request, created = services.submit(
        choices.OPEN311, category=_param(params, "service_code"), description=_description(params),
        phone=_param(params, "phone"), lon=_param(params, "long") or None, lat=_param(params, "lat") or None,
        address=_address(params), idempotency_key=_idempotency_key(request, client), area=_jurisdiction(params),
        client=client)
    category = out.Categories()(created_request)
    row = {"service_request_id": created_request.tracking_no,
           "service_notice": out.service_notice(category) if category else None,
           "account_id": None}  # we keep no accounts: the resident is known by phone only
    return out.render(fmt, "service_requests", [row], status=201 if created else 200)


def _moment(params, name):
    value = _param(params, name)
    if not value:
        return None
    moment = dateparse.parse_datetime(value)
    if moment is None:
        raise DomainError("date_invalid", f"{name} 应为 ISO 8601 时间，如 2026-01-01T00:00:00+08:00，收到 {value}", name)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)  # no offset: local time


def _window(params):
    """(start, end) of requested_datetime: the given range, at most MAX_DAYS long; one end
    alone reaches MAX_DAYS from it; neither: the last MAX_DAYS."""
    span = datetime.timedelta(days=MAX_DAYS)
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    if start and end:
        if end < start:
            raise DomainError("date_range_invalid", "end_date 早于 start_date", "end_date")
        if end - start > span:
            raise DomainError("date_range_too_long", f"start_date 与 end_date 相隔不能超过 {MAX_DAYS} 天", "end_date")
        return start, end
    if start:
        return start, start + span
    end = end or timezone.now()
    return end - span, end


def _listed(params, name, allowed=None, what=""):
    values = [v.strip() for v in _param(params, name).split(",") if v.strip()]
    wrong = [v for v in values if allowed is not None and v not in allowed]
    if wrong:
        raise DomainError(f"{name}_invalid", f"{name} 中有未知的{what}：{', '.join(wrong)}", name)
    return values


CLOSED = Q(status=choices.RESOLVED) | Q(status=choices.MERGED, merged_into__status=choices.RESOLVED)


def _search(request, fmt):
    params = request.GET
    found = _in(_jurisdiction(params))
    ids = _listed(params, "service_request_id")
    if ids:  # "This overrides all other arguments."
        if len(ids) > MAX_RESULTS:
            raise DomainError("too_many_ids", f"service_request_id 一次最多 {MAX_RESULTS} 个", "service_request_id")
        found = found.filter(tracking_no__in=ids)
    else:
        codes = _listed(params, "service_code", {c.code for c in categories.all_categories()}, "类别代码")
        statuses = set(_listed(params, "status", {"open", "closed"}, "状态（可用 open、closed）"))
        start, end = _window(params)
        found = found.filter(received_at__gte=start, received_at__lte=end)
        if codes:
            found = found.filter(category__in=codes)
        if statuses == {"open"}:
            found = found.exclude(CLOSED)
        elif statuses == {"closed"}:
            found = found.filter(CLOSED)
    return out.render(fmt, "service_requests", _rows(found.order_by("-received_at", "-id")[:MAX_RESULTS]))


def _one(request, tracking_no):
    found = _in(_jurisdiction(request.GET)).filter(tracking_no=tracking_no)
    if not found.exists():
        raise DomainError("request_unknown", f"没有受理编号为 {tracking_no} 的诉求", "service_request_id")
    return found


@endpoint("GET")
def request_detail(request, format, service_request_id):
    return out.render(format, "service_requests", _rows(_one(request, service_request_id)))


@endpoint("GET")
def token(request, format, token_id):
    found = _one(request, token_id).get()
    return out.render(format, "service_requests", [{"service_request_id": found.tracking_no, "token": token_id}])


urlpatterns = [
    path("services.<slug:format>", service_list, name="services"),
    path("services/<slug:service_code>.<slug:format>", service_definition, name="service"),
    path("requests.<slug:format>", request_list, name="requests"),
    path("requests/<slug:service_request_id>.<slug:format>", request_detail, name="request"),
    path("tokens/<slug:token_id>.<slug:format>", token, name="token"),
]

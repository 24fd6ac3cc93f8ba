"""The Open311 GeoReport v2 door, through HTTP in both formats: discovery, creation with an
api_key, following a request while staff handle it (through the services), listing with
filters, idempotency, every error path, and that no phone number ever leaves."""

import datetime
import json
import xml.etree.ElementTree as ET
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from jiceng.requests import categories, open311_keys, services
from jiceng.requests.models import ApiClient, Request

PHONE = "13912345678"
BOTH = pytest.mark.parametrize("fmt", ["json", "xml"])
BASE = "/open311/v2"


@pytest.fixture
def http():
    return Client(enforce_csrf_checks=True)  # API clients hold no CSRF token: the door must not ask


@pytest.fixture
def key(city):
    return open311_keys.issue(None, "测试应用")[1]


def parse(response, fmt):
    """The body as Python: JSON as is; XML (checked well-formed, declared UTF-8) as a list of
    {tag: text} per item, or one such dict for a single element."""
    assert response["Content-Type"] == {"json": "application/json; charset=utf-8",
                                        "xml": "text/xml; charset=utf-8"}[fmt]
    if fmt == "json":
        return json.loads(response.content)
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)
    items = [{child.tag: child.text for child in item} for item in root]
    return {"root": root.tag, "items": items, "element": root}


def rows(response, fmt):
    data = parse(response, fmt)
    return data if fmt == "json" else data["items"]


def text(value):
    """A JSON value as the XML text of the same field."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def errors(response, fmt):
    data = parse(response, fmt)
    if fmt == "json":
        return [(e["code"], e["description"]) for e in data]
    assert data["root"] == "errors" and all(e.tag == "error" for e in data["element"])
    return [(int(e["code"]), e["description"]) for e in data["items"]]


def post(http, fmt, data, idempotency_key=None):
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    return http.post(f"{BASE}/requests.{fmt}", urlencode(data),
                     content_type="application/x-www-form-urlencoded; charset=utf-8", headers=headers)


def form(city, key, point="甲一", **extra):
    lon, lat = city.points[point]
    data = {"api_key": key, "service_code": "city_appearance", "lat": lat, "long": lon, "phone": PHONE,
            "description": "楼下垃圾桶满了三天没人清运", "first_name": "三", "last_name": "张",
            "email": "zhang@example.com", "device_id": "dev-1", "account_id": "acc-1"}
    return {k: v for k, v in {**data, **extra}.items() if v is not None}


def created_id(response, fmt):
    assert response.status_code in (200, 201), response.content.decode()
    (row,) = rows(response, fmt)
    return row["service_request_id"]


# -- discovery ------------------------------------------------------------------------------

@BOTH
def test_services_are_the_categories(city, http, fmt):
    response = http.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    listed = rows(response, fmt)
    expected = categories.all_categories(on=timezone.localdate())
    assert [r["service_code"] for r in listed] == [c.code for c in expected]
    first, category = listed[0], expected[0]
    assert set(first) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert first["service_name"] == category.name and first["group"] == category.group
    assert text(first["metadata"]) == "false" and first["type"] == "realtime"
    assert "乱堆乱放" in first["keywords"].split(", ")
    if fmt == "xml":
        assert parse(response, fmt)["root"] == "services"
        assert all(e.tag == "service" for e in parse(response, fmt)["element"])


@BOTH
def test_service_definition_and_unknown_code(city, http, fmt):
    response = http.get(f"{BASE}/services/noise.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert json.loads(response.content) == {"service_code": "noise", "attributes": []}
    else:
        root = parse(response, fmt)["element"]
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "noise" and list(root.find("attributes")) == []
    response = http.get(f"{BASE}/services/potholes.{fmt}")
    assert response.status_code == 404
    [(code, description)] = errors(response, fmt)
    assert code == 404 and "potholes" in description and "service_code" in description


# -- the life cycle ----------------------------------------------------------------------------

@BOTH
def test_life_cycle(city, http, key, fmt):
    bodies = []

    def get(url, **params):
        response = http.get(url, params)
        bodies.append(response.content.decode())
        assert response.status_code == 200, response.content.decode()
        return rows(response, fmt)

    response = post(http, fmt, form(city, key))
    bodies.append(response.content.decode())
    assert response.status_code == 201
    (receipt,) = rows(response, fmt)
    number = receipt["service_request_id"]
    assert set(receipt) == {"service_request_id", "service_notice", "account_id"}
    assert receipt["account_id"] is None and "24 小时内响应" in receipt["service_notice"]
    stored = Request.objects.get(tracking_no=number)
    assert stored.channel == "open311" and stored.client.name == "测试应用" and stored.phone == PHONE
    assert stored.grid == city.grids["甲一"] == stored.owner

    (row,) = get(f"{BASE}/requests/{number}.{fmt}")
    assert row["status"] == "open" and row["status_notes"] == "待受理"
    assert row["service_code"] == "city_appearance" and row["service_name"] == "市容环境卫生"
    assert row["agency_responsible"] == "甲社区一网格"
    assert row["requested_datetime"] == timezone.localtime(stored.received_at).isoformat(timespec="seconds")
    assert row["requested_datetime"].endswith("+08:00")
    assert row["expected_datetime"] == timezone.localtime(stored.resolve_by).isoformat(timespec="seconds")
    assert text(row["lat"]) == text(stored.lat) and text(row["long"]) == text(stored.lon)
    assert row["description"] == "楼下垃圾桶满了三天没人清运"
    assert set(row) == {"service_request_id", "status", "status_notes", "service_name", "service_code",
                        "description", "agency_responsible", "service_notice", "requested_datetime",
                        "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                        "long", "media_url"}
    assert get(f"{BASE}/tokens/{number}.{fmt}") == [{"service_request_id": number, "token": number}]

    worker = city.users["grid_worker"]
    services.accept(worker, stored)
    (row,) = get(f"{BASE}/requests/{number}.{fmt}")
    assert row["status"] == "open" and row["status_notes"] == "办理中"
    services.resolve(worker, stored, "已联系环卫清运，现场已清理干净")
    stored.refresh_from_db()
    (row,) = get(f"{BASE}/requests/{number}.{fmt}")
    assert row["status"] == "closed" and row["status_notes"] == "已办结：已联系环卫清运，现场已清理干净"
    assert row["updated_datetime"] == timezone.localtime(stored.resolved_at).isoformat(timespec="seconds")

    assert [r["service_request_id"] for r in get(f"{BASE}/requests.{fmt}")] == [number]
    assert [r["service_request_id"] for r in get(f"{BASE}/requests.{fmt}", status="closed")] == [number]
    assert get(f"{BASE}/requests.{fmt}", status="open") == []
    assert get(f"{BASE}/requests.{fmt}", service_code="noise,utilities") == []
    assert len(get(f"{BASE}/requests.{fmt}", service_code="noise,city_appearance", status="open,closed")) == 1
    assert get(f"{BASE}/requests.{fmt}", jurisdiction_id="330522") == []  # 乙县 holds none of it
    assert len(get(f"{BASE}/requests.{fmt}", jurisdiction_id="330521001")) == 1  # 城关街道 does
    assert PHONE not in "".join(bodies) and "zhang@example.com" not in "".join(bodies)


@BOTH
def test_list_by_ids_and_dates(city, http, key, fmt):
    now = timezone.now()
    old, _ = services.submit("open311", category="noise", description="夜里工地一直施工很吵", phone=PHONE,
                             lon=city.points["乙一"][0], lat=city.points["乙一"][1],
                             now=now - datetime.timedelta(days=100))
    new = created_id(post(http, fmt, form(city, key)), fmt)

    def listed(**params):
        response = http.get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == 200, response.content.decode()
        return [r["service_request_id"] for r in rows(response, fmt)]

    assert listed() == [new]  # the default window: the last 90 days
    assert listed(service_request_id=f"{old.tracking_no}, {new},99999") == [new, old.tracking_no]
    start = timezone.localtime(now - datetime.timedelta(days=120)).isoformat(timespec="seconds")
    assert listed(start_date=start) == [old.tracking_no]  # start alone: 90 days from it
    end = (now - datetime.timedelta(days=50)).astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed(end_date=end) == [old.tracking_no]
    assert listed(start_date=start, end_date=end) == [old.tracking_no]
    assert listed(start_date=timezone.localtime(now - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                  service_code="city_appearance") == [new]  # no offset: local time


@BOTH
def test_address_only_waits_for_a_dispatcher(city, http, key, fmt):
    number = created_id(post(http, fmt, form(city, key, lat="", long=None, address_string="城关街道幸福路 8 号",
                                             address_id="A-1001")), fmt)
    (row,) = rows(http.get(f"{BASE}/requests/{number}.{fmt}"), fmt)
    assert row["status"] == "open" and row["status_notes"] == "待分派"
    assert row["agency_responsible"] == "甲县" and row["address"] == "城关街道幸福路 8 号，地址编号 A-1001"
    assert row["lat"] is None and row["long"] is None


@BOTH
def test_media_url_is_kept_in_the_description(city, http, key, fmt):
    url = "https://img.example.com/a.jpg"
    number = created_id(post(http, fmt, form(city, key, media_url=url)), fmt)
    assert Request.objects.get(tracking_no=number).description.endswith(f"\n附图链接：{url}")
    response = post(http, fmt, form(city, key, media_url="javascript:alert(1)"))
    assert response.status_code == 400 and "media_url" in errors(response, fmt)[0][1]


@BOTH
def test_a_merged_request_reports_its_targets_outcome(city, http, key, fmt):
    first = created_id(post(http, fmt, form(city, key)), fmt)
    second = created_id(post(http, fmt, form(city, key, description="垃圾桶旁边堆满了垃圾袋")), fmt)
    worker = city.users["grid_worker"]
    target, merged = Request.objects.get(tracking_no=first), Request.objects.get(tracking_no=second)
    services.merge(worker, merged, target)
    (row,) = rows(http.get(f"{BASE}/requests/{second}.{fmt}"), fmt)
    assert row["status"] == "open" and row["status_notes"] == f"已与 {first} 合并办理；待受理"
    services.accept(worker, target)
    services.resolve(worker, target, "已清运")
    (row,) = rows(http.get(f"{BASE}/requests/{second}.{fmt}"), fmt)
    assert row["status"] == "closed" and row["status_notes"] == f"已与 {first} 合并办理；已办结：已清运"
    assert row["description"] == "垃圾桶旁边堆满了垃圾袋" and row["agency_responsible"] == "甲社区一网格"
    closed = [r["service_request_id"] for r in rows(http.get(f"{BASE}/requests.{fmt}", {"status": "closed"}), fmt)]
    assert sorted(closed) == sorted([first, second])


# -- idempotency ------------------------------------------------------------------------------

@BOTH
def test_the_same_idempotency_key_creates_one_request(city, http, key, fmt):
    first = post(http, fmt, form(city, key), idempotency_key="client-req-0001")
    again = post(http, fmt, form(city, key), idempotency_key="client-req-0001")
    assert first.status_code == 201 and again.status_code == 200
    assert created_id(first, fmt) == created_id(again, fmt)
    assert Request.objects.count() == 1
    other_key = open311_keys.issue(None, "另一个应用")[1]
    other = post(http, fmt, form(city, other_key), idempotency_key="client-req-0001")
    assert other.status_code == 201 and created_id(other, fmt) != created_id(first, fmt)  # keys are per client
    assert created_id(post(http, fmt, form(city, key)), fmt) != created_id(first, fmt)  # no key: a new request
    assert Request.objects.count() == 3


# -- errors ---------------------------------------------------------------------------------

def revoked_key(city):
    client, key = open311_keys.issue(None, "已停用的应用")
    open311_keys.revoke(None, client)
    return key


POST_ERRORS = [
    # (case, form changes, status, words the description must hold)
    ("missing api_key", {"api_key": None}, 403, "api_key"),
    ("wrong api_key", {"api_key": "not-a-key"}, 403, "api_key"),
    ("revoked api_key", {"api_key": revoked_key}, 403, "api_key"),
    ("missing service_code", {"service_code": None}, 400, "service_code"),
    ("unknown service_code", {"service_code": "potholes"}, 404, "service_code"),
    ("missing location", {"lat": None, "long": None}, 400, "address_string"),
    ("latitude alone", {"long": ""}, 400, "lat/long"),
    ("latitude not a number", {"lat": "北纬30度"}, 400, "lat/long"),
    ("latitude out of range", {"lat": "95"}, 400, "lat/long"),
    ("far outside every grid", {"lat": "31.5", "long": "121.5"}, 400, "不在受理范围内"),
    ("outside the given jurisdiction", {"jurisdiction_id": "330522"}, 400, "不在乙县的受理范围内"),
    ("unknown jurisdiction", {"jurisdiction_id": "110101"}, 404, "jurisdiction_id"),
    ("missing phone", {"phone": None}, 400, "phone"),
    ("bad phone", {"phone": "12345"}, 400, "phone"),
    ("description too short", {"description": "脏"}, 400, "description"),
    ("address too long", {"lat": None, "long": None, "address_string": "路" * 201}, 400, "address_string"),
    ("idempotency key too long", {"idempotency": "k" * 65}, 400, "Idempotency-Key"),
]


@BOTH
@pytest.mark.parametrize("case, changes, status, words", POST_ERRORS, ids=[c[0] for c in POST_ERRORS])
def test_post_errors(city, http, key, fmt, case, changes, status, words):
    changes = {k: v(city) if callable(v) else v for k, v in changes.items()}
    idempotency = changes.pop("idempotency", None)
    response = post(http, fmt, form(city, key, **changes), idempotency_key=idempotency)
    assert response.status_code == status, response.content.decode()
    found = errors(response, fmt)
    assert found and all(code == status for code, _ in found)
    assert any(words in description for _, description in found), found
    assert Request.objects.count() == 0
    assert PHONE not in response.content.decode()


@BOTH
def test_every_missing_parameter_is_named_at_once(city, http, key, fmt):
    response = post(http, fmt, {"api_key": key, "description": "没有类别、位置和电话"})
    described = " ".join(d for _, d in errors(response, fmt))
    assert response.status_code == 400
    assert all(p in described for p in ("service_code", "lat", "address_string", "phone"))


GET_ERRORS = [
    ("unknown request", "requests/99999999.{fmt}", {}, 404, "99999999"),
    ("unknown token", "tokens/99999999.{fmt}", {}, 404, "99999999"),
    ("unknown jurisdiction", "services.{fmt}", {"jurisdiction_id": "999999"}, 404, "jurisdiction_id"),
    ("bad start_date", "requests.{fmt}", {"start_date": "昨天"}, 400, "start_date"),
    ("reversed dates", "requests.{fmt}", {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
     400, "end_date"),
    ("more than 90 days", "requests.{fmt}", {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
     400, "90"),
    ("unknown status", "requests.{fmt}", {"status": "open,pending"}, 400, "pending"),
    ("unknown service_code", "requests.{fmt}", {"service_code": "potholes"}, 400, "potholes"),
]


@BOTH
@pytest.mark.parametrize("case, url, params, status, words", GET_ERRORS, ids=[c[0] for c in GET_ERRORS])
def test_get_errors(city, http, fmt, case, url, params, status, words):
    response = http.get(f"{BASE}/{url.format(fmt=fmt)}", params)
    assert response.status_code == status, response.content.decode()
    [(code, description)] = errors(response, fmt)
    assert code == status and words in description


@pytest.mark.parametrize("url", ["services.html", "requests.csv", "requests/1.txt", "services/noise.yaml"])
def test_an_unknown_format_is_not_found(city, http, url):
    response = http.get(f"{BASE}/{url}")
    assert response.status_code == 404
    [(code, description)] = errors(response, "xml")  # the format every GeoReport v2 server speaks
    assert code == 404 and ".json" in description and ".xml" in description


def test_a_wrong_method_is_refused_in_the_spec_format(city, http):
    response = http.post(f"{BASE}/services.json")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert errors(response, "json")[0][0] == 405
    assert http.delete(f"{BASE}/requests.xml").status_code == 405


# -- personal data ----------------------------------------------------------------------------

@BOTH
def test_no_phone_number_leaves_even_when_typed_into_the_text(city, http, key, fmt):
    description = f"请联系我 {PHONE} 或 139-1234-5678，身份证 330521198503140012"
    number = created_id(post(http, fmt, form(city, key, description=description)), fmt)
    stored = Request.objects.get(tracking_no=number)
    services.accept(city.users["grid_worker"], stored)
    services.resolve(city.users["grid_worker"], stored, f"已电话联系 {PHONE}，问题已解决")
    bodies = [http.get(f"{BASE}/{path}.{fmt}").content.decode()
              for path in (f"requests/{number}", "requests", f"tokens/{number}")]
    for body in bodies:
        assert PHONE not in body and "1234-5678" not in body and "330521198503140012" not in body
    (row,) = rows(http.get(f"{BASE}/requests/{number}.{fmt}"), fmt)
    assert "139****5678" in row["description"] and "330***********0012" in row["description"]
    assert row["status_notes"] == "已办结：已电话联系 139****5678，问题已解决"


def test_control_characters_do_not_break_the_xml(city, http, key):
    number = created_id(post(http, "xml", form(city, key, description="井盖\x0b松动\x01了，很危险")), "xml")
    (row,) = rows(http.get(f"{BASE}/requests/{number}.xml"), "xml")
    assert row["description"] == "井盖松动了，很危险"


# -- keys ---------------------------------------------------------------------------------------

def test_open311_key_command(city, http):
    out, err = StringIO(), StringIO()
    call_command("open311_key", "create", "  市民通 App  ", stdout=out, stderr=err)
    key = out.getvalue().strip()
    client = ApiClient.objects.get()
    assert client.name == "市民通 App" and client.active and "只显示这一次" in err.getvalue()
    assert key not in client.key_digest and client.key_digest == open311_keys.digest(key)
    assert created_id(post(http, "json", form(city, key)), "json")

    listing = StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert f"{client.pk}\t启用" in listing.getvalue() and key not in listing.getvalue()
    call_command("open311_key", "revoke", str(client.pk), stdout=StringIO())
    assert post(http, "json", form(city, key)).status_code == 403
    with pytest.raises(CommandError, match="已停用"):
        call_command("open311_key", "revoke", str(client.pk), stdout=StringIO())
    with pytest.raises(CommandError, match="名称"):
        call_command("open311_key", "create", "   ", stdout=StringIO(), stderr=StringIO())

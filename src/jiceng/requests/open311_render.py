"""Open311 GeoReport v2 output: the spec's shapes of services, requests and errors, in JSON
and in XML (root element after an XML declaration, list items named as in the spec).

Nothing personal leaves through here: a request's row has no phone number, name, openid or
photo, and phone and ID-card numbers that residents or staff typed into free text are
masked. A merged request reports the outcome of the request it was merged into.
"""

import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

from jiceng.core import crypto
from jiceng.core.errors import DomainError

from . import categories, choices

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# XML element of each item of a list (JSON has plain arrays).
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value"}

# Mobile numbers (also written 138 0013 8000 or 138-0013-8000) and ID-card numbers in free text.
PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
# Control characters that XML 1.0 does not allow (pasted text sometimes has them).
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(node, value):
    if isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(node, ITEMS[node.tag]), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(node, key), item)
    else:
        node.text = _text(value)


def render(fmt, root, data, status=200):
    """`data` (a list of rows or one dict) as JSON, or as XML under the element `root`."""
    if fmt == "json":
        return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=JSON_TYPE, status=status)
    tree = ET.Element(root)
    _fill(tree, data)
    return HttpResponse(XML_DECLARATION + ET.tostring(tree, encoding="utf-8", xml_declaration=False),
                        content_type=XML_TYPE, status=status)


def errors(fmt, status, *descriptions):
    """The spec's error list; the code of each error is the HTTP status. An unknown format
    gets XML, the format every GeoReport v2 server must speak."""
    rows = [{"code": status, "description": d} for d in descriptions]
    return render(fmt if fmt in FORMATS else "xml", "errors", rows, status)


def iso(moment):
    """W3C date-time with the local offset (…+08:00), as the spec asks."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def redact(text):
    text = PHONE_IN_TEXT.sub(lambda m: crypto.mask_phone(re.sub(r"\D", "", m[0])), text or "")
    return ID_IN_TEXT.sub(lambda m: crypto.mask_id_number(m[0]), text)


def keywords(category):
    """Synonyms for a category: the items its description lists ("垃圾清运不及时、乱堆乱放、
    小广告…等" → 垃圾清运不及时, 乱堆乱放, 小广告 …), up to the first clause break."""
    head = re.split(r"[，；。]", category.description)[0]
    terms = [term.split("等")[0].strip() for term in head.split("、")]
    return ", ".join(t for t in terms if t) or category.name


def service(category):
    return {"service_code": category.code, "service_name": category.name, "description": category.description,
            "metadata": False, "type": "realtime", "keywords": keywords(category), "group": category.group}


def service_notice(category):
    """What the resident may expect: the category's time limits (see requests.sla)."""
    resolve = ("当日办结" if category.resolve_workdays == 0
               else f"受理次日起 {category.resolve_workdays} 个工作日内办结")
    return f"{category.name}：{category.respond_hours:g} 小时内响应，{resolve}"


class Categories:
    """Categories by code for a batch of rows: today's table, then the table in force when a
    request came in (a category since retired), else None."""

    def __init__(self):
        self.known = {c.code: c for c in categories.all_categories(on=timezone.localdate())}

    def __call__(self, request):
        if request.category not in self.known:
            try:
                found = categories.get(request.category, on=timezone.localdate(request.received_at))
            except DomainError:
                found = None
            self.known[request.category] = found
        return self.known[request.category]


def _outcome(request):
    """The request whose handling this one shows: itself, or the one it was merged into
    (`services.merge` moves earlier merges along, so one step is enough)."""
    return request.merged_into if request.status == choices.MERGED else request


def _status_notes(request, outcome):
    labels = dict(choices.STATUSES)
    notes = labels[outcome.status]
    if outcome.status == choices.RESOLVED and outcome.result:
        notes = f"{notes}：{redact(outcome.result)}"
    if outcome is not request:
        notes = f"已与 {outcome.tracking_no} 合并办理；{notes}"
    return notes


def request_row(request, category, last_change):
    """One request in the spec's shape. `last_change`: {request id: time of its latest event},
    for the request and for the one it was merged into."""
    outcome = _outcome(request)
    closed = outcome.status == choices.RESOLVED
    return {
        "service_request_id": request.tracking_no,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(request, outcome),
        "service_name": category.name if category else request.category,
        "service_code": request.category,
        "description": redact(request.description),
        "agency_responsible": outcome.owner.name if outcome.owner_id else None,
        "service_notice": service_notice(category) if category else None,
        "requested_datetime": iso(request.received_at),
        "updated_datetime": iso(outcome.resolved_at if closed else last_change.get(outcome.pk, request.received_at)),
        "expected_datetime": iso(outcome.resolve_by),
        "address": request.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": request.lat,
        "long": request.lon,
        "media_url": None,
    }

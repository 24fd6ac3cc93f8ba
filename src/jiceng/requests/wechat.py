"""WeChat official account callback (/wechat/): residents send their requests as messages.

Protocol (wechatpy does the parsing and the crypto): WeChat signs every call with
WECHAT_TOKEN (`signature` over token, timestamp, nonce). GET with `echostr` is the URL check.
POST carries one message as XML, in clear (`encrypt_type` absent or "raw") or encrypted
(`encrypt_type=aes`, `msg_signature`; WECHAT_AES_KEY and WECHAT_APP_ID), and the reply goes
back the same way. Without WECHAT_TOKEN the endpoint is 404. A bad signature is 403; a body
that cannot be decrypted or parsed after a good signature is logged and answered "success"
(WeChat's "no reply", so it does not retry); so is any message type we do not handle.

Dialogue (replies are passive: only an answer to a message can reach the resident):
- subscribe, "帮助": how to submit. "类别": the categories. "查询": the resident's recent
  requests with their latest public step (the public pages ask for the phone number, which
  WeChat never gives us). "评价 <编号> 满意|基本满意|不满意 [意见]": rates a resolved request
  of this openid.
- any other text is the request itself. It may start with a category's name ("噪音扰民：…");
  else the first category of policy `requests.wechat_keywords` with a word in the text;
  else `requests.wechat_default_category`. A text too short or too long is refused with the
  reason, nothing is stored.
- WeChat sends text and location (and images) as separate messages, so they gather in a
  per-openid draft for `requests.wechat_draft_minutes` from the first one. When the draft
  has both text and a location the request is submitted at once and the reply carries the
  tracking number. When the time is up, a draft with text is submitted without a location
  (the triage queue); one without text is dropped, since it is not a request. More texts
  within the time are added to the description. A location is checked as it arrives
  (routing.locate), so a wrong one is refused while the resident can still resend it.
- images: we cannot fetch them here (no internet; MediaId needs the API). Their PicUrls
  are kept in the draft and listed at the end of the description (as many as fit the
  policy's length), where staff can open them.
- the request's idempotency key is the MsgId of its first text, so WeChat's retries (three
  within 15 s) cannot make two requests: a retry while the draft waits is recognised by its
  MsgId, a retried text after the request was made is answered with its number, and a text
  submitted twice by any path yields the first request. (A retried location after the
  request was made opens a new draft without text, which expires unused.) The request's
  `received_at` is the time of the draft's first message, when the resident asked.

The draft is stored in the database: it is the deferred task (django-tasks, database queue)
that will submit it when the time is up. A later message from the same openid takes the
task back (row locked while still waiting), merges, and either submits or queues it again
with the same deadline. So a draft survives a restart, needs no table of its own, and
`jiceng worker` must run for a text without location to become a request; the lookup
reads the queue's table, so it needs the database task backend (settings.TASKS). Two messages of
one resident racing on PostgreSQL could open two drafts; WeChat sends one user's messages
in order, and the idempotency key keeps each text to one request.
"""

import datetime
import logging
import re

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from jiceng.core import policy
from jiceng.core.errors import DomainError

from . import categories, choices, routing, services
from .models import Request

log = logging.getLogger(__name__)

HELP = ("您好！在这里可以反映身边的问题：\n"
        "1. 用文字说明情况，可用类别开头，如“噪音扰民：……”；\n"
        "2. 发送位置（点“+”→“位置”），以便派给所在网格办理；\n"
        "3. 受理后会回复受理编号。\n"
        "回复“类别”查看诉求类别，“查询”查看您提交的诉求；办结后回复“评价 编号 满意”"
        "（或“基本满意”“不满意”，可附意见）评价办理结果。")
HELP_WORDS = {"帮助", "help", "?", "？", "你好", "您好"}
RATE = re.compile(r"评价\s*(\d+)\s*(基本满意|不满意|满意)\s*(.*)", re.S)
RATINGS = {label: code for code, label in choices.RATINGS}
RECENT = 5  # requests listed by "查询": what fits one chat bubble


# -- protocol --------------------------------------------------------------------------------

def _plain(text, status=200):
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _crypto():
    try:
        return WeChatCrypto(settings.WECHAT_TOKEN, settings.WECHAT_AES_KEY, settings.WECHAT_APP_ID)
    except (AssertionError, ValueError):  # wechatpy's checks of a 43-character base64 key
        log.error("WECHAT_AES_KEY is missing or not a 43-character EncodingAESKey: encrypted message dropped")
        return None


@csrf_exempt
def callback(request):
    token = settings.WECHAT_TOKEN
    if not token:
        return _plain("not configured", 404)
    if request.method not in ("GET", "POST"):
        return _plain("method not allowed", 405)
    query = request.GET
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    try:
        check_signature(token, query.get("signature", ""), timestamp, nonce)
    except InvalidSignatureException:
        log.warning("WeChat callback with a bad signature from %s", request.META.get("REMOTE_ADDR"))
        return _plain("forbidden", 403)
    if request.method == "GET":
        return _plain(query.get("echostr", ""))
    body, crypto = request.body, None
    if query.get("encrypt_type") == "aes":
        if (crypto := _crypto()) is None:
            return _plain("success")
        try:
            body = crypto.decrypt_message(body, query.get("msg_signature", ""), timestamp, nonce)
        except InvalidSignatureException:
            log.warning("WeChat message with a bad msg_signature from %s", request.META.get("REMOTE_ADDR"))
            return _plain("forbidden", 403)
        except Exception:  # bad XML, base64, padding or AppID: wechatpy raises whatever it hits
            log.warning("WeChat message could not be decrypted", exc_info=True)
            return _plain("success")
    try:
        message = parse_message(body)
    except Exception:  # malformed XML or a message without MsgType
        log.warning("WeChat message could not be parsed", exc_info=True)
        return _plain("success")
    text = answer(message)
    if text is None:
        return _plain("success")
    xml = TextReply(content=text, message=message).render()
    if crypto:
        xml = crypto.encrypt_message(xml, nonce, timestamp)
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")


app_name = "wechat"
urlpatterns = [path("", callback, name="callback")]


# -- dialogue --------------------------------------------------------------------------------

def answer(message):
    """The text to reply to one message, or None for no reply."""
    if message is None or not message.source:
        return None
    if message.type == "event":
        return HELP if message.event in ("subscribe", "subscribe_scan") else None
    now = timezone.now()
    try:
        if message.type == "text":
            return _on_text(message, now)
        if message.type == "location":
            routing.locate(message.location_y, message.location_x)  # refuse a wrong place now
            return _merge(message, now, lon=float(message.location_y), lat=float(message.location_x),
                          label=(message.label or "").strip())
        if message.type == "image" and message.image:
            return _merge(message, now, picture=message.image)
    except DomainError as exc:
        return f"{exc.message}\n回复“帮助”查看使用方法。"
    return None


def _on_text(message, now):
    content = (message.content or "").strip()
    on = timezone.localdate(now)
    if content.lower() in HELP_WORDS:
        return HELP
    if content == "类别":
        return "诉求类别：\n" + "\n".join(f"{c.name}：{c.description}" for c in categories.all_categories(on))
    if content == "查询":
        return _recent(message.source)
    if content.startswith("评价"):
        return _rate(message.source, content)
    for category in categories.all_categories(on):
        if content.startswith(category.name):
            return _merge(message, now, text=content[len(category.name):].lstrip(" :：,，、-—"),
                          category=category.code)
    return _merge(message, now, text=content)


def _recent(openid):
    """The resident's latest requests with their latest public step: the public pages ask for
    the phone number, which a WeChat resident never gave, so progress is told here."""
    rows = Request.objects.filter(wechat_openid=openid).order_by("-received_at")[:RECENT]
    lines = []
    for r in rows:
        lines.append(f"{r.tracking_no}（{r.get_status_display()}）{r.description[:15]}")
        if step := r.events.filter(public=True).select_related("org").order_by("-at", "-pk").first():
            lines.append(f"  {timezone.localtime(step.at):%m-%d %H:%M} {step.get_kind_display()}"
                         + (f"：{step.org.name}" if step.org else ""))
    if not lines:
        return "您还没有通过公众号提交诉求。\n" + HELP
    return "您最近提交的诉求：\n" + "\n".join(lines)


def _rate(openid, content):
    match = RATE.fullmatch(content)
    if not match:
        return "评价请回复：评价 编号 满意（或“基本满意”“不满意”），可在后面附上意见。"
    tracking_no, label, comment = match.groups()
    request = Request.objects.filter(tracking_no=tracking_no, wechat_openid=openid).first()
    if request is None:  # someone else's request looks the same as none: nothing to learn here
        return f"没有找到您提交的编号为 {tracking_no} 的诉求。回复“查询”查看您提交的诉求。"
    services.rate(request, RATINGS[label], comment)
    return f"感谢您的评价！编号 {tracking_no}：{label}。"


# -- drafts ----------------------------------------------------------------------------------

@task()
def submit_draft(**draft):
    """The time is up: submit the draft as it is (without a location), or drop it if it has no text."""
    if not draft["text"]:
        log.info("a WeChat draft without text expired")
        return ""
    request, _ = _submit(draft)
    return request.tracking_no


def _pending(openid, now):
    """The draft of `openid` still within its time, locked: its deferred task, not yet run."""
    return (DBTaskResult.objects.select_for_update()
            .filter(task_path=submit_draft.module_path, status=TaskResultStatus.READY, run_after__gt=now,
                    args_kwargs__kwargs__openid=openid).first())


def _merge(message, now, *, text=None, category="", lon=None, lat=None, label="", picture=""):
    """Add one message to the openid's draft; submit it once it has text and a location."""
    on = timezone.localdate(now)
    minutes = policy.get("requests.wechat_draft_minutes", on=on)
    msg_id = str(message.id)
    if text is not None and (done := Request.objects.filter(idempotency_key=f"{choices.WECHAT}:{msg_id}").first()):
        return _accepted(done)  # WeChat's retry of the text that completed a request
    with transaction.atomic():
        row = _pending(message.source, now)
        draft = row.args_kwargs["kwargs"] if row else {
            "openid": message.source, "since": now.isoformat(), "key": "", "msg_ids": [], "text": "",
            "category": "", "lon": None, "lat": None, "label": "", "pictures": []}
        if msg_id in draft["msg_ids"]:  # WeChat's retry of a message already in the draft
            return _prompt(draft, minutes)
        draft["msg_ids"].append(msg_id)
        if text is not None:
            draft["text"] = services.check_text(f"{draft['text']}\n{text}", on)
            draft["key"] = draft["key"] or msg_id
            draft["category"] = draft["category"] or category
        if lon is not None:
            draft.update(lon=lon, lat=lat, label=label[:200])
        if picture:
            limit = policy.get("requests.photo_max_count", on=on)
            if len(draft["pictures"]) >= limit:
                raise DomainError("too_many_photos", f"每件诉求最多 {limit} 张图片")
            draft["pictures"].append(picture)
        if row:
            row.delete()
        if draft["text"] and draft["lon"] is not None:
            return _accepted(_submit(draft)[0])
        deadline = datetime.datetime.fromisoformat(draft["since"]) + datetime.timedelta(minutes=minutes)
        submit_draft.using(run_after=deadline).enqueue(**draft)
    return _prompt(draft, minutes)


def _accepted(request):
    return f"已受理，编号 {request.tracking_no}。回复“查询”可查看办理进度。"


def _prompt(draft, minutes):
    if not draft["text"]:
        got = "位置" if draft["lon"] is not None else "图片"
        return f"已收到{got}。请在 {minutes} 分钟内用文字说明诉求内容。"
    return (f"已收到您的诉求。请在 {minutes} 分钟内发送位置（点“+”→“位置”），以便派给所在网格办理；"
            f"未发送位置的，{minutes} 分钟后按未定位诉求受理，届时回复“查询”可查看受理编号。")


def _category(text, on):
    for code, words in policy.get("requests.wechat_keywords", on=on).items():
        if any(word in text for word in words):
            return code
    return policy.get("requests.wechat_default_category", on=on)


def _description(draft, on):
    """The text, then as many picture links as the policy's length allows."""
    text, limit = draft["text"], policy.get("requests.description_max_chars", on=on)
    for i, url in enumerate(draft["pictures"], 1):
        line = f"\n微信图片{i}：{url}"
        if len(text) + len(line) > limit:
            log.warning("WeChat picture links cut at %d of %d: description full", i - 1, len(draft["pictures"]))
            break
        text += line
    return text


def _submit(draft):
    since = datetime.datetime.fromisoformat(draft["since"])
    on = timezone.localdate(since)
    return services.submit(
        choices.WECHAT, category=draft["category"] or _category(draft["text"], on),
        description=_description(draft, on), phone="", lon=draft["lon"], lat=draft["lat"], address=draft["label"],
        idempotency_key=draft["key"], openid=draft["openid"], now=since)

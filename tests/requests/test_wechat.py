"""The WeChat door (/wechat/) through Django's test client, with messages built as WeChat
builds them and signed or encrypted with wechatpy's own crypto."""

import datetime
import textwrap
import time

import pytest
import xmltodict
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import deserialize_reply
from wechatpy.utils import WeChatSigner

from jiceng.core import policy
from jiceng.requests import categories, choices, services
from jiceng.requests.models import Request
from jiceng.requests.wechat import submit_draft

TOKEN, APP_ID = "jiceng-test-token", "wx5823bf96d3bd56c7"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # 43 characters, as the console gives it
ALICE, BOB = "oAlice-openid-0000000000001", "oBob-openid-00000000000000002"
TIMESTAMP, NONCE = "1767225600", "1320562132"


@pytest.fixture
def wechat(settings, city):
    settings.WECHAT_TOKEN, settings.WECHAT_APP_ID, settings.WECHAT_AES_KEY = TOKEN, APP_ID, AES_KEY
    return city


def signature(timestamp=TIMESTAMP, nonce=NONCE, token=TOKEN):
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return signer.signature


def message(openid, msg_type, msg_id=None, **fields):
    """A message as WeChat posts it (text in CDATA, numbers bare)."""
    body = "".join(f"<{k}>{v}</{k}>" if isinstance(v, float | int) else f"<{k}><![CDATA[{v}]]></{k}>"
                   for k, v in fields.items())
    msg_id = f"<MsgId>{msg_id}</MsgId>" if msg_id else ""
    return (f"<xml><ToUserName><![CDATA[gh_3f9a2c1b7d11]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"{body}{msg_id}</xml>")


def text(openid, content, msg_id):
    return message(openid, "text", msg_id, Content=content)


def location(openid, lon, lat, msg_id, label="浙江省甲县城关街道人民路 1 号"):
    return message(openid, "location", msg_id, Location_X=lat, Location_Y=lon, Scale=15, Label=label)


def post(xml, **query):
    params = {"signature": signature(), "timestamp": TIMESTAMP, "nonce": NONCE, **query}
    return Client().post("/wechat/", data=xml.encode(), content_type="text/xml", query_params=params)


def say(xml):
    """Post in clear; the text of the passive reply (None for "success")."""
    response = post(xml)
    assert response.status_code == 200, response.content
    if response.content == b"success":
        return None
    reply = deserialize_reply(response.content.decode())
    assert reply.type == "text" and reply.target in (ALICE, BOB)
    return reply.content


def say_encrypted(xml):
    """Post encrypted (安全模式) and decrypt the reply with the same key."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    envelope = crypto.encrypt_message(xml, NONCE, TIMESTAMP)
    msg_signature = xmltodict.parse(envelope)["xml"]["MsgSignature"]
    response = post(envelope, encrypt_type="aes", msg_signature=msg_signature, openid=ALICE)
    assert response.status_code == 200, response.content
    sealed = xmltodict.parse(response.content)["xml"]
    plain = crypto.decrypt_message(response.content, sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"])
    return deserialize_reply(plain).content


def tracking_no(reply):
    assert reply.startswith("已受理，编号 "), reply
    return reply.split("编号 ")[1].split("。")[0]


def drafts(openid):
    return DBTaskResult.objects.filter(task_path=submit_draft.module_path, status=TaskResultStatus.READY,
                                       args_kwargs__kwargs__openid=openid)


def run_worker():
    call_command("worker", batch=True, no_schedule=True, startup_delay=False, verbosity=0)


@pytest.fixture
def no_wait(settings, tmp_path):
    """A deployment whose drafts do not wait: a text alone is due at once."""
    (tmp_path / "requests.toml").write_text(textwrap.dedent("""
        [wechat_draft_minutes]
        [[wechat_draft_minutes.values]]
        from = 2000-01-01
        value = 0
    """))
    settings.JICENG_POLICY_DIRS = [*django_settings.JICENG_POLICY_DIRS, tmp_path]
    policy.registry.cache_clear()
    yield
    policy.registry.cache_clear()


# -- protocol --------------------------------------------------------------------------------

def test_url_check_echoes_with_a_good_signature_only(wechat):
    client = Client()
    good = {"signature": signature(), "timestamp": TIMESTAMP, "nonce": NONCE, "echostr": "5837397520216574713"}
    response = client.get("/wechat/", good)
    assert response.status_code == 200 and response.content == b"5837397520216574713"
    assert response["Content-Type"].startswith("text/plain")
    for bad in ({**good, "signature": signature(token="guess")}, {**good, "nonce": "other"},
                {"echostr": "5837397520216574713"}):
        response = client.get("/wechat/", bad)
        assert response.status_code == 403 and b"5837397520216574713" not in response.content
        assert response.content == b"forbidden"


def test_not_configured_is_not_found(settings, db):
    settings.WECHAT_TOKEN = ""
    assert Client().get("/wechat/", {"signature": signature(), "timestamp": TIMESTAMP, "nonce": NONCE,
                                     "echostr": "1"}).status_code == 404
    assert post(text(ALICE, "小区门口的垃圾三天没人清运了", 1)).status_code == 404


def test_unsigned_or_badly_signed_messages_are_refused(wechat):
    xml = text(ALICE, "小区门口的垃圾三天没人清运了", 10)
    assert post(xml, signature="0" * 40).status_code == 403
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    envelope = crypto.encrypt_message(xml, NONCE, TIMESTAMP)
    assert post(envelope, encrypt_type="aes", msg_signature="0" * 40).status_code == 403
    stranger = WeChatCrypto("another-token", AES_KEY, APP_ID).encrypt_message(xml, NONCE, TIMESTAMP)
    forged = xmltodict.parse(stranger)["xml"]["MsgSignature"]
    assert post(stranger, encrypt_type="aes", msg_signature=forged).status_code == 403
    assert not drafts(ALICE).exists() and not Request.objects.exists()


def test_what_cannot_be_read_is_answered_success(wechat, settings):
    for body in ("<xml><MsgType>text", "not xml at all", "<xml></xml>", "<xml><Content>无类型</Content></xml>", ""):
        response = post(body)
        assert response.status_code == 200 and response.content == b"success", body
    other_app = WeChatCrypto(TOKEN, AES_KEY, "wx0000000000000000").encrypt_message(text(ALICE, "别的公众号的消息", 11),
                                                                                  NONCE, TIMESTAMP)
    sig = xmltodict.parse(other_app)["xml"]["MsgSignature"]
    assert post(other_app, encrypt_type="aes", msg_signature=sig).content == b"success"
    garbage = "<xml><Encrypt><![CDATA[bm90IGEgY2lwaGVydGV4dA==]]></Encrypt></xml>"
    crypto_sig = WeChatSigner()
    crypto_sig.add_data(TOKEN, TIMESTAMP, NONCE, "bm90IGEgY2lwaGVydGV4dA==")
    assert post(garbage, encrypt_type="aes", msg_signature=crypto_sig.signature).content == b"success"
    settings.WECHAT_AES_KEY = ""  # encrypted mode switched on in the console, key not set here
    envelope = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(text(ALICE, "小区门口垃圾没人清运", 12), NONCE,
                                                                    TIMESTAMP)
    assert post(envelope, encrypt_type="aes",
                msg_signature=xmltodict.parse(envelope)["xml"]["MsgSignature"]).content == b"success"
    assert not Request.objects.exists()


def test_subscribe_gets_a_welcome_and_other_types_no_reply(wechat):
    welcome = say(message(ALICE, "event", Event="subscribe", EventKey=""))
    assert "发送位置" in welcome and "评价" in welcome
    assert say(message(ALICE, "event", Event="unsubscribe")) is None
    assert say(message(ALICE, "voice", 20, MediaId="media-1", Format="amr")) is None
    assert say(message(ALICE, "event", Event="LOCATION", Latitude=30.005, Longitude=120.005)) is None


# -- dialogue --------------------------------------------------------------------------------

def test_location_then_text_make_one_located_request(wechat):
    lon, lat = wechat.points["甲一"]
    assert say(location(ALICE, lon, lat, 100)) == "已收到位置。请在 5 分钟内用文字说明诉求内容。"
    reply = say(text(ALICE, "小区门口的垃圾三天没人清运了，气味很大", 101))
    request = Request.objects.get(tracking_no=tracking_no(reply))
    assert reply == f"已受理，编号 {request.tracking_no}。回复“查询”可查看办理进度。"
    assert (request.channel, request.category, request.wechat_openid) == (choices.WECHAT, "city_appearance", ALICE)
    assert (request.lon, request.lat, request.grid, request.owner) == (lon, lat, wechat.grids["甲一"],
                                                                        wechat.grids["甲一"])
    assert request.status == choices.ASSIGNED and request.phone_enc == ""
    assert request.address == "浙江省甲县城关街道人民路 1 号"
    assert request.idempotency_key == "wechat:101"
    assert not drafts(ALICE).exists()
    assert say(text(ALICE, "查询", 102)).endswith(f"{request.tracking_no}（待受理）小区门口的垃圾三天没人清运了，\n"
                                                  f"  {timezone.localtime(request.received_at):%m-%d %H:%M} 派单：甲社区一网格")


def test_encrypted_text_then_location_and_the_reply_comes_back_encrypted(wechat):
    lon, lat = wechat.points["乙二"]
    prompt = say_encrypted(text(ALICE, "物业：电梯坏了一个星期没人修", 200))
    assert prompt.startswith("已收到您的诉求。请在 5 分钟内发送位置")
    assert drafts(ALICE).count() == 1 and not Request.objects.exists()
    reply = say_encrypted(location(ALICE, lon, lat, 201))
    request = Request.objects.get(tracking_no=tracking_no(reply))
    assert (request.category, request.grid, request.owner) == ("property_management", wechat.grids["乙二"],
                                                               wechat.communities["乙"])
    assert request.description == "物业：电梯坏了一个星期没人修"


def test_retries_of_one_msg_id_make_one_request(wechat):
    lon, lat = wechat.points["甲二"]
    first = say(text(ALICE, "楼下烧烤店油烟很大，晚上噪音扰民", 300))
    assert say(text(ALICE, "楼下烧烤店油烟很大，晚上噪音扰民", 300)) == first  # a retry within the draft
    assert drafts(ALICE).count() == 1
    assert drafts(ALICE).get().args_kwargs["kwargs"]["text"] == "楼下烧烤店油烟很大，晚上噪音扰民"
    number = tracking_no(say(location(ALICE, lon, lat, 301)))
    for _ in range(3):  # WeChat retries three times within 15 s
        assert tracking_no(say(text(ALICE, "楼下烧烤店油烟很大，晚上噪音扰民", 300))) == number
    request = Request.objects.get()
    assert (request.tracking_no, request.category) == (number, "noise")
    assert not drafts(ALICE).exists()


@pytest.mark.django_db(transaction=True)  # the worker closes connections: no test transaction
def test_a_text_alone_becomes_a_triage_request_when_the_time_is_up(wechat, no_wait):
    before = datetime.datetime.now(datetime.timezone.utc)
    reply = say(text(ALICE, "想咨询一下孩子入学需要准备哪些材料", 400))
    assert "0 分钟后按未定位诉求受理" in reply and not Request.objects.exists()
    run_worker()
    request = Request.objects.get()
    assert (request.status, request.category, request.owner) == (choices.TRIAGE, "policy_enquiry", wechat.county)
    assert request.lon is None and request.wechat_openid == ALICE and request.received_at >= before
    assert not drafts(ALICE).exists()
    listing = say(text(ALICE, "查询", 401))
    assert request.tracking_no in listing and "待分派" in listing


@pytest.mark.django_db(transaction=True)  # the worker closes connections: no test transaction
def test_a_location_alone_is_dropped_when_the_time_is_up(wechat, no_wait):
    lon, lat = wechat.points["甲一"]
    say(location(ALICE, lon, lat, 450))
    run_worker()
    assert not Request.objects.exists()
    assert DBTaskResult.objects.get(task_path=submit_draft.module_path).status == TaskResultStatus.SUCCESSFUL


def test_drafts_are_per_resident(wechat):
    say(text(ALICE, "小区里的路灯坏了好几盏", 500))
    lon, lat = wechat.points["东村"]
    assert say(location(BOB, lon, lat, 501)).startswith("已收到位置")
    assert not Request.objects.exists() and drafts(ALICE).count() == drafts(BOB).count() == 1
    request = Request.objects.get(tracking_no=tracking_no(say(text(BOB, "村口的路面塌了一个大坑", 502))))
    assert (request.wechat_openid, request.grid, request.category) == (BOB, wechat.grids["东村"], "road_lighting")
    assert drafts(ALICE).count() == 1


def test_texts_images_and_category_names_gather_in_the_draft(wechat):
    lon, lat = wechat.points["甲一"]
    assert say(message(ALICE, "image", 600, PicUrl="http://mmbiz.qpic.cn/mmbiz_jpg/abc/0",
                       MediaId="media-600")) == "已收到图片。请在 5 分钟内用文字说明诉求内容。"
    say(text(ALICE, "占道经营：菜市场门口每天早上都有流动摊贩", 601))
    say(text(ALICE, "影响通行", 602))  # short, but it adds to the text already there
    request = Request.objects.get(tracking_no=tracking_no(say(location(ALICE, lon, lat, 603))))
    assert request.category == "street_vending" and request.owner == wechat.street
    assert request.description == ("菜市场门口每天早上都有流动摊贩\n影响通行\n"
                                   "微信图片1：http://mmbiz.qpic.cn/mmbiz_jpg/abc/0")


def test_no_keyword_takes_the_default_category(wechat):
    lon, lat = wechat.points["甲一"]
    say(text(ALICE, "建议在社区里多开设一些老年人的兴趣班", 700))
    request = Request.objects.get(tracking_no=tracking_no(say(location(ALICE, lon, lat, 701))))
    assert request.category == policy.get("requests.wechat_default_category") == "other"


def test_bad_input_gets_a_reason_and_stores_nothing(wechat):
    assert say(text(ALICE, "在吗", 800)).startswith("请用至少 5 个字说明诉求内容")
    assert say(text(ALICE, "噪音扰民", 801)).startswith("请用至少 5 个字说明诉求内容")  # a category name only
    assert "最多 1000 字" in say(text(ALICE, "太" * 1001, 802))
    assert "不在" in say(location(ALICE, 116.40, 39.90, 803))  # Beijing: far outside 甲县
    assert "不是数字" in say(location(ALICE, "abc", "30.0", 804))
    assert not drafts(ALICE).exists() and not Request.objects.exists()


def test_help_and_categories(wechat):
    assert "发送位置" in say(text(ALICE, "帮助", 900))
    listing = say(text(ALICE, "类别", 901))
    assert all(c.name in listing for c in categories.all_categories())
    assert say(text(ALICE, "查询", 902)).startswith("您还没有通过公众号提交诉求")


def test_residents_rate_their_own_resolved_request(wechat):
    lon, lat = wechat.points["甲一"]
    say(text(ALICE, "楼道里堆满了杂物和垃圾", 1000))
    request = Request.objects.get(tracking_no=tracking_no(say(location(ALICE, lon, lat, 1001))))
    assert "诉求办结后才能评价" in say(text(ALICE, f"评价 {request.tracking_no} 满意", 1002))
    worker = wechat.users["grid_worker"]
    services.accept(worker, request)
    services.resolve(worker, request, "已清理楼道杂物")
    assert say(text(BOB, f"评价 {request.tracking_no} 不满意", 1003)).startswith("没有找到您提交的编号为")
    assert say(text(ALICE, "评价 一下", 1004)).startswith("评价请回复")
    thanks = say(text(ALICE, f"评价{request.tracking_no}基本满意 清理得很及时", 1005))
    assert thanks.startswith(f"感谢您的评价！编号 {request.tracking_no}：基本满意")
    request.refresh_from_db()
    assert (request.rating, request.rating_comment) == (choices.BASIC, "清理得很及时")
    assert "已于" in say(text(ALICE, f"评价 {request.tracking_no} 满意", 1006))


def test_the_keyword_policy_names_only_known_categories():
    known = {c.code for c in categories.all_categories()}
    assert set(policy.get("requests.wechat_keywords")) <= known
    assert policy.get("requests.wechat_default_category") in known

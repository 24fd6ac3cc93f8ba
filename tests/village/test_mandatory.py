"""Which matters must go through 四议两公开 (a listed kind, or money at the policy's threshold),
the refusal of a lighter procedure for them, and clear refusals of bad amounts."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.core.errors import DomainError
from jiceng.village import services
from jiceng.village.models import Matter, Template, TemplateStep
from jiceng.village.procedure import LIGHT_NAME, missing_steps

from tests import builders as b
from tests.exports.helpers import page_table

from .helpers import D, village

pytestmark = pytest.mark.django_db

ORDINARY = "村级日常管理事务"


def light():
    return services.templates().get(name=LIGHT_NAME)


def test_why_a_matter_is_mandatory():
    by_kind = services.mandatory("集体资产处置", None, D)
    assert by_kind.startswith("事项类别“集体资产处置”属政策所列重大事项") and "须经四议两公开的村级重大事项" in by_kind
    assert services.mandatory(ORDINARY, 49999.99, D) == ""
    by_amount = services.mandatory(ORDINARY, 50000, D)  # at the threshold is enough (达到)
    assert by_amount.startswith("涉及金额 50000 元达到 50000 元")
    assert "；" in services.mandatory("集体资产处置", 80000, D)  # both reasons


def test_a_mandatory_matter_under_a_lighter_template_is_refused_naming_the_rule(world):
    v = village(world.a)
    with pytest.raises(DomainError) as e:
        services.propose(None, v, title="出租村集体仓库", kind="集体资产处置", proposed_on=D, template=light())
    assert e.value.code == "procedure_too_light" and e.value.field == "template"
    assert "事项类别“集体资产处置”属政策所列重大事项" in e.value.message
    assert "缺少村党组织提议、党员大会审议、村民会议或村民代表会议决议、实施结果公开" in e.value.message
    with pytest.raises(DomainError, match="涉及金额 60000.00 元达到 50000 元"):
        services.propose(None, v, title="购置办公设备", kind=ORDINARY, amount="60000.00", proposed_on=D,
                         template=light())
    ordinary = services.propose(None, v, title="购置办公设备", kind=ORDINARY, amount="3000", proposed_on=D,
                                template=light())
    assert ordinary.template.name == LIGHT_NAME and Matter.objects.count() == 1


def test_a_stricter_template_still_counts_as_the_full_procedure(world):
    strict = Template.objects.create(name="四议两公开（加村民会议）")
    steps = [("party_org", ""), ("two_committees", ""), ("party_assembly", ""), ("representatives_assembly", ""),
             ("villagers_assembly", ""), ("board", "resolution"), ("board", "result")]
    TemplateStep.objects.bulk_create([TemplateStep(template=strict, order=i, label=f"第{i}步", bodies=body,
                                                   discloses=discloses) for i, (body, discloses) in
                                      enumerate(steps, 1)])
    assert missing_steps(list(strict.steps.all())) == []
    assert missing_steps(list(strict.steps.all())[::-1]) != []  # out of order does not count
    assert services.propose(None, village(world.a), title="宅基地方案", kind="宅基地使用方案", proposed_on=D,
                            template=strict).template == strict


@pytest.mark.parametrize("amount, code, words", [
    ("-1", "amount_negative", "涉及金额不能为负数（填写的是 -1 元）"),
    ("12.345", "amount_precision", "最多精确到分"),
    ("1000000000000", "amount_too_large", "超出可记录的上限"),
    ("abc", "amount_invalid", "须为数字"),
    ("NaN", "amount_invalid", "须为数字"),
])
def test_bad_amounts_are_refused_clearly(world, amount, code, words):
    with pytest.raises(DomainError, match=words) as e:
        services.propose(None, village(world.a), title="购置办公设备", kind=ORDINARY, amount=amount, proposed_on=D,
                         template=light())
    assert e.value.code == code and e.value.field == "amount"
    assert not Matter.objects.exists()


def test_other_bad_input(world):
    v = village(world.a)
    with pytest.raises(DomainError, match="请填写事项名称"):
        services.propose(None, v, title="  ", kind=ORDINARY, proposed_on=D)
    with pytest.raises(DomainError, match="事项类别须为政策所列事项之一"):
        services.propose(None, v, title="买彩票", kind="博彩", proposed_on=D)


def test_pages_show_which_matters_were_mandatory_and_why(world):
    v = village(world.a)
    client = Client()
    client.force_login(b.user("cun_sec", "secretary", v))
    refused = client.post(reverse("village:propose", args=[v.pk]), {
        "title": "出租村集体仓库", "kind": "集体资产处置", "amount": "20000", "template": light().pk,
        "proposed_on": "2025-03-03"})
    assert refused.status_code == 200 and "必须经四议两公开" in refused.content.decode()
    negative = client.post(reverse("village:propose", args=[v.pk]), {
        "title": "购置办公设备", "kind": ORDINARY, "amount": "-5", "template": light().pk, "proposed_on": "2025-03-03"})
    assert "涉及金额不能为负数" in negative.content.decode()
    for title, kind, amount in (("出租村集体仓库", "集体资产处置", "20000"), ("修缮村委会", ORDINARY, "90000")):
        client.post(reverse("village:propose", args=[v.pk]), {"title": title, "kind": kind, "amount": amount,
                                                               "proposed_on": "2025-03-03"})
    client.post(reverse("village:propose", args=[v.pk]), {"title": "购置办公设备", "kind": ORDINARY, "amount": "3000",
                                                           "template": light().pk, "proposed_on": "2025-03-03"})
    assert Matter.objects.count() == 3
    headers, rows = page_table(client.get(reverse("village:matters", args=[v.pk])))
    reasons = {r[0]: r[headers.index("必须经四议两公开")] for r in rows}
    assert reasons == {"出租村集体仓库": "重大事项类别", "修缮村委会": "金额达 50000 元", "购置办公设备": ""}
    ordinary = Matter.objects.get(title="购置办公设备")
    page = client.get(reverse("village:matter", args=[ordinary.pk])).content.decode()
    assert "非政策规定必须经四议两公开的事项" in page
    page = client.get(reverse("village:matter", args=[Matter.objects.get(title="修缮村委会").pk])).content.decode()
    assert "必须经四议两公开：涉及金额 90000.00 元达到 50000 元" in page


def test_the_matters_list_comes_in_pages_newest_first_and_exports_whole(world, monkeypatch):
    from jiceng.village import views

    monkeypatch.setattr(views, "MATTERS_PER_PAGE", 2)
    v = village(world.a)
    for day in (1, 2, 3):
        services.propose(None, v, title=f"事项{day}", kind=ORDINARY, proposed_on=datetime.date(2025, 3, day), template=light())
    client = Client()
    client.force_login(b.user("cun_sec", "secretary", v))
    url = reverse("village:matters", args=[v.pk])
    first = client.get(url)
    assert [r[0] for r in page_table(first)[1]] == ["事项3", "事项2"] and "第 1 / 2 页" in first.content.decode()
    assert [r[0] for r in page_table(client.get(url, {"page": 2}))[1]] == ["事项1"]
    assert client.get(url, {"format": "xlsx"})["Content-Type"].startswith("application/vnd.openxmlformats")

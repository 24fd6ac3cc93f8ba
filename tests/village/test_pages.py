import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from jiceng.village.models import Disclosure, Matter, Question

from tests import builders as b

from .helpers import D, matter, step, village

pytestmark = pytest.mark.django_db


def published(world):
    m = matter(world.a)
    for order in range(1, 6):
        step(m, order)
    return m, Disclosure.objects.get(matter=m)


def test_staff_record_steps_in_pages_and_see_refusals(world):
    v = village(world.a)
    client = Client()
    client.force_login(b.user("cun_sec", "secretary", v))
    assert "村务决策与公开" in client.get(reverse("orgs:detail", args=[v.pk])).content.decode()
    page = client.post(reverse("village:propose", args=[v.pk]), {
        "title": "修建村道", "kind": "村级公益事业建设", "amount": "80000", "proposed_on": "2025-03-03"})
    m = Matter.objects.get(village=v)
    assert page.status_code == 302 and page.url == reverse("village:matter", args=[m.pk])
    url = reverse("village:step", args=[m.pk])
    first = client.post(url, {"order": 1, "body": "party_org", "held_on": "2025-03-04", "minutes": "提议"})
    assert first.status_code == 302
    refused = client.post(url, {"order": 2, "body": "two_committees", "held_on": "2025-03-05", "minutes": "商议",
                                "entitled": 7, "present": 3, "yes": 3, "no": 0, "abstain": 0})
    assert refused.status_code == 400 and "到会人数未超过1/2" in refused.content.decode()
    listing = client.get(reverse("village:matters", args=[v.pk])).content.decode()
    assert "修建村道" in listing


def test_public_board_poster_and_questions_show_no_personal_data(world):
    m, disclosure = published(world)
    public = Client()
    board = public.get(reverse("village:board", args=[m.village_id]))
    assert board.status_code == 200 and "修建村道" in board.content.decode()
    asked = public.post(reverse("village:ask", args=[disclosure.pk]),
                        {"question": "何时开工？", "phone": "13912345678"}, follow=True)
    assert "问题已提交" in asked.content.decode()
    question = Question.objects.get(disclosure=disclosure)
    staff = Client()
    staff.force_login(b.user("cun_sec", "secretary", m.village))
    staff.post(reverse("village:answer", args=[question.pk]), {"text": "四月一日开工", "on": "2025-03-10"})
    body = public.get(reverse("village:board", args=[m.village_id])).content.decode()
    assert "何时开工？" in body and "四月一日开工" in body
    assert "13912345678" not in body
    assert not any(member.person.name in body for member in world.a.members)
    assert "cun_sec" not in body

    poster = public.get(reverse("village:poster", args=[disclosure.pk]))
    assert poster["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(poster.content)).pages)
    assert "甲溪村村务公开" in text and "修建村道" in text and f"{disclosure.keep_until:%Y-%m-%d}" in text
    assert "13912345678" not in text


def test_taking_down_early_is_refused_in_pages(world):
    m, disclosure = published(world)
    staff = Client()
    staff.force_login(b.user("cun_sec", "secretary", m.village))
    early = disclosure.keep_until - datetime.timedelta(days=1)
    page = staff.post(reverse("village:take_down", args=[disclosure.pk]), {"on": f"{early:%Y-%m-%d}"}, follow=True)
    assert "此前不得撤下" in page.content.decode()
    assert Disclosure.objects.get(pk=disclosure.pk).taken_down_on is None


def test_supervisor_objects_in_pages_and_the_step_waits(world):
    from jiceng.village import services

    m = matter(world.a)
    step(m, 1)
    supervisor = b.user("jiandu", "auditor", m.village)
    services.appoint_supervisor(None, m.village, supervisor)
    client = Client()
    client.force_login(supervisor)
    assert "提出监督意见" in client.get(reverse("village:matter", args=[m.pk])).content.decode()
    client.post(reverse("village:object", args=[m.pk]), {"text": "预算未附明细", "on": f"{D:%Y-%m-%d}"})
    assert m.objections.get().text == "预算未附明细"
    with pytest.raises(Exception, match="监督意见尚未答复"):
        step(m, 2)

"""Out of the system by an introduction letter (PDF with a verification code), and into it by a
letter from outside registered against its code; the public verification page."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent
from jiceng.orgs import rollups
from jiceng.people.models import Membership, MembershipPeriod, Person
from jiceng.transfers import services
from jiceng.transfers.models import Transfer

from tests import builders as b

pytestmark = pytest.mark.django_db
D = datetime.date


def pdf_text(response):
    assert response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).replace("\n", "")


def test_letter_pdf_reads_back_with_code_names_and_validity(client, world):
    a = world.a
    m = a.members[2]
    t = services.issue_letter(a.users["secretary"], m, "上海市浦东新区某公司党支部", D(2025, 9, 1), "工作调动")
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", t.code)
    assert (t.kind, t.status, t.to_org, t.expires_on) == (Transfer.LETTER_OUT, Transfer.PENDING, None, D(2025, 12, 1))
    client.force_login(a.users["secretary"])
    text = pdf_text(client.get(reverse("transfers:letter_pdf", args=[t.pk])))
    for expected in ("中国共产党党员组织关系介绍信", t.code, m.person.name, "甲园社区党支部", "上海市浦东新区某公司党支部",
                     "2025年12月01日", "正式党员", "工作调动", "回执", f"/transfers/verify/{t.code}/"):
        assert expected in text, expected
    # The secretary may see the full ID number: the letter carries it, and the reveal is audited.
    assert m.person.id_number in text
    assert AuditEvent.objects.filter(action="people.reveal_id_number", object_id=str(m.person.pk)).count() == 1
    client.force_login(a.users["auditor"])
    text = pdf_text(client.get(reverse("transfers:letter_pdf", args=[t.pk])))
    assert m.person.id_number not in text and m.person.id_number_masked in text
    client.force_login(world.b.users["secretary"])
    assert client.get(reverse("transfers:letter_pdf", args=[t.pk])).status_code == 404


def test_the_membership_closes_when_the_receipt_is_recorded(world):
    a = world.a
    m = a.members[2]
    before = rollups.counts(a.branch)
    t = services.issue_letter(a.users["secretary"], m, "上海市某公司党支部", D(2025, 9, 1))
    assert Membership.objects.get(pk=m.pk).status == "full"  # a printed letter moves nobody
    with pytest.raises(DomainError) as refused:
        services.issue_letter(a.users["secretary"], a.members[3], "乙园社区党支部", D(2025, 9, 1))
    assert refused.value.code == "destination_in_system"
    with pytest.raises(DomainError) as refused:
        services.confirm_letter(a.users["secretary"], t, D(2025, 12, 2))
    assert refused.value.code == "transfer_expired"
    services.confirm_letter(a.users["secretary"], t, D(2025, 9, 20))
    closed = Membership.objects.get(pk=m.pk)
    assert (closed.status, closed.since, closed.org_id) == ("left", D(2025, 9, 20), a.branch.pk)
    periods = list(MembershipPeriod.objects.filter(person=m.person).order_by("start", "id"))
    assert [(p.status, p.start, p.end) for p in periods] == [("full", D(2015, 7, 1), D(2025, 9, 20)),
                                                             ("left", D(2025, 9, 20), None)]
    assert periods[-1].reason == f"组织关系转出至“上海市某公司党支部”（介绍信 {t.code}）"
    assert rollups.counts(a.branch)["status:full"] == before["status:full"] - 1
    t.refresh_from_db()
    assert (t.status, t.decided_on) == (Transfer.ACCEPTED, D(2025, 9, 20))
    assert rollups.mismatches() == []


def test_a_letter_brought_back_unused_is_returned_by_the_sender(world):
    a = world.a
    t = services.issue_letter(a.users["secretary"], a.members[2], "上海市某公司党支部", D(2025, 9, 1))
    with pytest.raises(DomainError) as refused:
        services.accept(world.b.users["secretary"], t, D(2025, 9, 2))
    assert refused.value.code == "not_internal"
    services.return_transfer(a.users["secretary"], t, D(2025, 9, 3), "新单位未建立党组织，暂不转出")
    assert Transfer.objects.get(pk=t.pk).status == Transfer.RETURNED
    assert Membership.objects.get(pk=a.members[2].pk).status == "full"


def register(world, code="沪组转〔2025〕第 88 号", letter_date=D(2025, 8, 1), on=D(2025, 8, 20), **more):
    return services.register_letter(
        world.b.users["secretary"], org=world.b.branch, code=code, outside_org="上海市某街道党工委",
        letter_date=letter_date, on=on, status="full", name="乙王五", id_number=b.id_number(D(1988, 2, 3)),
        phone="13812345678", **more)


def test_a_letter_from_outside_registers_the_member_against_its_code(world):
    before = rollups.counts(world.b.branch)
    t = register(world)
    assert (t.kind, t.status, t.code, t.outside_org, t.sent_on, t.decided_on, t.from_org, t.to_org) == (
        Transfer.LETTER_IN, Transfer.ACCEPTED, "沪组转〔2025〕第 88 号", "上海市某街道党工委", D(2025, 8, 1),
        D(2025, 8, 20), None, world.b.branch)
    m = t.membership
    assert (m.org_id, m.status, m.since) == (world.b.branch.pk, "full", D(2025, 8, 20))
    period = MembershipPeriod.objects.get(person=m.person)
    assert (period.start, period.reason) == (
        D(2025, 8, 20), "凭介绍信 沪组转〔2025〕第 88 号 自“上海市某街道党工委”转入（2025-08-01 开具）")
    assert rollups.counts(world.b.branch)["status:full"] == before["status:full"] + 1
    assert rollups.mismatches() == []
    people = Person.objects.count()
    for code, fields in (("letter_registered", {}),  # the same letter twice
                         ("letter_expired", {"code": "X-1", "letter_date": D(2025, 1, 2)}),  # ended 2025-04-02
                         ("letter_after_report", {"code": "X-2", "letter_date": D(2025, 8, 21)})):
        with pytest.raises(DomainError) as refused:
            register(world, **fields)
        assert refused.value.code == code, refused.value.message
    with pytest.raises(DomainError) as refused:
        register(world, code="X-1", letter_date=D(2025, 1, 2))
    assert "2025-01-02" in refused.value.message and "2025-04-02" in refused.value.message
    assert Person.objects.count() == people and rollups.mismatches() == []


def test_verify_page_shows_validity_and_org_names_but_no_personal_data(client, world):
    a = world.a
    m = b.member(a.branch, "甲欧阳明", phone="13912345678")
    fresh = services.issue_letter(None, m, "上海市某公司党支部", timezone.localdate())
    old = services.issue_letter(None, a.members[2], "上海市某公司党支部", D(2025, 9, 1))
    page = client.get(reverse("transfers:verify", args=[fresh.code])).content.decode()
    assert "有效" in page and "甲园社区党支部" in page and "上海市某公司党支部" in page and "甲***" in page
    for secret in (m.person.name, m.person.id_number, m.person.id_number_masked, m.person.phone,
                   m.person.phone_masked, m.person.phone[-4:], m.person.id_number[-4:]):
        assert secret not in page, secret
    assert "已过期" in client.get(reverse("transfers:verify", args=[old.code.lower()])).content.decode()
    missing = client.get(reverse("transfers:verify", args=["NOPE-NOPE-NOPE"]))
    assert missing.status_code == 404 and "未找到" in missing.content.decode()
    incoming = register(world)
    assert client.get(reverse("transfers:verify", args=[incoming.code])).status_code == 404  # not our letter

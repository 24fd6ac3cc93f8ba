"""A member's record card (党员档案卡) as PDF, read back with pypdf: the fields are there, the
full ID-card number only for a role that may see it and asked for it (audited), and the card
is scoped like the member's page."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from jiceng.core.models import AuditEvent
from jiceng.development import services as development_services
from jiceng.dues import services as dues_services
from jiceng.transfers import services as transfer_services

from .. import builders as b
from .helpers import add_roster

pytestmark = pytest.mark.django_db


def pdf_text(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages).replace(" ", "")


@pytest.fixture
def county(world):
    a = add_roster(world)
    one = a.members[0]
    dues_services.set_profile(None, one.person, category="in_service", monthly_income=Decimal("5400"),
                              applies_from=datetime.date(2026, 1, 1), note="基数")
    dues_services.record_payment(None, one.person, first_month=datetime.date(2026, 3, 1), method="cash",
                                 paid_on=datetime.date(2026, 3, 5), reference="收据")
    transfer_services.issue_letter(None, a.members[2], "外省某公司党支部", datetime.date(2025, 6, 2), "工作调动")
    a.applicant = development_services.apply(None, org=a.branch, applied_on=datetime.date(2025, 1, 6), name="甲申",
                                             id_number=b.id_number(datetime.date(2000, 1, 1)))
    return a


def card(client, user, person, **params):
    client.force_login(user)
    return client.get(reverse("people:card", args=[person.pk]), params)


def test_card_has_the_record(client, county):
    person = county.members[0].person
    text = pdf_text(card(client, county.users["org_admin"], person))
    for field in ("党员档案卡", "甲一", "性别", "男", "民族", "汉族", "出生日期", "1970-05-01", "学历",
                  "所在党支部", "甲园社区党支部", "正式党员", "党籍状态历史", "2015-07-01", "任职", "书记",
                  "2026年党费", "81.00元", person.id_number_masked):
        assert field in text, field
    assert person.id_number not in text


def test_card_shows_transfers_and_development(client, county):
    admin = county.users["org_admin"]
    moved = pdf_text(card(client, admin, county.members[2].person))
    assert "组织关系转接" in moved and "外省某公司党支部" in moved and "2025-06-02" in moved
    applicant = pdf_text(card(client, admin, county.applicant.person))
    assert "基本信息卡" in applicant and "发展党员步骤" in applicant and "2025-01-06" in applicant
    four = pdf_text(card(client, admin, county.members[3].person))
    assert "甲村党支部" in four and "甲园社区党支部" in four  # the history keeps the branch before the move


def test_full_id_number_only_for_a_role_that_may_see_it(client, county):
    person = county.members[0].person
    full = pdf_text(card(client, county.users["org_admin"], person, ids="full"))
    assert person.id_number in full
    assert AuditEvent.objects.filter(action="people.reveal_id_number", object_id=str(person.pk)).count() == 1
    assert AuditEvent.objects.filter(action="people.card_pdf", object_id=str(person.pk)).latest("at") \
        .after == {"full_id": True}
    masked = pdf_text(card(client, county.users["auditor"], person, ids="full"))
    assert person.id_number not in masked and person.id_number_masked in masked
    assert AuditEvent.objects.filter(action="people.reveal_id_number").count() == 1


def test_card_is_scoped(client, county, world):
    own = county.members[1].person  # the member's own record: masked
    text = pdf_text(card(client, county.users["member"], own, ids="full"))
    assert own.id_number not in text and "甲二" in text
    assert card(client, county.users["member"], county.members[0].person).status_code == 404
    assert card(client, county.users["secretary"], county.more["five"].person).status_code == 404
    for role, user in county.users.items():
        assert card(client, user, world.b.members[0].person).status_code == 404, role


def test_person_page_links_the_card(client, county):
    client.force_login(county.users["org_admin"])
    page = client.get(reverse("people:detail", args=[county.members[0].person.pk])).content.decode()
    assert reverse("people:card", args=[county.members[0].person.pk]) in page
    assert "?ids=full" in page
    client.force_login(county.users["auditor"])
    page = client.get(reverse("people:detail", args=[county.members[0].person.pk])).content.decode()
    assert "?ids=full" not in page

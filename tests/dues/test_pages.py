import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.dues import months, services
from jiceng.dues.models import Assessment, Payment, Reduction

from .conftest import profile

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def secretary(branch):
    return client_for(branch.users["secretary"])


def test_secretary_runs_the_month_and_records_a_payment(branch, secretary):
    this_month = months.first(timezone.localdate())
    for m in branch.members:
        profile(m.person, income="5400", on=datetime.date(2020, 1, 1))
    url = reverse("dues:run", args=[branch.branch.pk])
    response = secretary.post(url, {"month": this_month.strftime("%Y-%m")})
    assert response.status_code == 302 and Assessment.objects.filter(month=this_month).count() == 4
    page = secretary.get(reverse("dues:branch", args=[branch.branch.pk])).content.decode()
    assert "未交 <strong>324.00</strong> 元" in page and "记录交纳" in page
    person = branch.members[0].person
    response = secretary.post(reverse("dues:pay", args=[person.pk]), {
        "first_month": this_month.strftime("%Y-%m"), "months_count": 2, "method": "cash",
        "paid_on": timezone.localdate().isoformat(), "reference": "0001"})
    assert response.status_code == 302
    assert Payment.objects.get(person=person).amount == 162
    # the same month again: refused on the form, nothing written
    response = secretary.post(reverse("dues:pay", args=[person.pk]), {
        "first_month": this_month.strftime("%Y-%m"), "months_count": 1, "method": "cash",
        "paid_on": timezone.localdate().isoformat()})
    assert response.status_code == 200 and "不能重复记录" in response.content.decode()
    assert Payment.objects.count() == 1
    member_page = secretary.get(reverse("dues:member", args=[person.pk])).content.decode()
    assert "5400.00×1.5%" in member_page and "162.00 元" in member_page


def test_profile_form_refuses_an_implausible_income(branch, secretary):
    person = branch.members[0].person
    response = secretary.post(reverse("dues:profile", args=[person.pk]), {
        "category": "in_service", "monthly_income": "540000", "applies_from": "2026-01-01"})
    body = response.content.decode()
    assert response.status_code == 200 and "超过" in body and "合理上限" in body


def test_reduction_decided_by_branch_approved_one_level_up(branch, secretary):
    person = branch.members[0].person
    profile(person)
    response = secretary.post(reverse("dues:reduction", args=[person.pk]), {
        "kind": "exempt", "first_month": "2026-03", "last_month": "2026-05", "reason": "大病",
        "decided_on": "2026-02-01"})
    assert response.status_code == 302
    r = Reduction.objects.get()
    # the branch's own arrears page offers nothing to approve; the county's does
    assert "待批准" not in secretary.get(reverse("dues:arrears", args=[branch.branch.pk])).content.decode()
    admin = client_for(branch.users["org_admin"])
    assert "待批准的党费减免" in admin.get(reverse("dues:arrears", args=[branch.county.pk])).content.decode()
    secretary.post(reverse("dues:approve", args=[r.pk]), {"decision": "approve"})
    r.refresh_from_db()
    assert r.status == "pending"
    admin.post(reverse("dues:approve", args=[r.pk]), {"decision": "approve"})
    r.refresh_from_db()
    assert (r.status, r.approver_org) == ("approved", branch.community)


def test_member_sees_their_own_dues(branch):
    member = branch.members[1].person  # linked to the member_甲 account
    profile(member, income="3000")
    services.record_payment(None, member, first_month=datetime.date(2026, 1, 1), months_count=2, method="cash",
                            paid_on=datetime.date(2026, 2, 1))
    c = client_for(branch.users["member"])
    body = c.get(reverse("dues:mine")).content.decode()
    assert "我的党费" in body and "30.00 元" in body and "2026-01" in body
    assert "我的党费" in c.get(reverse("home"), follow=True).content.decode()  # the member lands on their record
    assert c.get(reverse("dues:branch", args=[branch.branch.pk])).status_code == 404


def test_statement_downloads(branch, secretary):
    profile(branch.members[0].person)
    services.run_month(None, branch.branch, datetime.date(2026, 3, 1), today=datetime.date(2026, 7, 1))
    response = secretary.get(reverse("dues:org_statement", args=[branch.branch.pk]), {"year": 2026})
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["党员明细"]["B2"].value == "甲一" and wb["党员明细"]["E2"].value == 81
    response = secretary.get(reverse("dues:member_statement", args=[branch.members[0].person.pk]), {"year": 2026})
    assert load_workbook(io.BytesIO(response.content)).active["E4"].value == 81


def test_org_page_links_to_dues(branch, secretary):
    body = secretary.get(reverse("orgs:detail", args=[branch.branch.pk])).content.decode()
    assert reverse("dues:branch", args=[branch.branch.pk]) in body

"""The pages a branch secretary works in, through the test client."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiceng.development.models import Case, Document
from tests import builders as b

from .conftest import applicant

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def secretary(client, world):
    client.force_login(world.a.users["secretary"])
    return client


def test_secretary_registers_an_application_and_records_a_talk_with_a_document(secretary, world):
    org_page = secretary.get(reverse("orgs:detail", args=[world.a.branch.pk])).content.decode()
    assert reverse("development:dashboard", args=[world.a.branch.pk]) in org_page
    form = secretary.get(reverse("development:apply", args=[world.a.branch.pk]))
    assert form.status_code == 200 and "递交入党申请书日期" in form.content.decode()
    response = secretary.post(reverse("development:apply", args=[world.a.branch.pk]), {
        "name": "甲页", "id_number": b.id_number(D(2001, 2, 3), "M"), "applied_on": "2024-04-01",
        "documents": [SimpleUploadedFile("申请书.pdf", b"%PDF-1.4 x")]})
    case = Case.objects.get(person__name="甲页")
    assert response.status_code == 302 and response.url == reverse("development:record", args=[case.person_id])
    page = secretary.get(response.url).content.decode()
    assert "下一步：派人谈话" in page and "最迟 2024-05-01" in page and "已逾期" in page and "申请书.pdf" in page

    talk_url = reverse("development:step", args=[case.person_id, "talk"])
    assert "谈话人" in secretary.get(talk_url).content.decode()
    talker = world.a.members[0].person
    done = secretary.post(talk_url, {"on": "2024-04-20", "talker": talker.pk, "note": "谈入党动机",
                                     "documents": [SimpleUploadedFile("谈话记录.jpg", b"\xff\xd8\xff\xe0 jpg")]})
    assert done.status_code == 302
    page = secretary.get(done.url).content.decode()
    assert "谈话人：甲一" in page and "下一步：确定为入党积极分子" in page
    document = Document.objects.get(caption="谈话记录.jpg")
    download = secretary.get(reverse("development:document", args=[document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")


def test_a_refused_step_shows_the_rule_and_date_on_the_form(secretary, world):
    full = [m.person for m in world.a.members]
    case = applicant(world.a.branch, "甲早", D(2023, 1, 5))
    from jiceng.development import services

    services.record_talk(None, case, on=D(2023, 1, 10), talker=full[0])
    services.make_activist(None, case, on=D(2023, 2, 1), mentors=full[:2])
    url = reverse("development:step", args=[case.person_id, "candidate"])
    page = secretary.post(url, {"on": "2023-12-01"})
    body = page.content.decode()
    assert page.status_code == 200 and "须在 2024-02-01 及以后方可确定为发展对象" in body and "第十四条" in body
    mentors = reverse("development:step", args=[case.person_id, "sponsors"])
    assert "尚未确定为发展对象" in secretary.post(mentors, {"on": "2023-12-01", "sponsors": [full[0].pk, full[1].pk]}) \
        .content.decode()


def test_dashboard_lists_due_steps_with_overdue_marked(secretary, world):
    applicant(world.a.branch, "甲逾", D(2024, 1, 10))
    page = secretary.get(reverse("development:dashboard", args=[world.a.branch.pk])).content.decode()
    assert "甲逾" in page and "已逾期" in page and "须在 2024-02-10 前" in page and "登记入党申请" in page
    filtered = secretary.get(reverse("development:dashboard", args=[world.a.branch.pk]), {"step": "oath"})
    assert "甲逾" not in filtered.content.decode()


def test_open_case_for_an_existing_applicant_from_the_record_page(secretary, world):
    m = b.member(world.a.branch, "甲存", status="applicant", since=D(2024, 5, 1), birth=D(2001, 1, 1))
    url = reverse("development:record", args=[m.person_id])
    assert "建立发展档案" in secretary.get(url).content.decode()
    assert secretary.post(url).status_code == 302
    assert Case.objects.filter(membership=m).exists()


def test_member_reads_own_record_but_cannot_take_steps(client, world):
    member = world.a.members[1]
    client.force_login(world.a.users["member"])
    assert client.get(reverse("development:record", args=[member.person_id])).status_code == 200
    assert client.get(reverse("development:step", args=[member.person_id, "talk"])).status_code == 404


def test_other_county_sees_nothing(client, world):
    case = applicant(world.a.branch, "甲密", D(2024, 1, 10))
    client.force_login(world.b.users["org_admin"])
    for url in (reverse("development:record", args=[case.person_id]),
                reverse("development:step", args=[case.person_id, "talk"]),
                reverse("development:dashboard", args=[world.a.county.pk])):
        assert client.get(url).status_code == 404


def test_record_of_a_probationary_member_shows_votes_approval_and_probation(secretary, world):
    from jiceng.development import services

    from .test_dashboard import to_assembly

    full = [m.person for m in world.a.members]
    case = applicant(world.a.branch, "甲预", D(2022, 3, 1))
    to_assembly(case, full, D(2022, 3, 1), D(2023, 5, 1))
    services.approve(None, case, on=D(2023, 9, 1), special_reason="等待政审函调回复")
    page = secretary.get(reverse("development:record", args=[case.person_id])).content.decode()
    assert "应到有表决权党员 4 人，实到 4 人；赞成 4" in page and "特殊情况：等待政审函调回复" in page
    assert "下一步：入党宣誓" in page and "预备期至 2024-05-01" in page and "培训 3 天" in page
    assert "入党介绍人：甲二、甲一" in page  # by pinyin, as people are listed everywhere


def test_the_people_page_sends_a_status_change_of_an_open_case_to_the_development_record(secretary, world):
    case = applicant(world.a.branch, "甲申", D(2024, 4, 1))
    url = reverse("people:change_status", args=[case.person_id])
    response = secretary.post(url, {"status": "activist", "on": "2024-05-01"})
    assert response.status_code == 302 and response.url == reverse("development:record", args=[case.person_id])
    case.membership.refresh_from_db()
    assert case.membership.status == "applicant"
    assert "请在发展档案中办理" in secretary.get(response.url).content.decode()

"""The secretaries' pages: send by searching the destination, the receiver's incoming list and
acceptance, returns, letters, and a refused request shown beside the form."""

import datetime

import pytest
from django.urls import reverse

from jiceng.people.models import Membership
from jiceng.transfers.models import Transfer

from tests import builders as b

pytestmark = pytest.mark.django_db


def test_send_accept_and_lists_through_the_pages(client, world):
    a, z = world.a, world.b
    m = a.members[2]
    client.force_login(a.users["secretary"])
    assert "组织关系转接" in client.get(reverse("orgs:detail", args=[a.branch.pk])).content.decode()
    person_page = client.get(reverse("people:detail", args=[m.person.pk])).content.decode()
    send_url = reverse("transfers:send", args=[a.branch.pk])
    assert f"{send_url}?person={m.person.pk}" in person_page
    found = client.get(send_url, {"q": "乙园", "person": m.person.pk}).content.decode()
    assert "乙县 › 乙城街道 › 乙园社区 › 乙园社区党支部" in found and "乙园第一党小组" not in found
    response = client.post(send_url, {"q": "乙园", "to_org": z.branch.pk, "person": m.person.pk, "on": "2025-09-01",
                                      "reason": "工作调动"})
    t = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("transfers:detail", args=[t.pk])
    again = client.post(send_url, {"q": "乙园", "to_org": z.branch.pk, "person": m.person.pk, "on": "2025-09-02"})
    assert again.status_code == 200 and "尚在转接中" in again.content.decode()
    outgoing = client.get(reverse("transfers:list", args=[a.branch.pk])).content.decode()
    assert m.person.name in outgoing and "乙园社区党支部" in outgoing
    detail = client.get(reverse("transfers:detail", args=[t.pk])).content.decode()
    assert reverse("transfers:accept", args=[t.pk]) not in detail  # the sender does not accept

    client.force_login(z.users["secretary"])
    incoming = client.get(reverse("transfers:list", args=[z.branch.pk]), {"dir": "in"}).content.decode()
    assert m.person.name in incoming
    detail = client.get(reverse("transfers:detail", args=[t.pk])).content.decode()
    assert reverse("transfers:accept", args=[t.pk]) in detail
    response = client.post(reverse("transfers:accept", args=[t.pk]), {"on": "2025-09-10"})
    assert response.status_code == 302
    assert Membership.objects.get(pk=m.pk).org_id == z.branch.pk
    accepted = client.get(reverse("transfers:list", args=[z.branch.pk]), {"dir": "in", "status": "accepted"})
    assert m.person.name in accepted.content.decode()
    refused = client.post(reverse("transfers:accept", args=[t.pk]), {"on": "2025-09-11"})
    assert "不能再办理" in refused.content.decode()


def test_return_letter_and_incoming_letter_pages(client, world):
    a, z = world.a, world.b
    client.force_login(a.users["secretary"])
    response = client.post(reverse("transfers:issue_letter", args=[a.branch.pk]),
                           {"person": a.members[3].person.pk, "outside_org": "上海市某公司党支部", "on": "2025-09-01"})
    letter = Transfer.objects.get(kind=Transfer.LETTER_OUT)
    assert response.status_code == 302
    detail = client.get(reverse("transfers:detail", args=[letter.pk])).content.decode()
    assert reverse("transfers:letter_pdf", args=[letter.pk]) in detail and letter.code in detail
    response = client.post(reverse("transfers:return", args=[letter.pk]), {"on": "2025-09-02", "reason": "未去新单位"})
    assert response.status_code == 302 and Transfer.objects.get(pk=letter.pk).status == Transfer.RETURNED

    client.force_login(z.users["secretary"])
    form = reverse("transfers:register_letter", args=[z.branch.pk])
    assert "介绍信编号" in client.get(form).content.decode()
    response = client.post(form, {"code": "苏组转 2025-17", "outside_org": "江苏省某党委", "letter_date": "2025-08-01",
                                  "since": "2025-08-15", "status": "probationary", "name": "乙新来",
                                  "id_number": b.id_number(datetime.date(1995, 6, 1)), "ethnicity": "汉族"})
    assert response.status_code == 302, response.content.decode()
    t = Transfer.objects.get(kind=Transfer.LETTER_IN)
    assert (t.code, t.membership.status, t.membership.org_id) == ("苏组转 2025-17", "probationary", z.branch.pk)
    # A community is not a branch: the forms send the user to its list of transfers.
    client.force_login(z.users["org_admin"])
    assert client.get(reverse("transfers:send", args=[z.community.pk]))["Location"] == \
        reverse("transfers:list", args=[z.community.pk])

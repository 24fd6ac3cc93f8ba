"""The pages: the member's phone page, the community's pages and the workplace branch's page."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiceng.checkin import services
from jiceng.checkin.models import Claim, Registration, Task

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_member_registers_claims_and_sees_hours(world, duty):
    member = client_for(duty.users[0])
    page = member.get(reverse("checkin:mine")).content.decode()
    assert "甲园社区" in page and "乙园社区" not in page  # choices stay within the member's county
    member.post(reverse("checkin:register_self"), {"community": duty.community.pk})
    assert Registration.objects.get(person=duty.people[0]).community == duty.community
    refused = member.post(reverse("checkin:register_self"), {"community": world.b.community.pk}, follow=True)
    assert "请从列表中选择" in refused.content.decode()

    today = timezone.localdate()
    t = services.publish_task(duty.community_secretary, community=duty.community, kind=Task.WISH,
                              title="帮独居老人买药", on=today, slots=1)
    page = member.get(reverse("checkin:mine")).content.decode()
    assert "帮独居老人买药" in page
    member.post(reverse("checkin:claim", args=[t.pk]))
    claim = Claim.objects.get(task=t)
    other = client_for(duty.users[1])
    services.register(duty.users[1], person=duty.people[1], community=duty.community)
    full = other.post(reverse("checkin:claim", args=[t.pk]), follow=True).content.decode()
    assert "名额已被认领完" in full

    community = client_for(duty.community_secretary)
    page = community.get(reverse("checkin:task", args=[t.pk])).content.decode()
    assert "张文" in page
    community.post(reverse("checkin:confirm", args=[claim.pk]), {"hours": "2", "served_on": today.isoformat()})
    claim.refresh_from_db()
    assert claim.status == Claim.CONFIRMED
    assert "2.0 小时" in member.get(reverse("checkin:mine")).content.decode()
    page = community.get(reverse("checkin:org", args=[duty.community.pk])).content.decode()
    assert "张文" in page and "甲县民政局机关党支部" in page
    workplace = client_for(duty.workplace_secretary)
    page = workplace.get(reverse("checkin:org", args=[duty.branch.pk])).content.decode()
    assert "张文" in page and "2.0" in page and "甲园社区" in page


def test_community_publishes_and_registers_units_through_pages(world, duty):
    community = client_for(duty.community_secretary)
    on = timezone.localdate() + datetime.timedelta(days=2)
    response = community.post(reverse("checkin:publish", args=[duty.community.pk]),
                              {"kind": "volunteer", "title": "垃圾分类宣传", "on": on.isoformat(), "slots": 4})
    assert response.status_code == 302
    assert Task.objects.get().title == "垃圾分类宣传"
    response = community.post(reverse("checkin:unit_new", args=[duty.community.pk]),
                              {"name": "甲县供电公司", "resources": "电工维修\n场地"})
    assert response.status_code == 302
    page = community.get(reverse("checkin:org", args=[duty.community.pk])).content.decode()
    assert "甲县供电公司" in page and "电工维修、场地" in page
    # a workplace secretary registers a member for them
    workplace = client_for(duty.workplace_secretary)
    response = workplace.post(reverse("checkin:register_for", args=[duty.branch.pk]),
                              {"person": duty.people[2].pk, "community": duty.community.pk})
    assert response.status_code == 302, response.content.decode()
    assert Registration.objects.filter(person=duty.people[2]).exists()
    # the workplace secretary cannot publish in the community
    assert workplace.get(reverse("checkin:publish", args=[duty.community.pk])).status_code == 404

"""The caller's pages, the coverage JSON the page polls, and the member's phone page."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiceng.mobilization import services
from jiceng.mobilization.models import Call, Deployment, Need

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_issue_assign_sign_up_arrive_and_poll(world, street):
    s = street
    caller = client_for(s.secretary)
    assert "发布动员令" in caller.get(reverse("mobilization:org", args=[s.street.pk])).content.decode()
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = caller.get(reverse("mobilization:issue", args=[s.street.pk])).content.decode()
    assert "甲河社区" in form and "乙园社区" not in form
    response = caller.post(reverse("mobilization:issue", args=[s.street.pk]), {
        "title": "防汛下沉", "starts_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "communities": [s.garden.pk, s.river.pk], "roles": "巡堤\n物资配送", "count": 2})
    assert response.status_code == 302, response.content.decode()
    call = Call.objects.get()
    assert Need.objects.filter(call=call).count() == 4
    gate = Need.objects.get(call=call, community=s.river, role="巡堤")
    caller.post(reverse("mobilization:set_need", args=[gate.pk]), {"needed": "5"})
    caller.post(reverse("mobilization:assign", args=[call.pk]),
                {"need": gate.pk, "person": world.a.members[0].person.pk})
    assert Deployment.objects.get().person == world.a.members[0].person

    member = client_for(s.duty.users[0])
    page = member.get(reverse("mobilization:mine")).content.decode()
    assert "防汛下沉" in page
    supply = Need.objects.get(call=call, community=s.garden, role="物资配送")
    member.post(reverse("mobilization:sign_up", args=[supply.pk]))
    mine = Deployment.objects.get(person=s.duty.people[0])
    twice = member.post(reverse("mobilization:sign_up", args=[gate.pk]), follow=True).content.decode()
    assert "同一动员令只能在一个岗位" in twice
    member.post(reverse("mobilization:arrive", args=[mine.pk]))
    data = caller.get(reverse("mobilization:coverage", args=[call.pk])).json()
    rows = {(r["community"], r["role"]): (r["needed"], r["signed"], r["arrived"], r["gap"]) for r in data["rows"]}
    assert rows[("甲园社区", "物资配送")] == (2, 1, 1, 1)
    assert rows[("甲河社区", "巡堤")] == (5, 1, 0, 4)
    assert data["totals"] == {"needed": 11, "signed": 2, "arrived": 1, "gap": 9}
    page = caller.get(reverse("mobilization:call", args=[call.pk])).content.decode()
    assert "coverage.js" in page and "张文" in page
    # the member of another county neither sees nor joins the call
    other = client_for(world.b.users["member"])
    assert "防汛下沉" not in other.get(reverse("mobilization:mine")).content.decode()
    assert other.post(reverse("mobilization:sign_up", args=[supply.pk])).status_code == 404
    assert other.get(reverse("mobilization:coverage", args=[call.pk])).status_code == 404
    services.close_call(s.secretary, call)

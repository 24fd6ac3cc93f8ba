"""The pages township and county staff use, through the real views and forms."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.cadres import services
from jiceng.cadres.models import Candidate, Filing, Station

from tests import builders as b

from .matrix import village_of

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def staff(world):
    village = village_of(world.a)
    township = b.user("township_a", "secretary", village.parent)
    clients = {}
    for name, user in (("township", township), ("county", world.a.users["org_admin"])):
        clients[name] = Client()
        clients[name].force_login(user)
    return village, clients


def test_township_runs_joint_review_and_files_secretary_county_decides(world, staff):
    village, clients = staff
    town, county = clients["township"], clients["county"]
    branch = b.org(village, "甲溪村党支部", "branch", "rural")
    person = b.member(branch, "甲溪书记").person  # the form offers the village's own people
    assert town.get(reverse("cadres:overview", args=[village.pk])).status_code == 200
    assert town.post(reverse("cadres:election_new", args=[village.pk]), {"held_on": "2026-03-01"}).status_code == 302
    election = village.elections.get()
    response = town.post(reverse("cadres:candidate_new", args=[village.pk]),
                         {"election": election.pk, "person": person.pk, "body": "party"})
    assert response.status_code == 302, response.content.decode()
    candidate = Candidate.objects.get(election=election)
    page = town.get(reverse("cadres:candidate", args=[candidate.pk])).content.decode()
    assert "检察院" in page and "刑事处罚期满未满5年" in page
    town.post(reverse("cadres:candidate", args=[candidate.pk]),
              {"department": "court", "passed": "0", "reason": "有前科", "on": "2026-01-05"})
    refused = town.post(reverse("cadres:candidate_enter", args=[candidate.pk]), follow=True).content.decode()
    assert "未通过：法院" in refused and "未审查：纪检" in refused
    candidate.refresh_from_db()
    assert candidate.entered_on is None

    assert town.post(reverse("cadres:filing_new", args=[village.pk]),
                     {"person": person.pk, "on": "2026-04-01"}).status_code == 302
    filing = Filing.objects.get(village=village)
    # the township cannot decide for the county
    page = town.post(reverse("cadres:filing_decide", args=[filing.pk]), {"approve": "1", "on": "2026-04-02"})
    assert page.status_code == 200 and "委组织部办理，您没有权限" in page.content.decode()
    listed = county.get(reverse("cadres:overview", args=[world.a.county.pk])).content.decode()
    assert "待办理的书记备案（1）" in listed
    assert county.post(reverse("cadres:filing_decide", args=[filing.pk]),
                       {"approve": "0", "reason": "材料不全", "on": "2026-04-02"}).status_code == 302
    filing.refresh_from_db()
    assert (filing.status, filing.reason) == (Filing.RETURNED, "材料不全")


def test_station_and_work_log_pages(world, staff):
    village, clients = staff
    person = world.a.members[3].person
    data = {"person": person.pk, "role": "first_secretary", "sending_unit": "县农业农村局",
            "start": "2025-01-01", "end": "2026-12-31"}
    assert clients["county"].post(reverse("cadres:station_new", args=[village.pk]), data).status_code == 302
    other = b.org(village.parent, "甲山村", "village", "rural")
    refused = clients["county"].post(reverse("cadres:station_new", args=[other.pk]), data).content.decode()
    assert "不能同时驻两个村" in refused
    station = Station.objects.get(person=person)
    assert clients["township"].post(reverse("cadres:station", args=[station.pk]),
                                    {"on": "2025-05-04", "text": "召开产业座谈会"}).status_code == 302
    assert "召开产业座谈会" in clients["township"].get(reverse("cadres:station", args=[station.pk])).content.decode()


def test_village_only_forms_redirect_from_other_nodes(world, staff):
    _, clients = staff
    response = clients["county"].get(reverse("cadres:election_new", args=[world.a.county.pk]))
    assert response.status_code == 302

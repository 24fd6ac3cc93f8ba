"""The 村务监督委员会: the township appoints and ends members (kept as history, audited);
a serving member sees every matter and disclosure of the village and nothing of another."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent
from jiceng.village import services
from jiceng.village.models import Supervisor

from tests import builders as b

from .helpers import D, matter, step, village

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(world):
    v = village(world.a)
    other = b.org(world.a.street, "甲岭村", "village", "rural")
    township = b.user("xiang_admin", "org_admin", world.a.street)
    member = b.user("jiandu", "auditor", v)
    return v, other, township, member


def test_township_appoints_and_ends_keeping_history(committee):
    v, _, township, member = committee
    s = services.appoint_supervisor(township, v, member, on=D)
    with pytest.raises(DomainError, match="已是本村村务监督委员会成员（自 2025-03-03 起）"):
        services.appoint_supervisor(township, v, member, on=D)
    with pytest.raises(DomainError, match="离任日期不得早于任职日期 2025-03-03"):
        services.end_supervisor(township, s, on=D - datetime.timedelta(days=1), reason="换届")
    with pytest.raises(DomainError, match="请填写离任原因"):
        services.end_supervisor(township, s, on=D, reason=" ")
    services.end_supervisor(township, s, on=D + datetime.timedelta(days=30), reason="换届")
    with pytest.raises(DomainError, match="已于 2025-04-02 离任"):
        services.end_supervisor(township, s, on=D + datetime.timedelta(days=31), reason="换届")
    assert not services.is_supervisor(member, v)
    again = services.appoint_supervisor(township, v, member, on=D + datetime.timedelta(days=60))  # a new term
    assert list(Supervisor.objects.filter(village=v).order_by("appointed_on").values_list("ended_on", "end_reason")) \
        == [(datetime.date(2025, 4, 2), "换届"), (None, "")]
    assert services.is_supervisor(member, v) and again.appointed_by == township
    actions = list(AuditEvent.objects.filter(action__startswith="village.").filter(
        action__in=["village.appoint_supervisor", "village.end_supervisor"]).values_list("action", flat=True))
    assert actions.count("village.appoint_supervisor") == 2 and actions.count("village.end_supervisor") == 1


def test_the_village_cannot_appoint_its_own_supervisors(committee, world):
    v, _, _, member = committee
    secretary = b.user("cun_sec", "secretary", v)
    with pytest.raises(DomainError) as e:
        services.appoint_supervisor(secretary, v, member, on=D)
    assert e.value.code in {"permission_denied", "not_found"}
    assert not Supervisor.objects.exists()


def test_a_grant_wider_than_the_village_is_refused(committee, world):
    v, _, township, _ = committee
    wide = b.user("wide", "auditor", world.a.street)
    with pytest.raises(DomainError, match="查看权限超出本村") as e:
        services.appoint_supervisor(township, v, wide, on=D)
    assert e.value.code == "grant_too_wide"


def test_an_ended_supervisor_can_no_longer_object(committee):
    v, _, township, member = committee
    s = services.appoint_supervisor(township, v, member, on=D)
    m = matter_in(v)
    services.end_supervisor(township, s, on=D, reason="迁出本村")
    with pytest.raises(DomainError, match="只有本村村务监督委员会成员"):
        services.object_to(member, m, text="?", on=D)


def matter_in(v):
    return services.propose(None, v, title="修建村道", kind="村级公益事业建设", proposed_on=D, amount=80000)


def test_supervisor_sees_every_matter_and_disclosure_of_the_village_and_nothing_else(committee, world):
    v, other, township, member = committee
    services.appoint_supervisor(township, v, member, on=D)
    mine = matter(world.a)
    for order in range(1, 6):
        step(mine, order)
    disclosure = mine.disclosures.get()
    services.take_down(None, disclosure, disclosure.keep_until)  # off the board, still visible to the committee
    second = services.propose(None, v, title="村级财务预算", kind="村级财务预决算", proposed_on=D)
    theirs = services.propose(None, other, title="甲岭村修桥", kind="村级公益事业建设", proposed_on=D)
    client = Client()
    client.force_login(member)
    listing = client.get(reverse("village:matters", args=[v.pk])).content.decode()
    assert "修建村道" in listing and "村级财务预算" in listing
    page = client.get(reverse("village:matter", args=[mine.pk])).content.decode()
    assert "决议公开" in page and "撤下" in page and "提出监督意见" in page
    assert client.get(reverse("village:matter", args=[second.pk])).status_code == 200
    assert client.get(reverse("village:matter", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("village:matters", args=[other.pk])).status_code == 404
    assert client.get(reverse("village:supervisors", args=[other.pk])).status_code == 404
    refused = client.post(reverse("village:object", args=[theirs.pk]), {"text": "?", "on": "2025-03-03"})
    assert refused.status_code == 404
    assert not theirs.objections.exists()


def test_supervisors_page_appoints_and_ends(committee):
    v, _, township, member = committee
    client = Client()
    client.force_login(township)
    url = reverse("village:supervisors", args=[v.pk])
    page = client.get(url).content.decode()
    assert "登记成员" in page and "jiandu" in page  # the candidate holding a grant on the village
    assert client.post(url, {"member": member.pk, "on": "2025-03-03"}).status_code == 302
    s = Supervisor.objects.get(village=v)
    ended = client.post(reverse("village:end_supervisor", args=[s.pk]), {"on": "2025-06-01", "reason": "任期届满"},
                        follow=True).content.decode()
    assert "已离任，记录保留" in ended and "任期届满" in ended and "历任成员" in ended
    # the village's own secretary sees the committee but cannot change it
    secretary = Client()
    secretary.force_login(b.user("cun_sec", "secretary", v))
    page = secretary.get(url).content.decode()
    assert "任期届满" in page and "<h2>登记成员</h2>" not in page
    assert secretary.post(url, {"member": member.pk, "on": "2025-07-01"}).status_code == 403
    assert Supervisor.objects.filter(village=v).count() == 1

"""Villages named for rectification (软弱涣散) and their four pairings (四个一): the county names
and closes, the pairings are filled one by one, and the county page lists what is missing."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.cadres import services
from jiceng.cadres.models import Naming, Pairing, Station
from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent

from tests import builders as b

from .matrix import village_of

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def village(world):
    return village_of(world.a)


@pytest.fixture
def named(world, village):
    return services.name_village(world.a.users["org_admin"], village, 2026, D(2026, 3, 1),
                                 "书记空缺超过3个月，组织生活不正常", "甲县委组织部")


def test_county_names_once_while_open_and_closes(world, village, named):
    township = b.user("township_xi", "secretary", village.parent)
    with pytest.raises(DomainError) as refused:
        services.name_village(township, village, 2026, D(2026, 3, 2), "原因", "甲溪镇党委")
    assert refused.value.code == "permission_denied" and "甲县委组织部办理" in refused.value.message
    with pytest.raises(DomainError, match="已于 2026-03-01 被认定为2026年软弱涣散村，尚未整顿销号"):
        services.name_village(world.a.users["org_admin"], village, 2026, D(2026, 6, 1), "再次", "甲县委组织部")
    with pytest.raises(DomainError, match="请写明认定为软弱涣散的原因"):
        services.name_village(None, b.org(village.parent, "甲山村", "village", "rural"), 2026, D(2026, 3, 1), " ",
                              "甲县委组织部")
    with pytest.raises(DomainError, match="不是村"):
        services.name_village(None, world.a.community, 2026, D(2026, 3, 1), "原因", "甲县委组织部")
    with pytest.raises(DomainError, match="认定日期 2026-03-01 及以后"):
        services.close_naming(None, named, D(2026, 2, 1))
    with pytest.raises(DomainError):  # the township does not close either
        services.close_naming(township, named, D(2026, 10, 1))
    services.close_naming(world.a.users["org_admin"], named, D(2026, 10, 1))
    with pytest.raises(DomainError, match="已于 2026-10-01 整顿销号"):
        services.close_naming(None, named, D(2026, 10, 2))
    # closed: the same year may be named again
    again = services.name_village(None, village, 2026, D(2026, 11, 1), "复查仍不达标", "甲县委组织部")
    assert Naming.objects.filter(village=village).count() == 2 and again.closed_on is None


def test_four_pairings_filled_and_checked(world, village, named):
    township = b.user("township_xi", "secretary", village.parent)  # the township fills pairings
    services.pair(township, named, Pairing.COUNTY_LEADER, D(2026, 3, 5), "陈某（县委常委、组织部部长）")
    services.pair(township, named, Pairing.TOWNSHIP_LEADER, D(2026, 3, 5), "林某（镇党委书记）")
    with pytest.raises(DomainError, match="开始日期须在认定日期 2026-03-01 及以后"):
        services.pair(None, named, Pairing.AGENCY, D(2026, 2, 1), "县农业农村局")
    with pytest.raises(DomainError, match="请填写结对帮扶单位的单位名称"):
        services.pair(None, named, Pairing.AGENCY, D(2026, 3, 5), "  ")
    agency = b.org(world.a.county, "甲县农业农村局", "department")
    assert services.pair(None, named, Pairing.AGENCY, D(2026, 3, 5), org=agency).name == "甲县农业农村局"

    # the first secretary: stationed in this village on that date, else refused
    other = b.org(village.parent, "甲山村", "village", "rural")
    person = world.a.members[3].person
    elsewhere = services.station(None, other, person, Station.FIRST_SECRETARY, "县委组织部", D(2026, 1, 1),
                                 D(2027, 12, 31))
    with pytest.raises(DomainError) as refused:
        services.pair(None, named, Pairing.FIRST_SECRETARY, D(2026, 3, 5), station=elsewhere)
    assert refused.value.code == "not_stationed" and "未驻甲溪村" in refused.value.message
    member = services.station(None, village, world.a.members[2].person, Station.TEAM_MEMBER, "县委组织部",
                              D(2026, 1, 1), D(2027, 12, 31))
    with pytest.raises(DomainError, match="不是第一书记"):
        services.pair(None, named, Pairing.FIRST_SECRETARY, D(2026, 3, 5), station=member)
    later = services.station(None, village, world.a.members[0].person, Station.FIRST_SECRETARY, "县财政局",
                             D(2026, 6, 1), D(2028, 5, 31))
    with pytest.raises(DomainError, match="在 2026-03-05 未驻甲溪村"):
        services.pair(None, named, Pairing.FIRST_SECRETARY, D(2026, 3, 5), station=later)
    assert not named.pairings.filter(kind=Pairing.FIRST_SECRETARY).exists()
    # given no station, the one recorded in the village on that date is linked
    first = services.pair(None, named, Pairing.FIRST_SECRETARY, D(2026, 6, 1), "随便写的名字")
    assert (first.station, first.name) == (later, "甲一")
    assert set(named.pairings.values_list("kind", flat=True)) == {k for k, _ in Pairing.KINDS}

    # a later pairing of a kind replaces the earlier, audited
    services.pair(None, named, Pairing.TOWNSHIP_LEADER, D(2026, 9, 1), "周某（镇长）")
    event = AuditEvent.objects.filter(action="cadres.pair").order_by("-pk").first()
    assert event.before["name"] == "林某（镇党委书记）" and event.after["name"] == "周某（镇长）"
    assert named.pairings.count() == 4

    services.close_naming(None, named, D(2026, 10, 1))
    with pytest.raises(DomainError, match="已于 2026-10-01 整顿销号，不能再安排包联"):
        services.pair(None, named, Pairing.COUNTY_LEADER, D(2026, 10, 2), "某领导")


def test_first_secretary_without_a_station_may_be_written(world, village, named):
    pairing = services.pair(None, named, Pairing.FIRST_SECRETARY, D(2026, 3, 5), "吴某（省派，未在本系统登记）")
    assert pairing.station is None and pairing.name.startswith("吴某")


@pytest.fixture
def clients(world, village):
    out = {}
    for name, user in (("county", world.a.users["org_admin"]),
                       ("township", b.user("township_xi", "secretary", village.parent)),
                       ("other", world.b.users["org_admin"])):
        out[name] = Client()
        out[name].force_login(user)
    return out


def test_county_page_lists_missing_pairings_and_forms_fill_them(world, village, clients):
    county, township = clients["county"], clients["township"]
    response = county.post(reverse("cadres:naming_new", args=[world.a.county.pk]),
                           {"village": village.pk, "year": "2026", "named_on": "2026-03-01",
                            "reason": "组织生活不正常", "named_by": "甲县委组织部"})
    assert response.status_code == 302, response.content.decode()
    named = Naming.objects.get(village=village)
    refused = county.post(reverse("cadres:naming_new", args=[world.a.county.pk]),
                          {"village": village.pk, "year": "2026", "named_on": "2026-04-01", "reason": "再",
                           "named_by": "甲县委组织部"}).content.decode()
    assert "不能重复认定" in refused
    listed = county.get(reverse("cadres:rectification", args=[world.a.county.pk])).content.decode()
    assert "甲溪村" in listed and "缺县级领导包联：1 个村" in listed and listed.count("<strong>缺</strong>") == 4

    url = reverse("cadres:naming", args=[named.pk])
    assert township.post(url, {"kind": "county_leader", "name": "陈某（县委常委）", "start": "2026-03-05"}
                         ).status_code == 302
    refused = township.post(url, {"kind": "agency", "name": "", "start": "2026-03-05"}).content.decode()
    assert "请填写结对帮扶单位的单位名称" in refused
    listed = county.get(reverse("cadres:rectification", args=[world.a.county.pk])).content.decode()
    assert "陈某（县委常委）" in listed and "缺县级领导包联：0 个村" in listed
    # closing is the county's; afterwards only the year's list shows the village
    assert township.get(url).content.decode().count("整顿销号</a>") == 0
    assert county.post(reverse("cadres:naming_close", args=[named.pk]), {"on": "2026-10-01"}).status_code == 302
    assert url not in county.get(reverse("cadres:rectification", args=[world.a.county.pk])).content.decode()
    year = county.get(reverse("cadres:rectification", args=[world.a.county.pk]), {"year": "2026"}).content.decode()
    assert url in year and "2026-10-01 已销号" in year
    # the other county sees nothing of it
    assert clients["other"].get(url).status_code == 404
    assert clients["other"].get(reverse("cadres:rectification", args=[world.a.county.pk])).status_code == 404

"""The term calendar (换届日历): a village's term runs the policy's years from the last election
recorded as held; the county page lists villages by state, sortable, unknown when none is held."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.cadres import services, terms
from jiceng.cadres.models import Election
from jiceng.core import policy
from jiceng.core.dates import add_years
from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent

from tests import builders as b

from .matrix import village_of

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 29)


@pytest.fixture
def villages(world):
    """甲溪村 held 2021-03-01 (overdue), 甲山村 held 2022-06-01, 甲河村 nothing recorded."""
    xi = village_of(world.a)
    shan = b.org(xi.parent, "甲山村", "village", "rural")
    he = b.org(xi.parent, "甲河村", "village", "rural")
    services.record_held(None, xi, D(2021, 3, 1), "张某当选村党组织书记、村委会主任", TODAY)
    services.record_held(None, shan, D(2022, 6, 1), "李某当选村党组织书记", TODAY)
    return xi, shan, he


def years(on):
    return policy.get("orgs.term_years", on=on)["village"]  # the key that sets village posts' term_end


def test_term_from_last_held_election_and_states(world, villages):
    xi, shan, he = villages
    warn = policy.get("cadres.term_warning_days", on=TODAY)
    by_name = {t.village.name: t for t in terms.calendar(world.a.county, TODAY)}
    assert by_name["甲溪村"].term_end == add_years(D(2021, 3, 1), years(D(2021, 3, 1)))
    assert by_name["甲溪村"].state == terms.OVERDUE and by_name["甲溪村"].days_over > 0
    end = add_years(D(2022, 6, 1), years(D(2022, 6, 1)))
    assert (by_name["甲河村"].state, by_name["甲河村"].term_end) == (terms.UNKNOWN, None)
    # fine the day before the warning window opens, due on its first day and on the last day of the term
    assert terms.of_village(shan, end - datetime.timedelta(days=warn + 1)).state == terms.FINE
    assert terms.of_village(shan, end - datetime.timedelta(days=warn)).state == terms.DUE
    assert terms.of_village(shan, end).state == terms.DUE
    assert terms.of_village(shan, end + datetime.timedelta(days=1)).state == terms.OVERDUE
    # a scheduled election does not start a term; only one recorded as held does
    services.schedule_election(None, xi, D(2026, 12, 20))
    assert terms.of_village(xi, TODAY).state == terms.OVERDUE
    services.record_held(None, xi, D(2026, 11, 20), "王某当选", TODAY)
    assert terms.of_village(xi, TODAY).last_held == D(2026, 11, 20)


def test_record_held_marks_a_scheduled_election_with_its_real_date(world, villages):
    xi = villages[0]
    scheduled = services.schedule_election(None, xi, D(2026, 11, 1))
    held = services.record_held(None, xi, D(2026, 11, 3), "  选出村“两委”成员7名  ", TODAY, scheduled)
    assert held.pk == scheduled.pk and (held.held_on, held.held, held.result) == (D(2026, 11, 3), True,
                                                                                  "选出村“两委”成员7名")
    event = AuditEvent.objects.get(action="cadres.record_held", object_id=str(held.pk))
    assert event.before == {"held_on": "2026-11-01", "held": False}
    with pytest.raises(DomainError, match="已登记于 2026-11-03 举行"):
        services.record_held(None, xi, D(2026, 11, 3), "再登记", TODAY, scheduled)


@pytest.mark.parametrize("held_on, result, match", [
    (D(2026, 12, 1), "选出", "晚于今天 2026-11-29"),
    (D(2026, 11, 1), "  ", "请填写选举结果"),
    (D(2021, 3, 1), "重复", "2021-03-01 的选举已登记"),
])
def test_record_held_refusals_leave_nothing(world, villages, held_on, result, match):
    before = Election.objects.count()
    with pytest.raises(DomainError, match=match):
        services.record_held(None, villages[0], held_on, result, TODAY)
    assert Election.objects.count() == before


def test_record_held_refuses_another_village_election_and_a_non_village(world, villages):
    xi, shan, _ = villages
    other = services.schedule_election(None, shan, D(2026, 11, 1))
    with pytest.raises(DomainError, match="不是甲溪村的选举"):
        services.record_held(None, xi, D(2026, 11, 1), "选出", TODAY, other)
    with pytest.raises(DomainError, match="不是村"):
        services.record_held(None, world.a.community, D(2026, 11, 1), "选出", TODAY)


def test_sorting_keeps_unknown_dates_last(world, villages):
    rows = terms.calendar(world.a.county, TODAY)
    assert [t.village.name for t in terms.sort(rows, "state")] == ["甲溪村", "甲河村", "甲山村"]
    assert [t.village.name for t in terms.sort(rows, "due")] == ["甲溪村", "甲山村", "甲河村"]
    assert [t.village.name for t in terms.sort(rows, "-due")] == ["甲山村", "甲溪村", "甲河村"]
    assert [t.village.name for t in terms.sort(rows, "-last")] == ["甲山村", "甲溪村", "甲河村"]


@pytest.fixture
def county(world):
    client = Client()
    client.force_login(world.a.users["org_admin"])
    return client


def test_calendar_page_lists_states_links_and_filters(world, villages, county):
    xi = villages[0]
    page = county.get(reverse("cadres:terms", args=[world.a.county.pk]), {"sort": "state"}).content.decode()
    assert page.index("甲溪村") < page.index("甲河村") < page.index("甲山村")
    assert "已逾期" in page and "未记录换届" in page and "2021-03-01" in page
    assert reverse("cadres:overview", args=[xi.pk]) in page
    overdue = county.get(reverse("cadres:terms", args=[world.a.county.pk]), {"state": "overdue"}).content.decode()
    assert "甲溪村" in overdue and "甲山村" not in overdue
    # from the township too; a village goes to its own page
    township = county.get(reverse("cadres:terms", args=[xi.parent.pk])).content.decode()
    assert "甲山村" in township
    assert county.get(reverse("cadres:terms", args=[xi.pk])).url == reverse("cadres:overview", args=[xi.pk])
    # the other county's staff sees none of it
    other = Client()
    other.force_login(world.b.users["org_admin"])
    assert other.get(reverse("cadres:terms", args=[world.a.county.pk])).status_code == 404


def test_held_form_records_and_village_page_shows_the_term(world, villages, county):
    he = villages[2]
    url = reverse("cadres:held_new", args=[he.pk])
    refused = county.post(url, {"held_on": "2099-01-01", "result": "选出"}).content.decode()
    assert "只能登记已举行的选举" in refused
    assert county.post(url, {"held_on": "2024-05-10", "result": "赵某当选"}).status_code == 302
    page = county.get(reverse("cadres:overview", args=[he.pk])).content.decode()
    assert "自 2024-05-10 换届" in page and "赵某当选" in page

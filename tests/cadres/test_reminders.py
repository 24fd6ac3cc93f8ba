"""Election reminders through the real queue: the county organization department and the
village's secretaries are told once when the term enters the warning window and once when it
is overdue; a new election starts a new term and stops them."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus

from jiceng.cadres import services
from jiceng.cadres.tasks import remind_elections
from jiceng.core import policy, schedule
from jiceng.core.dates import add_years
from jiceng.core.models import Notice

from tests import builders as b

from .matrix import village_of

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date
DAY = datetime.timedelta(days=1)


def remind(on):
    """Enqueue the daily task for `on`, run the worker once, return how many notices were new."""
    result = remind_elections.enqueue(on=on.isoformat())
    call_command("worker", batch=True, no_schedule=True, startup_delay=False, verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    return result.return_value


def titles(user):
    return sorted(Notice.objects.filter(user=user).values_list("title", flat=True))


def test_due_then_overdue_once_each_to_county_and_village_secretary(world):
    village = village_of(world.a)
    held = D(2021, 12, 1)
    services.record_held(None, village, held, "张某当选", D(2026, 11, 29))
    end = add_years(held, policy.get("orgs.term_years", on=held)["village"])
    warn = policy.get("cadres.term_warning_days", on=end)
    county, village_secretary = world.a.users["org_admin"], b.user("secretary_xi", "secretary", village)
    township = b.user("township_xi", "secretary", village.parent)

    assert remind(end - (warn + 1) * DAY) == 0
    assert remind(end - warn * DAY) == 2
    due = f"甲溪村“两委”任期将于 {end:%Y-%m-%d} 届满，请准备换届"
    assert titles(county) == titles(village_secretary) == [due]
    assert f"距届满 {warn} 天" in Notice.objects.get(user=county).body
    assert remind(end - warn * DAY) == 0  # running twice sends nothing twice
    assert remind(end) == 0               # still due: already told
    assert remind(end + DAY) == 2
    overdue = f"甲溪村“两委”任期已于 {end:%Y-%m-%d} 届满，尚未登记新一届选举"
    assert titles(county) == titles(village_secretary) == sorted([due, overdue])
    assert remind(end + 30 * DAY) == 0
    for other in (township, world.a.users["auditor"], world.a.users["secretary"], world.b.users["org_admin"]):
        assert titles(other) == []
    # the new election starts a new term: nothing more to say
    services.record_held(None, village, end + 40 * DAY, "王某当选", end + 40 * DAY)
    assert remind(end + 41 * DAY) == 0
    assert Notice.objects.get(user=county, title=overdue).link == f"/cadres/orgs/{village.pk}/"


def test_no_reminder_without_a_recorded_election(world):
    village_of(world.a)
    assert remind(D(2026, 11, 29)) == 0


def test_the_daily_job_is_scheduled_once_a_day(world):
    morning = timezone.make_aware(datetime.datetime(2026, 3, 2, 8, 0))
    assert "cadres.remind_elections" in schedule.enqueue_due(morning)
    assert "cadres.remind_elections" not in schedule.enqueue_due(morning + datetime.timedelta(hours=3))

import datetime
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from jiceng.core import schedule
from jiceng.core.models import Notice, ScheduledRun
from jiceng.life.tasks import remind_owed_meetings

pytestmark = pytest.mark.django_db(transaction=True)


def run_queue():
    call_command("worker", batch=True, no_schedule=True, startup_delay=False, verbosity=0)


def test_reminder_task_runs_through_the_real_queue(world, client, caplog):
    caplog.set_level(logging.INFO, logger="jiceng.messaging")
    remind_owed_meetings.enqueue(on="2025-03-26")  # five days before March and Q1 end
    run_queue()
    secretary = world.a.users["secretary"]
    titles = set(Notice.objects.filter(user=secretary).values_list("title", flat=True))
    assert "甲园社区党支部：2025年3月主题党日尚未完成" in titles
    assert "甲园社区党支部：2025年第1季度支部党员大会尚未完成" in titles
    assert not any("支部委员会" in t for t in titles)  # no committee, nothing owed
    assert "notice to secretary_甲" in caplog.text   # handed to the (logging) message backend
    count = Notice.objects.count()
    remind_owed_meetings.enqueue(on="2025-03-27")
    run_queue()
    assert Notice.objects.count() == count          # the same reminder is not repeated
    client.force_login(secretary)
    page = client.get(reverse("notices")).content.decode()
    assert "2025年3月主题党日尚未完成" in page and 'class="badge"' in page
    client.post(reverse("notices"))
    assert not Notice.objects.filter(user=secretary, read_at__isnull=True).exists()


def test_no_reminder_early_in_the_period(world):
    remind_owed_meetings.enqueue(on="2025-03-10")
    run_queue()
    assert not Notice.objects.filter(title__contains="2025年3月").exists()


def test_daily_schedule_enqueues_once_a_day(world):
    from django.utils import timezone

    def daily(now):  # life's own daily job; the other apps' jobs are tested with their app
        return [name for name in schedule.enqueue_due(now) if name.startswith("life.")]

    morning = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))
    assert daily(morning) == ["life.remind_owed_meetings"]
    assert daily(morning) == []
    assert ScheduledRun.objects.filter(name__startswith="life.").count() == 1
    early = timezone.make_aware(datetime.datetime(2026, 3, 3, 6, 0))
    assert daily(early) == []

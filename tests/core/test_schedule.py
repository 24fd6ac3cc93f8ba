"""Every periodic job names a task that exists: a typo in core.schedule would only show when
the worker reached that hour."""

from django.utils.module_loading import import_string
from django_tasks.base import Task

from jiceng.core import schedule


def test_every_scheduled_job_is_a_task():
    jobs = {**{name: path for name, (_, path) in schedule.DAILY.items()},
            **{name: path for name, (_, path) in schedule.EVERY.items()}}
    assert {"dues.notify_unpaid", "transfers.expire_and_remind", "life.remind_owed_meetings"} <= set(jobs)
    for name, path in jobs.items():
        assert isinstance(import_string(path), Task), name

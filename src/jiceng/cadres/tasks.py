import datetime

from django.utils import timezone
from django_tasks import task

from . import reminders


@task()
def remind_elections(on=None):
    """Daily: tell the county organization department and the village's secretaries when a
    village's two-committee term is about to end and when it is overdue (once each).
    `on` (ISO date) replays a past day; by default, today."""
    return reminders.remind(datetime.date.fromisoformat(on) if on else timezone.localdate())

import datetime

from django.utils import timezone
from django_tasks import task

from . import reminders, services


@task()
def expire_and_remind(on=None):
    """Daily: expire transfers past their validity and remind both ends of those ending soon.
    `on` (ISO date) replays a past day; by default, today."""
    today = datetime.date.fromisoformat(on) if on else timezone.localdate()
    expired = services.expire_due(today)
    return reminders.remind(today, expired)

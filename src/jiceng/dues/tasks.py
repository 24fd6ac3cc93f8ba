import datetime

from django.utils import timezone
from django_tasks import task

from jiceng.orgs.models import Organization

from . import services


@task()
def notify_unpaid(on=None):
    """Tell branch secretaries who has gone the policy's number of months without paying (once
    per branch and month: core.notices keys). `on` (ISO date) replays a past day."""
    today = datetime.date.fromisoformat(on) if on else timezone.localdate()
    return sum(services.notify_unpaid(None, root, today) for root in Organization.objects.filter(depth=1))

import datetime

from django.utils import timezone
from django_tasks import task

from . import services


@task()
def escalate_overdue_requests(now=None):
    """Escalate overdue requests and tell callers of late summonses (services.escalate_overdue).
    `now` (ISO datetime; naive means Asia/Shanghai) replays a moment; by default, the current time."""
    moment = datetime.datetime.fromisoformat(now) if now else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    escalated, late = services.escalate_overdue(moment)
    return {"escalated": escalated, "late_summonses": late}

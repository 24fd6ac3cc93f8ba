import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from jiceng.core import policy
from jiceng.core.models import Grant
from jiceng.core.notices import notify
from jiceng.orgs.models import Organization

from .choices import KIND_LABELS
from .compliance import owed_soon
from .periods import bounds, label


@task()
def remind_owed_meetings(on=None):
    """Before a period ends, tell each branch's secretaries what is still owed in it.
    `on` (ISO date) replays a past day; by default, today."""
    today = datetime.date.fromisoformat(on) if on else timezone.localdate()
    within = policy.get("life.reminder_days_before_end", on=today)
    cells = owed_soon(Organization.objects.all(), today, within)
    secretaries = {}
    for node_id, user_id in Grant.objects.filter(role="secretary", node_id__in={c.branch.pk for c in cells}) \
            .values_list("node_id", "user_id"):
        secretaries.setdefault(node_id, []).append(user_id)
    users = get_user_model().objects.in_bulk({u for ids in secretaries.values() for u in ids})
    sent = 0
    for c in cells:
        last_day = bounds(c.period)[1]
        for user_id in secretaries.get(c.branch.pk, []):
            _, created = notify(
                users[user_id], key=f"life.owed:{c.branch.pk}:{c.kind}:{c.period}",
                title=f"{c.branch.name}：{label(c.period)}{KIND_LABELS[c.kind]}尚未完成",
                body=f"要求 {c.required} 次，已记录 {c.held} 次；本期至 {last_day:%m月%d日} 前结束。",
                link=reverse("life:book", args=[c.branch.pk]))
            sent += created
    return sent

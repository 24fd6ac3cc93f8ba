"""Reminders to both ends of a transfer: before its validity ends, and when it has expired.
The secretaries of the sending and of the receiving branch are told, and the member if they
have an account; each notice once (its key)."""

import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse

from jiceng.core import policy
from jiceng.core.models import Grant
from jiceng.core.notices import notify

from .models import Transfer


def _recipients(transfers):
    """{transfer pk: [users]}: secretaries of either branch, and the member."""
    nodes = {n for t in transfers for n in (t.from_org_id, t.to_org_id) if n}
    by_node = {}
    for node_id, user_id in Grant.objects.filter(role="secretary", node_id__in=nodes).values_list("node_id", "user_id"):
        by_node.setdefault(node_id, set()).add(user_id)
    wanted = {t.pk: set().union(by_node.get(t.from_org_id, set()), by_node.get(t.to_org_id, set()),
                                {t.membership.person.user_id} - {None}) for t in transfers}
    users = get_user_model().objects.in_bulk({u for ids in wanted.values() for u in ids})
    return {pk: [users[u] for u in sorted(ids)] for pk, ids in wanted.items()}


def _send(transfers, key, title, body):
    recipients = _recipients(transfers)
    sent = 0
    for t in transfers:
        for user in recipients[t.pk]:
            _, created = notify(user, key=f"transfers.{key}:{t.pk}", title=title(t), body=body(t),
                                link=reverse("transfers:detail", args=[t.pk]))
            sent += created
    return sent


def _what(t):
    return f"{t.membership.person.name}（{t.origin_name} → {t.destination_name}）"


def remind(on, expired=()):
    """Notices for transfers that end within the policy's days from `on`, and for `expired`
    (just marked by services.expire_due). Returns how many notices were new."""
    days = policy.get("transfers.remind_days_before", on=on)
    soon = list(Transfer.objects.filter(status=Transfer.PENDING, expires_on__gte=on,
                                        expires_on__lte=on + datetime.timedelta(days=days))
                .select_related("membership__person", "from_org", "to_org"))
    return _send(
        soon, "due", lambda t: f"组织关系转接将于 {t.expires_on:%m月%d日} 到期：{_what(t)}",
        lambda t: ("请接收方在到期前接收或退回" if t.kind == Transfer.INTERNAL
                   else f"请持信人在到期前到“{t.outside_org}”报到，转出方收到回执后登记")
        + f"；有效期至 {t.expires_on:%Y-%m-%d}，过期须重新办理。",
    ) + _send(
        list(expired), "expired", lambda t: f"组织关系转接已过期：{_what(t)}",
        lambda t: f"有效期至 {t.expires_on:%Y-%m-%d}，未办结，党员组织关系仍在“{t.origin_name}”；如仍需转接，请转出方重新办理。",
    )

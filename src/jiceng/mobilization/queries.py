"""Reads of 下沉, through core.scoping. Coverage comes from the counts kept on the need rows."""

from django.db.models import Q
from django.utils import timezone

from jiceng.checkin.models import Registration
from jiceng.core.scoping import scope

from .models import Call, Deployment, Need


def calls_for(user, org):
    """Calls the org issued, or that name it as a community."""
    return (scope(user, Call.objects.filter(Q(caller=org) | Q(needs__community=org)).distinct())
            .select_related("caller").order_by("-starts_at", "-id"))


def get_call(user, call_id, action="view"):
    return scope(user, Call.objects.select_related("caller"), action).get(pk=call_id)


def coverage(user, call):
    """Per community × role: needed, signed up, arrived, gap; and the totals. One query."""
    needs = list(scope(user, Need.objects.filter(call=call)).select_related("community")
                 .order_by("community__path", "role"))
    totals = {k: sum(getattr(n, k) for n in needs) for k in ("needed", "signed", "arrived", "gap")}
    return needs, totals


def coverage_json(needs, totals):
    return {
        "at": timezone.localtime().strftime("%H:%M:%S"),
        "rows": [{"id": n.pk, "community": n.community.name, "role": n.role, "needed": n.needed, "signed": n.signed,
                  "arrived": n.arrived, "gap": n.gap} for n in needs],
        "totals": totals,
    }


def deployments(user, call):
    return (scope(user, Deployment.objects.filter(call=call, withdrawn_at__isnull=True))
            .select_related("person", "need__community", "person__membership__org")
            .order_by("need__community__path", "need__role", "signed_at"))


def open_calls_for(person, now):
    """Open calls that reach this person (as services.eligible_q): issued above their branch or
    above a community they registered with. Read from the person's own records, for their phone."""
    membership = getattr(person, "membership", None)
    nodes = [membership.org] if membership is not None else []
    nodes += [r.community for r in Registration.objects.filter(person=person, ended_on__isnull=True)
              .select_related("community")]
    paths = {p for node in nodes for p in node.ancestor_paths(include_self=True)}
    return (Call.objects.filter(caller__path__in=paths, status=Call.OPEN, ends_at__gt=now)
            .select_related("caller").prefetch_related("needs__community").order_by("starts_at", "id"))


def my_deployments(user, person):
    return (scope(user, Deployment.objects.filter(person=person, withdrawn_at__isnull=True))
            .select_related("call", "need__community").order_by("-call__starts_at", "-id"))

"""Reads of 双报到, always through core.scoping (a member reads their own rows by self lookup)."""

from django.db.models import Count, Sum

from jiceng.core import tree
from jiceng.core.scoping import scope

from .models import Claim, PartnerUnit, Registration, Task


def active_registration(user, person):
    """The member's current registration, read through scoping (the member sees their own)."""
    if person is None:
        return None
    return (scope(user, Registration.objects.filter(person=person, ended_on__isnull=True))
            .select_related("community").first())


def open_tasks(registration, today):
    """Open tasks of the member's community from today on. The member may read them because
    they registered there: the registration, read through scoping above, is the key."""
    if registration is None:
        return Task.objects.none()
    return Task.objects.filter(community=registration.community, status=Task.OPEN, on__gte=today) \
        .order_by("on", "id")


def my_claims(user, person):
    return (scope(user, Claim.objects.filter(person=person)).exclude(status=Claim.WITHDRAWN)
            .select_related("task", "task__community").order_by("-task__on", "-id"))


def hours_by_year(claims):
    """[(year, hours, services)] of confirmed claims."""
    rows = {}
    for c in claims:
        if c.status == Claim.CONFIRMED:
            hours, n = rows.get(c.served_on.year, (0, 0))
            rows[c.served_on.year] = (hours + c.hours, n + 1)
    return sorted(((y, h, n) for y, (h, n) in rows.items()), reverse=True)


def community_figures(user, community, year):
    """Counts for the community page, from a few aggregate queries over one community."""
    regs = scope(user, Registration.objects.filter(community=community))
    claims = scope(user, Claim.objects.filter(task__community=community, status=Claim.CONFIRMED,
                                              served_on__year=year))
    served = claims.aggregate(hours=Sum("hours"), services=Count("id"), people=Count("person", distinct=True))
    return {
        "active": regs.filter(ended_on__isnull=True).count(),
        "ended": regs.filter(ended_on__isnull=False).count(),
        "units": scope(user, PartnerUnit.objects.filter(community=community, ended_on__isnull=True)).count(),
        "open_tasks": scope(user, Task.objects.filter(community=community, status=Task.OPEN)).count(),
        "hours": served["hours"] or 0, "services": served["services"], "people": served["people"],
    }


def registrations(user, community, active=True):
    return (scope(user, Registration.objects.filter(community=community, ended_on__isnull=active))
            .select_related("person", "person__membership__org").order_by("person__name_pinyin"))


def tasks(user, community):
    return scope(user, Task.objects.filter(community=community)).order_by("-on", "-id")


def task_claims(user, task):
    return (scope(user, Claim.objects.filter(task=task)).select_related("person", "person__membership__org")
            .order_by("status", "person__name_pinyin"))


def units(user, community):
    return scope(user, PartnerUnit.objects.filter(community=community)).order_by("ended_on", "name")


def members_service(user, org, year):
    """Hours of community service by member of the branches in `org`'s subtree, for one year:
    facts per member, ordered by name (never ranked)."""
    return (scope(user, Claim.objects.filter(tree.subtree_q(org.path, "person__membership__org__path"),
                                             status=Claim.CONFIRMED, served_on__year=year))
            .values("person_id", "person__name", "person__name_pinyin", "person__membership__org__name")
            .annotate(hours=Sum("hours"), services=Count("id")).order_by("person__name_pinyin", "person_id"))


def members_registered(user, org):
    """Where the members of `org`'s subtree are registered now."""
    return (scope(user, Registration.objects.filter(tree.subtree_q(org.path, "person__membership__org__path"),
                                                    ended_on__isnull=True))
            .select_related("person", "community", "person__membership__org").order_by("person__name_pinyin"))


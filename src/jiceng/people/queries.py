"""Reads of people and memberships, always through core.scoping."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from jiceng.core import tree
from jiceng.core.scoping import scope
from jiceng.core.search import id_number_index, name_q

from .models import Membership, MembershipPeriod, Person


def visible(user, action="view"):
    return scope(user, Person.objects.all(), action)


def get(user, pk, action="view"):
    return get_object_or_404(visible(user, action).select_related("residence", "membership__org"), pk=pk)


def members_of(user, org):
    """Memberships held in `org`'s subtree, visible to the user."""
    return (scope(user, Membership.objects.all()).filter(tree.subtree_q(org.path, "org__path"))
            .exclude(status="left").select_related("person", "org"))


def search(user, term, limit=50):
    people = visible(user).select_related("membership__org")
    index = id_number_index(term)
    if index:
        return people.filter(id_number_index=index)[:limit]
    match, order = name_q(term, pinyin="name_pinyin")
    return people.filter(match).order_by(order, "id")[:limit]


def history(user, person):
    return scope(user, MembershipPeriod.objects.filter(person=person)).select_related("org").order_by("start", "id")


def memberships_on(org, day):
    """{person_id: status} of the people whose membership was held by `org` on `day`
    (from the status history, so a transfer or admission mid-period is counted right)."""
    spans = (MembershipPeriod.objects.filter(org=org, start__lte=day).exclude(status="left")
             .filter(Q(end__isnull=True) | Q(end__gt=day)).values_list("person_id", "status"))
    return dict(spans)


def members_filtered(user, org, *, statuses=None, gender="", born=None, education="", ethnicity="", sector="",
                     on=None):
    """The rows of the members list (花名册) under `org`, visible to the user, filtered.

    Without `on`: current memberships. With `on`: the status-history spans in the subtree
    that were in force on that day (start <= on < end), so the list answers "who were the
    probationary members here on 2025-12-31". `statuses`: a set of status keys (None: any but
    left); `born`: (first, last) birth dates; `sector`: the holding branch's sector.
    Both kinds of row have person, org and status."""
    if on is None:
        rows = members_of(user, org)
    else:
        rows = (scope(user, MembershipPeriod.objects.all()).filter(tree.subtree_q(org.path, "org__path"))
                .filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gt=on)).exclude(status="left")
                .select_related("person", "org"))
    if statuses:
        rows = rows.filter(status__in=sorted(statuses))
    if gender:
        rows = rows.filter(person__gender=gender)
    if born:
        rows = rows.filter(person__birth_date__gte=born[0], person__birth_date__lte=born[1])
    if education:
        rows = rows.filter(person__education=education)
    if ethnicity:
        rows = rows.filter(person__ethnicity=ethnicity)
    if sector:
        rows = rows.filter(org__sector=sector)
    return rows.order_by("org__path", "person__name_pinyin", "person_id")

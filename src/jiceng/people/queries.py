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

"""Reads of transfers, through core.scoping, and the search for a destination."""

from django.shortcuts import get_object_or_404

from jiceng.core.scoping import scope
from jiceng.core.search import name_q
from jiceng.core.tree import ancestor_paths, subtree_q
from jiceng.orgs.kinds import MEMBER_HOLDING_KINDS
from jiceng.orgs.models import Organization
from jiceng.people.choices import PARTY_MEMBER_STATUSES
from jiceng.people.models import Person

from .models import Transfer

DIRECTIONS = {"out": "from_org__path", "in": "to_org__path"}


def visible(user, action="view"):
    return scope(user, Transfer.objects.select_related("membership__person", "from_org", "to_org"), action)


def get(user, pk, action="view"):
    return get_object_or_404(visible(user, action), pk=pk)


def of_subtree(user, org, direction, status=None):
    """Transfers leaving (`out`) or entering (`in`) `org`'s subtree, newest first."""
    rows = visible(user).filter(subtree_q(org.path, DIRECTIONS[direction]))
    return rows.filter(status=status) if status else rows


def members(branch):
    """People whose membership the branch holds and may transfer."""
    return (Person.objects.filter(membership__org=branch, membership__status__in=PARTY_MEMBER_STATUSES)
            .select_related("membership").order_by("name_pinyin", "id"))


def branches():
    """Every branch a membership may be sent to."""
    return Organization.objects.filter(kind__in=MEMBER_HOLDING_KINDS, status=Organization.ACTIVE)


def destinations(term, exclude, limit=20):
    """[(pk, label)] of branches anywhere in the system whose name starts with `term`, each
    labelled with its ancestors' names. A transfer may go to any branch, so the sender sees
    the names (only the names) of branches outside their own scope."""
    if not term.strip():
        return []
    match, order = name_q(term)
    found = list(branches().filter(match).exclude(pk=exclude.pk).order_by(order, "path")[:limit])
    names = dict(Organization.objects.filter(path__in={p for o in found for p in ancestor_paths(o.path)})
                 .values_list("path", "name"))
    return [(o.pk, " › ".join([names[p] for p in ancestor_paths(o.path) if p in names][-3:] + [o.name]))
            for o in found]

"""Reads of the tree, always through core.scoping."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from jiceng.core import tree
from jiceng.core.scoping import granted_paths, scope, sees_everything
from jiceng.core.search import name_q

from .models import LeadershipPost, Organization


def visible(user, action="view"):
    return scope(user, Organization.objects.all(), action)


def get(user, pk, action="view"):
    """The organization, or 404 when it does not exist or lies outside the user's scope."""
    return get_object_or_404(visible(user, action), pk=pk)


def roots(user):
    """The topmost organizations the user can see: where browsing starts."""
    if sees_everything(user):
        return list(Organization.objects.filter(depth=1).order_by("path"))
    return list(Organization.objects.filter(path__in=granted_paths(user, "view")).order_by("path"))


def children(user, org):
    return visible(user).filter(parent=org).order_by("path")


def breadcrumbs(user, org):
    """Ancestors the user may see, top down (the node itself last)."""
    return list(visible(user).filter(path__in=org.ancestor_paths(include_self=True)).order_by("path"))


def subtree(user, org):
    return visible(user).filter(tree.subtree_q(org.path))


def search(user, term, limit=50):
    match, order = name_q(term)
    return visible(user).filter(match).order_by(order, "path")[:limit]


def current_posts(org):
    return (LeadershipPost.objects.filter(org=org, ended_on__isnull=True)
            .select_related("person").order_by("title", "term_start"))


def subtree_filtered(user, org, *, kind="", sector="", on=None):
    """Organizations of `org`'s subtree (itself included) the user may see, by kind and sector,
    counted as the dashboard counts them (orgs.rollups, orgs.history): without `on`, those not
    dissolved (no dissolution date); with `on`, those that existed that day (founded on or
    before it, or without a founding date, and not dissolved by then)."""
    rows = subtree(user, org)
    if kind:
        rows = rows.filter(kind=kind)
    if sector:
        rows = rows.filter(sector=sector)
    if on:
        rows = rows.filter(Q(founded_on__isnull=True) | Q(founded_on__lte=on)) \
            .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on))
    else:
        rows = rows.filter(dissolved_on__isnull=True)
    return rows.select_related("parent").order_by("path")

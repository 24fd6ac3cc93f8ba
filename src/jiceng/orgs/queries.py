"""Reads of the tree, always through core.scoping."""

from django.shortcuts import get_object_or_404

from jiceng.core import tree
from jiceng.core.scoping import scope
from jiceng.core.search import name_q

from .models import LeadershipPost, Organization


def visible(user, action="view"):
    return scope(user, Organization.objects.all(), action)


def get(user, pk, action="view"):
    """The organization, or 404 when it does not exist or lies outside the user's scope."""
    return get_object_or_404(visible(user, action), pk=pk)


def roots(user):
    """The topmost organizations the user can see: where browsing starts."""
    orgs = list(visible(user).order_by("path")[:500])
    out = []
    for o in orgs:
        if not out or not o.path.startswith(out[-1].path):
            out.append(o)
    return out


def children(user, org):
    return visible(user).filter(parent=org).order_by("path")


def breadcrumbs(user, org):
    """Ancestors the user may see, top down (the node itself last)."""
    return list(visible(user).filter(path__in=org.ancestor_paths(include_self=True)).order_by("path"))


def subtree(user, org):
    return visible(user).filter(tree.subtree_q(org.path))


def search(user, term, limit=50):
    return visible(user).filter(name_q(term)).order_by("path")[:limit]


def current_posts(org):
    return (LeadershipPost.objects.filter(org=org, ended_on__isnull=True)
            .select_related("person").order_by("title", "term_start"))

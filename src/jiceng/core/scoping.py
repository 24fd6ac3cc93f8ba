"""The one scoping function every read goes through.

A model registers how its rows reach the tree (`register(Model, "path lookup", ...)`);
`scope(user, queryset, action)` keeps the rows under the subtrees of the user's grants
whose role allows `action`. A row outside them is indistinguishable from a missing one.
"""

from django.db.models import Q

from .roles import allows
from .tree import subtree_q

_LOOKUPS = {}
_SELF = {}
_DISTINCT = set()


def register(model, *path_lookups, self_lookup=None, many=False):
    """path_lookups: ORM paths to a node's `path` (e.g. "membership__org__path").
    self_lookup: ORM path to the user that owns the row (a member sees their own record).
    many: a lookup crosses a to-many relation, so rows must be de-duplicated."""
    _LOOKUPS[model] = path_lookups
    if self_lookup:
        _SELF[model] = self_lookup
    if many:
        _DISTINCT.add(model)


def granted_paths(user, action):
    """Root paths of the subtrees where `user` may do `action`, nested ones collapsed."""
    cache = user.__dict__.setdefault("_jiceng_granted_paths", {})
    if action not in cache:
        from .models import Grant

        paths = sorted(
            path for role, path in Grant.objects.filter(user=user).values_list("role", "node__path")
            if allows(role, action)
        )
        roots = []
        for p in paths:
            if not roots or not p.startswith(roots[-1]):
                roots.append(p)
        cache[action] = roots
    return cache[action]


def sees_everything(user):
    return user.is_active and user.is_superuser


def scope(user, queryset, action="view"):
    model = queryset.model
    if model not in _LOOKUPS:
        raise LookupError(f"{model._meta.label} is not registered for scoping")
    if user is None or not user.is_authenticated:
        return queryset.none()
    if sees_everything(user):
        return queryset
    q = Q()
    for root in granted_paths(user, action):
        for lookup in _LOOKUPS[model]:
            q |= subtree_q(root, lookup)
    if model in _SELF and action == "view":
        q |= Q(**{_SELF[model]: user.pk})
    if not q:
        return queryset.none()
    return queryset.filter(q).distinct() if model in _DISTINCT else queryset.filter(q)


def can(user, action, node):
    """May `user` do `action` on `node` (an Organization)?"""
    if sees_everything(user):
        return True
    return user.is_authenticated and any(node.path.startswith(p) for p in granted_paths(user, action))


def forget(user):
    user.__dict__.pop("_jiceng_granted_paths", None)

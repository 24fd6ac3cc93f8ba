"""Grants: who may do what where. Granted only inside the granter's own subtree."""

from django.db import transaction

from . import audit
from .errors import DomainError, NotFound
from .models import Grant
from .roles import MANAGE_GRANTS, ROLES, VIEW
from .scoping import can, forget


def _snapshot(g):
    return {"user": g.user.get_username(), "node": g.node_id, "role": g.role}


@transaction.atomic
def grant_role(actor, user, node, role):
    if role not in ROLES:
        raise DomainError("role_invalid", f"未知的角色：{role}", "role")
    if actor is not None and not can(actor, MANAGE_GRANTS, node):
        if can(actor, VIEW, node):
            raise DomainError("grant_outside_subtree", f"您只能在自己管理的组织范围内授权，“{node.name}”不在其中", "node")
        raise NotFound()
    grant, created = Grant.objects.get_or_create(user=user, node=node, role=role, defaults={"granted_by": actor})
    if not created:
        raise DomainError("grant_exists", f"{user.get_username()} 已在“{node.name}”拥有该角色", "role")
    forget(user)
    audit.record(actor, "core.grant", grant, after=_snapshot(grant))
    return grant


@transaction.atomic
def revoke_grant(actor, grant):
    if actor is not None and not can(actor, MANAGE_GRANTS, grant.node):
        raise NotFound()
    before = _snapshot(grant)
    audit.record(actor, "core.revoke", grant, before=before)
    grant.delete()
    forget(grant.user)

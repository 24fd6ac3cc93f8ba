"""Checks that services make before changing anything. `actor=None` is the system itself
(the CLI, the demo loader, tasks): it is always allowed and recorded as such."""

from .errors import DomainError, NotFound
from .roles import VIEW
from .scoping import can


def require(actor, action, node, what="该组织"):
    if actor is None:
        return
    if not can(actor, action, node):
        if can(actor, VIEW, node):
            raise DomainError("permission_denied", f"您没有权限对{what}执行此操作")
        raise NotFound()

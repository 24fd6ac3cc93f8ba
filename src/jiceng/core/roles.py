"""Roles and the actions each allows. A grant (user, node, role) gives these actions on the
node's whole subtree; nothing is visible without a grant."""

VIEW = "view"                      # read records in the subtree
CHANGE = "change"                  # change records in the subtree
VIEW_SENSITIVE = "view_sensitive"  # see an unmasked ID-card or phone number (audited)
MANAGE_GRANTS = "manage_grants"    # grant roles inside the subtree
VIEW_AUDIT = "view_audit"          # read the audit log
HANDLE = "handle"                  # accept, work and close residents' requests (接诉即办)

ROLES = {
    "org_admin": ("组织部管理员", {VIEW, CHANGE, VIEW_SENSITIVE, MANAGE_GRANTS, VIEW_AUDIT, HANDLE}),
    "secretary": ("书记/支委", {VIEW, CHANGE, VIEW_SENSITIVE, HANDLE}),
    "grid_worker": ("网格员", {VIEW, HANDLE}),
    "auditor": ("审计（只读）", {VIEW, VIEW_AUDIT}),
    # A member's grant sees only their own record (linked by Person.user), not the subtree.
    "member": ("党员", set()),
}

ROLE_CHOICES = [(key, label) for key, (label, _) in ROLES.items()]


def allows(role, action):
    return action in ROLES[role][1]

"""Demo accounts, one per role, on the nodes each role works at."""

from django.contrib.auth import get_user_model

from jiceng.core import services as core_services
from jiceng.core.models import Grant
from jiceng.orgs.models import Organization
from jiceng.people.models import Membership

PASSWORD = "jiceng-demo-2026"


def _first(**filters):
    return Organization.objects.filter(**filters).order_by("path").first()


def ensure_accounts():
    """Create the demo users and their grants if missing; return [(username, role label, node)]."""
    county = _first(kind="county")
    branch = _first(kind="branch", parent__kind="community") or _first(kind="branch")
    grid = _first(kind="grid")
    member = Membership.objects.filter(org=branch, status="full").select_related("person").order_by("id").first()
    plan = [
        ("admin", None, None, "系统管理员（超级用户，仅用于管理后台）"),
        ("county_admin", "org_admin", county, "县委组织部管理员"),
        ("auditor", "auditor", county, "审计（只读）"),
        ("secretary", "secretary", branch, "党支部书记"),
        ("grid_worker", "grid_worker", grid, "网格员"),
        ("member", "member", branch, "党员"),
    ]
    User = get_user_model()
    rows = []
    for username, role, node, label in plan:
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": role is None,
                                                                               "is_superuser": role is None})
        if created:
            user.set_password(PASSWORD)
            user.save()
        if role and node and not Grant.objects.filter(user=user, node=node, role=role).exists():
            core_services.grant_role(None, user, node, role)
        if username == "member" and member and member.person.user_id is None:
            member.person.user = user
            member.person.save(update_fields=["user"])
        rows.append((username, label, node.name if node else "全部"))
    return rows

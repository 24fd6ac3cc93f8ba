"""Every change to the tree goes through these functions (one transaction, one audit event)."""

import json
import re
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from jiceng.core import audit, policy, tree
from jiceng.core.access import require
from jiceng.core.dates import add_years
from jiceng.core.errors import DomainError
from jiceng.core.pinyin import keys as pinyin_keys
from jiceng.core.roles import CHANGE
from jiceng.core.validators import validate_uscc

from . import rollups
from .kinds import ALLOWED_PARENTS, KIND_LABELS, SECTOR_LABELS
from .models import LeadershipPost, Organization

EDITABLE = ("name", "sector", "division_code", "uscc", "founded_on", "dissolved_on", "status", "area")


def _snapshot(org):
    return {f: getattr(org, f) for f in ("name", "kind", "sector", "division_code", "uscc", "founded_on",
                                         "dissolved_on", "status", "parent_id", "path")}


def check_parent(kind, parent):
    """A DomainError unless an organization of `kind` may sit under `parent` (None: the top);
    also asked by a roster import's preview before anything is created."""
    allowed = ALLOWED_PARENTS.get(kind)
    if allowed is None:
        raise DomainError("kind_invalid", f"未知的组织类型：{kind}", "kind")
    parent_kind = parent.kind if parent else None
    if parent_kind not in allowed:
        where = f"“{KIND_LABELS[parent_kind]}”之下" if parent else "最顶层"
        raise DomainError("parent_kind_not_allowed", f"“{KIND_LABELS[kind]}”不能设在{where}", "parent")


def _clean(fields):
    out = dict(fields)
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            raise DomainError("name_required", "请填写组织名称", "name")
    if out.get("sector") is not None and out["sector"] not in SECTOR_LABELS:
        raise DomainError("sector_invalid", f"未知的领域：{out['sector']}", "sector")
    if out.get("division_code"):
        if not re.fullmatch(r"\d{6}|\d{9}|\d{12}", out["division_code"]):
            raise DomainError("division_code_invalid", "行政区划代码应为6、9或12位数字", "division_code")
    if out.get("uscc"):
        out["uscc"] = validate_uscc(out["uscc"])
    if out.get("area"):
        out["area"] = _clean_area(out["area"])
    if out.get("founded_on") and out.get("dissolved_on") and out["dissolved_on"] < out["founded_on"]:
        raise DomainError("dissolved_before_founded", "撤销日期不能早于成立日期", "dissolved_on")
    return out


def _clean_area(area):
    """A GeoJSON Polygon or MultiPolygon (lon/lat), valid as a shape; stored as given."""
    from shapely.geometry import shape

    if isinstance(area, str):
        try:
            area = json.loads(area)
        except ValueError:
            raise DomainError("area_invalid", "区域不是有效的 GeoJSON", "area") from None
    if isinstance(area, dict) and area.get("type") == "Feature":
        area = area.get("geometry")
    if not isinstance(area, dict) or area.get("type") not in {"Polygon", "MultiPolygon"}:
        raise DomainError("area_invalid", "区域应为 GeoJSON 的 Polygon 或 MultiPolygon", "area")
    try:
        geometry = shape(area)
    except (ValueError, TypeError, AttributeError, IndexError):
        raise DomainError("area_invalid", "区域坐标格式不正确", "area") from None
    if geometry.is_empty or not geometry.is_valid:
        raise DomainError("area_invalid", "区域多边形无效（自相交或为空）", "area")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DomainError("area_invalid", "区域坐标应为经度、纬度", "area")
    return area


def _next_path(parent):
    """Lock the parent and take its next child number."""
    if parent is None:
        last = Organization.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        return tree.child_path("", int(last) + 1 if last else 1)
    locked = Organization.objects.select_for_update().get(pk=parent.pk)
    locked.child_seq += 1
    Organization.objects.filter(pk=parent.pk).update(child_seq=locked.child_seq)
    parent.child_seq = locked.child_seq
    return tree.child_path(locked.path, locked.child_seq)


@transaction.atomic
def create_org(actor, *, parent, name, kind, sector="other", **fields):
    if parent is None:
        if actor is not None and not actor.is_superuser:
            raise DomainError("permission_denied", "只有系统管理员可以创建顶层组织", "parent")
    else:
        require(actor, CHANGE, parent, "上级组织")
    check_parent(kind, parent)
    data = _clean({"name": name, "sector": sector, **fields})
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise DomainError("field_unknown", f"不能设置字段：{', '.join(sorted(unknown))}", sorted(unknown)[0])
    path = _next_path(parent)
    org = Organization(parent=parent, kind=kind, path=path, depth=tree.depth_of(path), **data)
    org.name_initials = pinyin_keys(org.name)[0]
    with _owing(parent if kind == "group" else None):
        org.save()
    rollups.apply(path, dict.fromkeys(rollups.live_org_keys(kind, org.sector, org.dissolved_on)
                                      + rollups.branch_keys(org), 1))
    rollups.apply_history(rollups.org_life(path, kind, org.sector, org.founded_on, org.dissolved_on))
    audit.record(actor, "orgs.create", org, after=_snapshot(org))
    return org


@transaction.atomic
def update_org(actor, org, **changes):
    # Lock and re-read: the caller's copy may predate a move (path, parent) or a new child.
    org = Organization.objects.select_for_update().get(pk=org.pk)
    require(actor, CHANGE, org)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError("field_unknown", f"不能修改字段：{', '.join(sorted(unknown))}", sorted(unknown)[0])
    changes = _clean(changes)
    before = _snapshot(org)
    old = Organization(kind=org.kind, sector=org.sector, founded_on=org.founded_on, dissolved_on=org.dissolved_on)
    with _owing(org):
        for field, value in changes.items():
            setattr(org, field, value)
        org.name_initials = pinyin_keys(org.name)[0]
        org.save(update_fields=[*changes, "name_initials", "updated_at"])
    _move_counts(org, old)
    audit.record(actor, "orgs.update", org, before=before, after=_snapshot(org))
    return org


@contextmanager
def _owing(*branches):
    """Keep rollups.branch_keys of `branches` in step with the change made in the block
    (a committee filled or emptied, a first group, a branch dissolved)."""
    before = [(b, rollups.branch_keys(b)) for b in branches if b is not None]
    yield
    for branch, keys in before:
        branch.refresh_from_db(fields=["path", "status"])
        rollups.owing_changed(branch, keys, rollups.branch_keys(branch))


def _move_counts(org, old):
    """Counts after a change of sector or dates (`old` has the previous ones): the sector and
    the dates are corrections, so the history moves as well as today's counts."""
    from jiceng.people.choices import PARTY_MEMBER_STATUSES
    from jiceng.people.models import MembershipPeriod

    delta = rollups.diff(rollups.live_org_keys(org.kind, old.sector, old.dissolved_on),
                         rollups.live_org_keys(org.kind, org.sector, org.dissolved_on))
    life = [(p, day, {k: -n for k, n in d.items()}) for p, day, d in rollups.org_life(
        org.path, org.kind, old.sector, old.founded_on, old.dissolved_on)]
    life += rollups.org_life(org.path, org.kind, org.sector, org.founded_on, org.dissolved_on)
    if org.sector != old.sector:
        members = org.memberships.filter(status__in=PARTY_MEMBER_STATUSES).count()
        delta[f"sector:{old.sector}"] = -members
        delta[f"sector:{org.sector}"] = members
        moved = {f"sector:{old.sector}": -1, f"sector:{org.sector}": 1}
        spans = MembershipPeriod.objects.filter(org=org, status__in=PARTY_MEMBER_STATUSES) \
            .values_list("start", "end").annotate(n=Count("id"))
        life += rollups.period_history(((org.path, "", start, end, n) for start, end, n in spans),
                                       lambda _, n: {k: v * n for k, v in moved.items()})
    rollups.apply(org.path, {k: n for k, n in delta.items() if n})
    rollups.apply_history(life)


@transaction.atomic
def move_org(actor, org, new_parent):
    """Move a subtree under `new_parent`: one UPDATE rewrites every path below it."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    # The cycle check needs the target's current path, not the caller's copy of it.
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    require(actor, CHANGE, org)
    require(actor, CHANGE, new_parent, "目标上级组织")
    if tree.is_within(new_parent.path, org.path):
        raise DomainError("tree_cycle", f"不能把“{org.name}”移到它自己或它的下级组织“{new_parent.name}”之下", "parent")
    if org.parent_id == new_parent.pk:
        return org
    check_parent(org.kind, new_parent)
    before = _snapshot(org)
    old_path = org.path
    # Lock the subtree: a change inside it (which locks its node first) either finishes
    # before the counts are read here or waits and then sees the new paths.
    list(Organization.objects.select_for_update().filter(tree.subtree_q(old_path)).values_list("pk", flat=True))
    # The subtree's counts leave the ancestors it no longer has and join the new ones.
    old_ancestors = set(Organization.objects.filter(path__in=tree.ancestor_paths(old_path)).values_list("id", flat=True))
    new_ancestors = set(Organization.objects.filter(path__in=tree.ancestor_paths(new_parent.path, include_self=True))
                        .values_list("id", flat=True))
    rollups.shift_subtree(org, old_ancestors - new_ancestors, new_ancestors - old_ancestors)
    old_depth = org.depth
    new_path = _next_path(new_parent)
    with _owing(*([org.parent, new_parent] if org.kind == "group" else [])):
        moved_at = timezone.now()
        Organization.objects.filter(tree.subtree_q(old_path)).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (tree.depth_of(new_path) - tree.depth_of(old_path)), updated_at=moved_at,
        )
        Organization.objects.filter(pk=org.pk).update(parent=new_parent, updated_at=moved_at)
    org.refresh_from_db()
    rollups.move_history(org, old_depth, old_ancestors - new_ancestors, new_ancestors - old_ancestors)
    audit.record(actor, "orgs.move", org, before=before, after=_snapshot(org))
    return org


def region_of(org):
    """The division code of the node or its nearest ancestor that has one (policy region)."""
    return (
        Organization.objects.filter(path__in=org.ancestor_paths(include_self=True))
        .exclude(division_code="").order_by("-depth").values_list("division_code", flat=True).first()
        or ""
    )


def term_years_from(table, kind, parent_kind, sector):
    """Pick from the policy table `orgs.term_years`: own kind, then the parent's, then sector."""
    for key in (kind, parent_kind, f"sector_{sector}"):
        if key in table:
            return table[key]
    return table["default"]


def term_years(org, on):
    table = policy.get("orgs.term_years", on=on, region=region_of(org))
    return term_years_from(table, org.kind, org.parent.kind if org.parent_id else None, org.sector)


def _post_snapshot(post):
    return {"org": post.org_id, "person": post.person_id, "title": post.title, "term_start": post.term_start,
            "term_end": post.term_end, "ended_on": post.ended_on}


@transaction.atomic
def appoint(actor, org, person, title, term_start):
    require(actor, CHANGE, org)
    if title not in {"secretary", "deputy_secretary", "member"}:
        raise DomainError("post_title_invalid", f"未知的职务：{title}", "title")
    if title == "secretary" and org.posts.filter(title="secretary", ended_on__isnull=True).exists():
        raise DomainError("secretary_exists", f"“{org.name}”已有在任书记，请先办理离任", "title")
    if org.posts.filter(person=person, ended_on__isnull=True).exists():
        raise DomainError("post_duplicate", f"{person.name} 已在“{org.name}”班子中任职", "person")
    with _owing(org):
        post = LeadershipPost.objects.create(
            org=org, person=person, title=title, term_start=term_start,
            term_end=add_years(term_start, term_years(org, term_start)),
        )
    audit.record(actor, "orgs.appoint", post, after=_post_snapshot(post))
    return post


@transaction.atomic
def end_post(actor, post, ended_on):
    require(actor, CHANGE, post.org)
    if post.ended_on:
        raise DomainError("post_already_ended", "该职务已离任", "ended_on")
    if ended_on < post.term_start:
        raise DomainError("post_end_before_start", "离任日期不能早于任职日期", "ended_on")
    before = _post_snapshot(post)
    post.ended_on = ended_on
    with _owing(post.org):
        post.save(update_fields=["ended_on"])
    audit.record(actor, "orgs.end_post", post, before=before, after=_post_snapshot(post))
    return post

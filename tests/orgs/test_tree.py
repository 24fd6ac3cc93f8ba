"""The materialized-path tree: subtrees, ancestors, moves, and its invariants under random changes."""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiceng.core import tree
from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent
from jiceng.orgs import rollups
from jiceng.orgs import services as org_services
from jiceng.orgs.kinds import ALLOWED_PARENTS, KIND_LABELS
from jiceng.orgs.models import NodeCount, Organization

from .. import builders as b

pytestmark = pytest.mark.django_db


def fresh(org):
    return Organization.objects.get(pk=org.pk)


def state():
    """Everything a refused change must leave as it was."""
    return (
        sorted(Organization.objects.values_list("id", "parent_id", "path", "depth", "child_seq", "name", "kind")),
        sorted(NodeCount.objects.values_list("node_id", "key", "value")),
        AuditEvent.objects.count(),
    )


def tree_problems():
    """Every way the stored tree can be inconsistent, as readable strings (empty when sound)."""
    rows = {o.pk: o for o in Organization.objects.all()}
    problems = []
    paths = [o.path for o in rows.values()]
    if len(paths) != len(set(paths)):
        problems.append("duplicate paths")
    for o in rows.values():
        if not re.fullmatch(r"(\d{%d})+" % tree.STEP, o.path):
            problems.append(f"{o.name}: malformed path {o.path!r}")
        if o.depth != len(o.path) // tree.STEP:
            problems.append(f"{o.name}: depth {o.depth} for path {o.path}")
        if o.parent_id is None:
            if o.depth != 1:
                problems.append(f"{o.name}: root at depth {o.depth}")
            continue
        parent = rows[o.parent_id]
        if not o.path.startswith(parent.path) or len(o.path) != len(parent.path) + tree.STEP:
            problems.append(f"{o.name}: path {o.path} not directly under parent {parent.name} {parent.path}")
        if int(o.path[-tree.STEP:]) > parent.child_seq:
            problems.append(f"{o.name}: child number {o.path[-tree.STEP:]} beyond {parent.name}.child_seq")
        if o.kind not in {k for k, parents in ALLOWED_PARENTS.items() if parent.kind in parents}:
            problems.append(f"{o.name}: a {o.kind} under a {parent.kind}")
    by_path = {o.path: o for o in rows.values()}
    for o in rows.values():  # the path prefix names the parent, both ways round
        if o.depth > 1 and by_path.get(o.path[:-tree.STEP], None) is not rows.get(o.parent_id):
            problems.append(f"{o.name}: path prefix names another parent")
    return problems


def subtree_ids(org):
    return set(Organization.objects.filter(tree.subtree_q(org.path)).values_list("id", flat=True))


@pytest.fixture
def county(db):
    province = b.org(None, "浙江省", "province", division_code="330000")
    return b.org(province, "安吉县", "county", division_code="330523")


# -- subtrees and ancestors ------------------------------------------------------------------


def test_subtree_of_child_1_leaks_none_of_children_10_and_11(county):
    streets = [b.org(county, f"第{n}街道", "street") for n in range(1, 13)]
    assert [s.path[-tree.STEP:] for s in streets] == [tree.step(n) for n in range(1, 13)]
    # grandchildren of 1, 10 and 11 whose paths share long textual prefixes
    below = {n: [b.org(streets[n - 1], f"第{n}街道第{m}社区", "community") for m in (1, 10, 11)] for n in (1, 10, 11)}
    deep = b.org(below[1][0], "深处网格", "grid")

    got = subtree_ids(streets[0])
    assert got == {streets[0].pk, deep.pk} | {c.pk for c in below[1]}
    assert subtree_ids(streets[9]) == {streets[9].pk} | {c.pk for c in below[10]}
    assert subtree_ids(streets[1]) == {streets[1].pk}  # child 2: no children, and not 10/11's
    assert subtree_ids(below[1][0]) == {below[1][0].pk, deep.pk}
    assert subtree_ids(county) == set(Organization.objects.exclude(kind="province").values_list("id", flat=True))
    # the model helper is the same range
    assert set(Organization.objects.filter(streets[0].subtree_q()).values_list("id", flat=True)) == got


def test_subtree_filter_is_a_range_not_a_like():
    q = tree.subtree_q("0000100002")
    sql = str(Organization.objects.filter(q).query)
    assert "LIKE" not in sql.upper() and ">=" in sql and "<" in sql


def test_next_sibling_path_at_the_last_child_number():
    last = tree.child_path("00001", tree.MAX_CHILDREN)
    bound = tree.next_sibling_path(last)
    assert last < bound
    assert last + tree.step(tree.MAX_CHILDREN) < bound  # deepest descendant still inside
    assert tree.next_sibling_path("0000100010") == "0000100011"
    assert tree.next_sibling_path("00001") == "00002"
    with pytest.raises(ValueError):
        tree.step(tree.MAX_CHILDREN + 1)
    with pytest.raises(ValueError):
        tree.step(0)


def test_ancestors(county):
    street = b.org(county, "城关街道", "street")
    community = b.org(street, "花园社区", "community")
    grid = b.org(community, "第一网格", "grid")
    assert tree.ancestor_paths(grid.path) == [county.parent.path, county.path, street.path, community.path]
    assert grid.ancestor_paths(include_self=True)[-1] == grid.path
    chain, node = [], grid
    while node.parent_id:
        node = node.parent
        chain.append(node.pk)
    found = Organization.objects.filter(path__in=grid.ancestor_paths()).order_by("depth")
    assert [o.pk for o in found] == list(reversed(chain))
    assert tree.ancestor_paths(county.parent.path) == []
    assert tree.is_within(grid.path, street.path) and not tree.is_within(street.path, grid.path)


# -- moves ----------------------------------------------------------------------------------


def _path_updates(queries):
    """UPDATE statements on orgs_organization whose SET clause writes `path`."""
    out = []
    for q in queries:
        sql = q["sql"]
        m = re.match(r'\s*UPDATE\s+"?orgs_organization"?\s+SET\s+(.*?)\s+WHERE\s', sql, re.I | re.S)
        if m and re.search(r'"?path"?\s*=', m.group(1)):
            out.append(sql)
    return out


@pytest.mark.parametrize("size", [1, 3])
def test_move_rewrites_the_whole_subtree_in_one_update(county, size):
    old_street = b.org(county, "旧街道", "street")
    new_street = b.org(county, "新街道", "street")
    b.org(new_street, "原有社区", "community")
    community = b.org(old_street, "花园社区", "community")
    descendants = []
    for i in range(size):
        grid = b.org(community, f"第{i + 1}网格", "grid")
        branch = b.org(grid, f"第{i + 1}网格党支部", "branch")
        group = b.org(branch, f"第{i + 1}党小组", "group")
        descendants += [grid, branch, group]
        b.member(branch, f"党员{i}", birth=datetime.date(1980 + i, 1, 2))
    bystanders = {o.pk: (o.path, o.depth) for o in Organization.objects.exclude(tree.subtree_q(community.path))}

    with CaptureQueriesContext(connection) as ctx:
        moved = org_services.move_org(None, community, new_street)

    assert len(_path_updates(ctx.captured_queries)) == 1, _path_updates(ctx.captured_queries)
    assert moved.parent_id == new_street.pk
    assert moved.path == tree.child_path(new_street.path, 2) and moved.depth == new_street.depth + 1
    for node in descendants:
        now = fresh(node)
        old = node.path
        assert now.path == moved.path + old[len(community.path):]
        assert now.depth == node.depth  # same depth: old and new parents are siblings
        assert now.parent_id == node.parent_id
    # nothing outside the moved subtree changed its path (child_seq of the new parent aside)
    assert {o.pk: (o.path, o.depth) for o in Organization.objects.exclude(tree.subtree_q(moved.path))} == bystanders
    assert subtree_ids(moved) == {community.pk} | {d.pk for d in descendants}
    assert rollups.counts(fresh(old_street)).get("status:full", 0) == 0
    assert rollups.counts(fresh(new_street))["status:full"] == size
    assert tree_problems() == [] and rollups.mismatches() == []
    event = AuditEvent.objects.get(action="orgs.move")
    assert event.before["path"] == community.path and event.after["path"] == moved.path


def test_move_changes_depth_of_every_descendant(county):
    street = b.org(county, "城关街道", "street")
    community = b.org(street, "花园社区", "community")
    branch = b.org(community, "花园社区党支部", "branch")
    group = b.org(branch, "第一党小组", "group")
    org_services.move_org(None, branch, county)  # a branch may sit right under a county
    branch, group = fresh(branch), fresh(group)
    assert (branch.depth, group.depth) == (3, 4)
    assert branch.path.startswith(county.path) and group.path.startswith(branch.path)
    assert tree_problems() == [] and rollups.mismatches() == []


def test_move_to_the_current_parent_changes_nothing(county):
    street = b.org(county, "城关街道", "street")
    before = state()
    assert org_services.move_org(None, street, county).path == street.path
    assert state() == before


@pytest.mark.parametrize("target", ["self", "child", "grandchild"])
def test_move_under_itself_or_a_descendant_is_refused(county, target):
    street = b.org(county, "城关街道", "street")
    community = b.org(street, "花园社区", "community")
    branch = b.org(community, "花园社区党支部", "branch")
    b.member(branch, "张三")
    # a street may not sit under a street or a community anyway: the cycle is what is reported
    new_parent = {"self": street, "child": community, "grandchild": branch}[target]
    before = state()
    with pytest.raises(DomainError) as caught:
        org_services.move_org(None, street, new_parent)
    assert caught.value.code == "tree_cycle" and caught.value.field == "parent"
    assert state() == before


def test_stale_new_parent_cannot_create_a_cycle(county):
    """Moving X under a node that has meanwhile become X's descendant is a cycle, however the
    caller's copy of that node was loaded."""
    x = b.org(county, "甲党委", "committee")
    y = b.org(county, "乙党委", "committee")
    stale_y = fresh(y)
    org_services.move_org(None, y, x)  # y is now inside x's subtree
    before = state()
    with pytest.raises(DomainError) as caught:
        org_services.move_org(None, x, stale_y)
    assert caught.value.code == "tree_cycle"
    assert state() == before
    assert tree_problems() == []


@pytest.mark.parametrize("kind, target_kind", [("street", "community"), ("grid", "county"), ("group", "community"),
                                               ("community", "county"), ("county", "street")])
def test_kind_that_may_not_sit_under_the_new_parent_is_refused(county, kind, target_kind):
    street = b.org(county, "城关街道", "street")
    community = b.org(street, "花园社区", "community")
    branch = b.org(community, "花园社区党支部", "branch")
    nodes = {"county": county, "street": street, "community": community, "branch": branch}
    other_street = b.org(county, "另一街道", "street")
    other_community = b.org(other_street, "另一社区", "community")
    moving = {
        "street": other_street,
        "grid": b.org(other_community, "网格", "grid"),
        "group": b.org(branch, "党小组", "group"),
        "community": other_community,
        "county": b.org(county.parent, "另一县", "county"),
    }[kind]
    target = nodes[target_kind]
    assert target.kind not in ALLOWED_PARENTS[moving.kind]
    before = state()
    with pytest.raises(DomainError) as caught:
        org_services.move_org(None, moving, target)
    assert caught.value.code == "parent_kind_not_allowed"
    assert KIND_LABELS[moving.kind] in caught.value.message
    assert state() == before


def test_next_child_after_a_move_gets_a_fresh_number(county):
    a = b.org(county, "甲街道", "street")
    c = b.org(county, "乙街道", "street")
    first = b.org(a, "一社区", "community")
    org_services.move_org(None, first, c)
    second = b.org(fresh(a), "二社区", "community")
    third = b.org(fresh(c), "三社区", "community")
    assert len({fresh(first).path, second.path, third.path}) == 3
    assert tree_problems() == [] and rollups.mismatches() == []


# -- the invariants under random creates and moves -----------------------------------------

ALL_KINDS = list(ALLOWED_PARENTS)


def kinds_under(parent_kind):
    return sorted(k for k, parents in ALLOWED_PARENTS.items() if parent_kind in parents)


@pytest.fixture
def small_tree(county):
    street = b.org(county, "城关街道", "street", "urban_community")
    community = b.org(street, "花园社区", "community", "urban_community")
    b.org(community, "第一网格", "grid", "urban_community")
    branch = b.org(community, "花园社区党支部", "branch", "urban_community")
    b.org(branch, "第一党小组", "group")
    b.member(branch, "张三", birth=datetime.date(1970, 1, 1), gender="M")
    b.member(branch, "李四", status="probationary", birth=datetime.date(1990, 6, 1), gender="F",
             since=datetime.date(2024, 6, 1))
    township = b.org(county, "递铺镇", "township", "rural")
    village = b.org(township, "鹤鹿溪村", "village", "rural")
    vbranch = b.org(village, "鹤鹿溪村党支部", "branch", "rural")
    b.member(vbranch, "王五", birth=datetime.date(1960, 3, 3), gender="M")
    b.org(county, "县委组织部", "department", "agency")
    return county


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_creates_and_moves_keep_the_tree_sound(small_tree, data):
    with transaction.atomic():
        ops = data.draw(st.lists(st.sampled_from(["create", "move"]), min_size=1, max_size=10), label="ops")
        for op in ops:
            nodes = list(Organization.objects.order_by("path"))
            if op == "create":
                parent = data.draw(st.sampled_from(nodes), label="parent")
                kinds = kinds_under(parent.kind)
                if not kinds:
                    continue
                kind = data.draw(st.sampled_from(kinds), label="kind")
                org_services.create_org(None, parent=parent, name=f"新{KIND_LABELS[kind]}", kind=kind)
                continue
            movable = [n for n in nodes if n.parent_id is not None]
            node = data.draw(st.sampled_from(movable), label="node")
            target = data.draw(st.sampled_from(nodes), label="target")
            before = state()
            if target.path.startswith(node.path):
                expected = "tree_cycle"
            elif node.parent_id == target.pk:
                expected = "same"
            elif target.kind not in ALLOWED_PARENTS[node.kind]:
                expected = "parent_kind_not_allowed"
            else:
                expected = "moved"
            try:
                moved = org_services.move_org(None, node, target)
            except DomainError as exc:
                assert exc.code == expected
                assert state() == before
            else:
                assert expected in {"moved", "same"}
                assert moved.parent_id == target.pk and moved.path.startswith(fresh(target).path)
                assert len(subtree_ids(moved)) == len(
                    [p for p in before[0] if p[2].startswith(node.path)])
                if expected == "same":
                    assert state() == before
        assert tree_problems() == []
        assert rollups.mismatches() == []
        transaction.set_rollback(True)


def test_update_with_a_copy_loaded_before_a_move_keeps_the_tree(county):
    """Renaming through an Organization loaded before its subtree moved (or before it got a
    child) must not write the old path, parent, depth or child number back."""
    street = b.org(county, "城关街道", "street")
    other = b.org(county, "另一街道", "street")
    community = b.org(street, "花园社区", "community")
    b.org(community, "第一网格", "grid")
    stale = fresh(community)
    org_services.move_org(None, community, other)
    b.org(fresh(community), "第二网格", "grid")
    org_services.update_org(None, stale, name="花园社区（更名）", sector="urban_community")
    now = fresh(community)
    assert now.name == "花园社区（更名）" and now.parent_id == other.pk and now.child_seq == 2
    assert tree_problems() == [] and rollups.mismatches() == []
    b.org(now, "第三网格", "grid")  # the next child number is free
    assert tree_problems() == []

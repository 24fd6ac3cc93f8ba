"""Materialized-path helpers.

A node's path is its parent's path plus a fixed-width decimal step, so
  - a subtree is the range  path >= p AND path < next_sibling_path(p),
    which both SQLite and PostgreSQL answer with an index range scan (digits only,
    so any collation orders them bytewise);
  - the ancestors of p are its prefixes, computed without a query;
  - a subtree move rewrites every path below it in one UPDATE.
Never filter a subtree with `path__startswith`: on SQLite that becomes a
case-insensitive LIKE that cannot use the index.
"""

from django.db.models import Q

STEP = 5
MAX_CHILDREN = 10**STEP - 1


def step(n):
    if not 1 <= n <= MAX_CHILDREN:
        raise ValueError(f"child number {n} out of range 1..{MAX_CHILDREN}")
    return f"{n:0{STEP}d}"


def child_path(parent_path, n):
    return (parent_path or "") + step(n)


def depth_of(path):
    return len(path) // STEP


def next_sibling_path(path):
    """The smallest path after every path in the subtree of `path`."""
    return path[:-STEP] + step(int(path[-STEP:]) + 1) if int(path[-STEP:]) < MAX_CHILDREN else path[:-STEP] + "A"


def ancestor_paths(path, include_self=False):
    end = len(path) if include_self else len(path) - STEP
    return [path[:i] for i in range(STEP, end + 1, STEP)]


def subtree_q(path, field="path"):
    """Q for the subtree rooted at `path` (the node itself included)."""
    return Q(**{f"{field}__gte": path, f"{field}__lt": next_sibling_path(path)})


def is_within(path, root_path):
    return path.startswith(root_path)

"""Categories of residents' requests and their time limits, read from the policy
`requests.categories` (policies/requests.toml) in force on a date.

The codes are stable identifiers (ascii snake case): they are stored on each request and
served as Open311 `service_code`s. The table is checked whenever it is read, so a policy
file with a bad route or a missing number fails loudly, naming the category and the field,
instead of producing requests without a deadline.
"""

import re
from dataclasses import dataclass

from jiceng.core import policy
from jiceng.core.errors import DomainError
from jiceng.core.policy import PolicyError

KEY = "requests.categories"
GRID, COMMUNITY, STREET, DEPARTMENT = "grid", "community", "street", "department"
ROUTES = (GRID, COMMUNITY, STREET, DEPARTMENT)
CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")  # Request.category is 40 characters
FIELDS = ("name", "group", "respond_hours", "resolve_workdays", "route", "department", "description")


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    group: str
    respond_hours: float  # clock hours from receipt
    resolve_workdays: int  # working days after the day of receipt (see sla)
    route: str  # grid | community | street | department
    department: str  # a fragment of the department's name when route == "department", else ""
    description: str


def _invalid(code, field, problem):
    where = f"类别 {code} 的字段 {field}" if field else f"类别 {code}"
    return PolicyError("policy_file_invalid", f"政策 {KEY}：{where}：{problem}", KEY)


def _text(code, row, field, required=True):
    value = row.get(field, "")
    if not isinstance(value, str):
        raise _invalid(code, field, "应为文字")
    if required and not value.strip():
        raise _invalid(code, field, "缺失或为空")
    return value.strip()


def _number(code, row, field, *, integer, minimum, exclusive=False):
    if field not in row:
        raise _invalid(code, field, "缺失")
    value = row[field]
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise _invalid(code, field, "应为整数" if integer else "应为数字")
    if value < minimum or (exclusive and value == minimum):
        raise _invalid(code, field, f"应{'大于' if exclusive else '不小于'} {minimum}，现为 {value}")
    return value


def _category(code, row):
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise _invalid(code, "", "代码应为小写字母开头、由小写字母、数字和下划线组成，最长 40 个字符")
    if not isinstance(row, dict):
        raise _invalid(code, "", "应为一个表（name、group、respond_hours …）")
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        raise _invalid(code, unknown[0], f"不是已知字段（可用：{'、'.join(FIELDS)}）")
    route = _text(code, row, "route")
    if route not in ROUTES:
        raise _invalid(code, "route", f"应为 {' / '.join(ROUTES)} 之一，现为 {route!r}")
    if route == DEPARTMENT:
        department = _text(code, row, "department")
    elif "department" in row:
        raise _invalid(code, "department", f"只在 route = \"{DEPARTMENT}\" 时填写")
    else:
        department = ""
    return Category(
        code=code,
        name=_text(code, row, "name"),
        group=_text(code, row, "group"),
        respond_hours=_number(code, row, "respond_hours", integer=False, minimum=0, exclusive=True),
        resolve_workdays=_number(code, row, "resolve_workdays", integer=True, minimum=0),
        route=route,
        department=department,
        description=_text(code, row, "description", required=False),
    )


def _parse(table):
    if not isinstance(table, dict) or not table:
        raise PolicyError("policy_file_invalid", f"政策 {KEY} 应为“类别代码 = 表”的非空表", KEY)
    return tuple(_category(code, row) for code, row in table.items())


# Parsed tables, keyed by the identity of the policy value (kept alive in the entry, so an id
# is never reused while cached). A policy reload (registry cache cleared) yields new values.
_parsed = {}


def _categories(on, region):
    table = policy.get(KEY, on=on, region=region)
    entry = _parsed.get(id(table))
    if entry is None or entry[0] is not table:
        entry = _parsed[id(table)] = (table, _parse(table))
        if len(_parsed) > 64:  # reloads in tests; never grows in a running server
            _parsed.clear()
            _parsed[id(table)] = entry
    return entry[1]


def all_categories(on=None, region=""):
    """The categories in force on `on` (default today), in the policy file's order."""
    return list(_categories(on, region))


def get(code, on=None, region=""):
    for category in _categories(on, region):
        if category.code == code:
            return category
    raise DomainError("category_unknown", f"未知的诉求类别：{code}", "category")


def choices(on=None, region=""):
    """(code, name) pairs for forms."""
    return [(c.code, c.name) for c in _categories(on, region)]

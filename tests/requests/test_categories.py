"""Categories of residents' requests from the policy `requests.categories`, and the other
`requests.*` policy keys."""

import datetime
import re
import textwrap

import pytest

from jiceng.core import policy
from jiceng.core.errors import DomainError
from jiceng.core.policy import PolicyError
from jiceng.demo.names import DEPARTMENTS
from jiceng.requests import categories
from jiceng.requests.categories import Category

ON = datetime.date(2025, 6, 1)


@pytest.fixture
def policy_dirs(tmp_path, settings):
    """Policies read from `tmp_path` only; the cache is cleared on the way in and out."""
    settings.JICENG_POLICY_DIRS = [tmp_path]
    policy.registry.cache_clear()
    yield tmp_path
    policy.registry.cache_clear()


def write_categories(directory, rows, header="[[categories.values]]\nfrom = 1949-10-01\n"):
    """`rows`: {code: "inline fields"} written as one sub-table per category."""
    text = "[categories]\ntitle = \"诉求类别\"\n" + header
    for code, fields in rows.items():
        text += f"[categories.values.value.{code}]\n{textwrap.dedent(fields)}\n"
    (directory / "requests.toml").write_text(text, encoding="utf-8")


GOOD = """
    name = "噪音扰民"
    group = "生态环境"
    respond_hours = 4
    resolve_workdays = 3
    route = "department"
    department = "生态环境"
    description = "夜间施工"
"""


def test_shipped_categories():
    found = categories.all_categories(ON)
    assert 10 <= len(found) <= 20
    codes = [c.code for c in found]
    assert len(set(codes)) == len(codes)
    assert codes[0] == "city_appearance" and codes[-1] == "other"  # the file's order
    for c in found:
        assert isinstance(c, Category)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", c.code) and len(c.code) <= 40
        assert c.name and c.group and c.description
        assert c.respond_hours > 0 and c.resolve_workdays >= 0
        assert c.route in categories.ROUTES
        if c.route == "department":
            # the demo's departments carry these names, so demo requests find their department
            assert any(c.department in d for d in DEPARTMENTS), c
        else:
            assert c.department == ""
    assert {c.route for c in found} == set(categories.ROUTES)
    assert {"city_appearance", "property_management", "noise", "road_lighting", "utilities", "neighbour_dispute",
            "social_assistance", "illegal_construction", "street_vending", "safety_hazard"} <= set(codes)


def test_get():
    noise = categories.get("noise", on=ON)
    assert (noise.name, noise.route, noise.department) == ("噪音扰民", "department", "生态环境")
    assert categories.get("noise") == noise  # today
    with pytest.raises(AttributeError):
        noise.name = "x"  # frozen
    assert categories.choices(ON)[0] == ("city_appearance", "市容环境卫生")


@pytest.mark.parametrize("code", ["no_such_thing", "", "Noise", None])
def test_category_unknown(code):
    with pytest.raises(DomainError) as caught:
        categories.get(code, on=ON)
    assert caught.value.code == "category_unknown"
    assert caught.value.message == f"未知的诉求类别：{code}"
    assert caught.value.field == "category"


@pytest.mark.parametrize("key, kind", [
    ("duplicate_radius_m", int), ("duplicate_window_hours", int), ("summons_accept_hours", float),
    ("escalate_after_overdue_hours", int), ("rating_window_days", int), ("description_max_chars", int),
    ("photo_max_mb", int), ("photo_max_count", int), ("routing_cache_seconds", int),
    ("jurisdiction_margin_km", int),
])
def test_other_keys_exist(key, kind):
    value = policy.get(f"requests.{key}", on=ON)
    assert isinstance(value, kind) and not isinstance(value, bool) and value > 0
    assert policy.get(f"requests.{key}", on=ON, region="330523") == value  # no regional override shipped
    p = policy.policy(f"requests.{key}")
    assert p.title and p.source


def test_every_table_says_where_it_comes_from():
    for key, p in policy.registry().items():
        if key.startswith("requests."):
            assert p.title and p.source, key
            assert min(v.effective for v in p.values) == datetime.date(1949, 10, 1), key


def test_effective_dates_and_regions(policy_dirs):
    write_categories(policy_dirs, {"noise": GOOD})
    with open(policy_dirs / "requests.toml", "a", encoding="utf-8") as fh:
        fh.write(textwrap.dedent("""
            [[categories.values]]
            from = 2026-01-01
            [categories.values.value.noise]
            name = "噪声污染"
            group = "生态环境"
            respond_hours = 2
            resolve_workdays = 2
            route = "grid"
            [[categories.values]]
            from = 2026-01-01
            region = "33"
            [categories.values.value.noise_night]
            name = "夜间噪声"
            group = "生态环境"
            respond_hours = 0.5
            resolve_workdays = 0
            route = "street"
        """))
    assert categories.get("noise", on=datetime.date(2025, 12, 31)).respond_hours == 4
    new = categories.get("noise", on=datetime.date(2026, 1, 1))
    assert (new.name, new.respond_hours, new.route, new.department, new.description) == ("噪声污染", 2, "grid", "", "")
    zhejiang = categories.all_categories(datetime.date(2026, 1, 1), region="330523")
    assert [(c.code, c.respond_hours, c.resolve_workdays) for c in zhejiang] == [("noise_night", 0.5, 0)]
    with pytest.raises(DomainError) as caught:
        categories.get("noise", on=datetime.date(2026, 1, 1), region="330523")
    assert caught.value.code == "category_unknown"


def test_reloaded_policy_is_read_again(policy_dirs):
    write_categories(policy_dirs, {"noise": GOOD})
    assert categories.get("noise", on=ON).respond_hours == 4
    write_categories(policy_dirs, {"noise": GOOD.replace("respond_hours = 4", "respond_hours = 6")})
    policy.registry.cache_clear()
    assert categories.get("noise", on=ON).respond_hours == 6


@pytest.mark.parametrize("change, field, detail", [
    (("route = \"department\"", "route = \"district\""), "route", "grid / community / street / department"),
    (("respond_hours = 4\n", ""), "respond_hours", "缺失"),
    (("resolve_workdays = 3\n", ""), "resolve_workdays", "缺失"),
    (("resolve_workdays = 3", "resolve_workdays = \"3\""), "resolve_workdays", "应为整数"),
    (("resolve_workdays = 3", "resolve_workdays = 2.5"), "resolve_workdays", "应为整数"),
    (("resolve_workdays = 3", "resolve_workdays = -1"), "resolve_workdays", "不小于 0"),
    (("respond_hours = 4", "respond_hours = true"), "respond_hours", "应为数字"),
    (("respond_hours = 4", "respond_hours = 0"), "respond_hours", "大于 0"),
    (("name = \"噪音扰民\"\n", ""), "name", "缺失或为空"),
    (("group = \"生态环境\"", "group = \"  \""), "group", "缺失或为空"),
    (("department = \"生态环境\"\n", ""), "department", "缺失或为空"),
    (("route = \"department\"", "route = \"grid\""), "department", "只在 route = \"department\" 时填写"),
    (("respond_hours = 4", "respond_hour = 4"), "respond_hour", "不是已知字段"),
    (("description = \"夜间施工\"", "description = 3"), "description", "应为文字"),
])
def test_malformed_category_fails_loudly(policy_dirs, change, field, detail):
    old, new = change
    assert old in GOOD
    write_categories(policy_dirs, {"city_appearance": GOOD.replace("生态环境", "城市管理"), "noise": GOOD.replace(old, new)})
    for read in (lambda: categories.all_categories(ON), lambda: categories.get("city_appearance", on=ON)):
        with pytest.raises(PolicyError) as caught:
            read()
        error = caught.value
        assert error.code == "policy_file_invalid" and error.field == "requests.categories"
        assert "requests.categories" in error.message and "类别 noise" in error.message
        assert f"字段 {field}" in error.message and detail in error.message


@pytest.mark.parametrize("code", ["Noise", "noise-level", "1noise", "噪音", "n" * 41])
def test_bad_category_code(policy_dirs, code):
    write_categories(policy_dirs, {f'"{code}"': GOOD})
    with pytest.raises(PolicyError) as caught:
        categories.all_categories(ON)
    assert caught.value.code == "policy_file_invalid" and code in caught.value.message
    assert "代码应为小写字母开头" in caught.value.message


@pytest.mark.parametrize("value", ["[]", "{}", "\"noise\"", "3"])
def test_categories_value_is_not_a_table_of_categories(policy_dirs, value):
    (policy_dirs / "requests.toml").write_text(
        f"[categories]\n[[categories.values]]\nfrom = 1949-10-01\nvalue = {value}\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        categories.all_categories(ON)
    assert caught.value.code == "policy_file_invalid" and "requests.categories" in caught.value.message


def test_a_category_that_is_not_a_table(policy_dirs):
    (policy_dirs / "requests.toml").write_text(
        "[categories]\n[[categories.values]]\nfrom = 1949-10-01\nvalue = { noise = 3 }\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        categories.all_categories(ON)
    assert "类别 noise" in caught.value.message and "应为一个表" in caught.value.message

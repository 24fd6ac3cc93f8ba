"""Policies as data: the TOML loader, effective dates, regional overrides, and errors."""

import datetime
import textwrap
import tomllib

import pytest
from django.conf import settings as django_settings

from jiceng.core import policy
from jiceng.core.policy import PolicyError

BUILT_IN = django_settings.BASE_DIR / "policies"

USED_KEYS = [
    "orgs.branch_min_full_members",
    "orgs.branch_max_members",
    "orgs.committee_required_full_members",
    "orgs.committee_min_seats",
    "orgs.term_years",
    "people.applicant_min_age",
    "calendar.extra_holidays",
    "calendar.extra_workdays",
]


@pytest.fixture
def policy_dirs(tmp_path, settings):
    """Policies read from `tmp_path` only; the cache is cleared on the way in and out."""
    settings.JICENG_POLICY_DIRS = [tmp_path]
    policy.registry.cache_clear()
    yield tmp_path
    policy.registry.cache_clear()


def write(directory, name, text):
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")


def test_built_in_files_are_read():
    stems = {p.stem for p in BUILT_IN.glob("*.toml")}
    assert {"calendar", "orgs", "people"} <= stems
    registry = policy.registry()
    assert {k.split(".")[0] for k in registry} == stems  # every file is read, under its own name
    with open(BUILT_IN / "orgs.toml", "rb") as fh:
        table = tomllib.load(fh)["branch_max_members"]
    p = policy.policy("orgs.branch_max_members")
    assert (p.title, p.source) == (table["title"], table["source"])
    assert [(v.effective, v.region, v.value) for v in p.values] == [
        (row["from"], row.get("region", ""), row["value"]) for row in table["values"]]


@pytest.mark.parametrize("key", USED_KEYS)
def test_every_key_the_code_asks_for_exists(key):
    on = datetime.date(2025, 6, 1)
    value = policy.get(key, on=on, region="330523")
    assert value is not None
    assert policy.get(key, on=on) == value  # no regional override shipped


def test_built_in_values():
    on = datetime.date(2025, 6, 1)
    assert policy.get("orgs.branch_min_full_members", on=on) == 3
    assert policy.get("orgs.branch_max_members", on=on) == 50
    assert policy.get("orgs.committee_required_full_members", on=on) == 7
    assert policy.get("orgs.committee_min_seats", on=on) == 3
    assert policy.get("people.applicant_min_age", on=on) == 18
    table = policy.get("orgs.term_years", on=on)
    assert table["default"] == 3 and table["village"] == 5 and table["community"] == 5
    assert policy.get("calendar.extra_holidays", on=on) == []


def test_default_date_is_today():
    assert policy.get("orgs.branch_max_members") == 50


def test_value_by_effective_date(policy_dirs):
    write(policy_dirs, "orgs.toml", """
        [branch_max_members]
        title = "上限"
        [[branch_max_members.values]]
        from = 2018-10-28
        value = 50
        [[branch_max_members.values]]
        from = 2024-01-01
        value = 40
        [[branch_max_members.values]]
        from = 2021-07-01
        value = 45
    """)
    get = policy.get
    assert get("orgs.branch_max_members", on=datetime.date(2018, 10, 28)) == 50
    assert get("orgs.branch_max_members", on=datetime.date(2021, 6, 30)) == 50
    assert get("orgs.branch_max_members", on=datetime.date(2021, 7, 1)) == 45
    assert get("orgs.branch_max_members", on=datetime.date(2023, 12, 31)) == 45
    assert get("orgs.branch_max_members", on=datetime.date(2024, 1, 1)) == 40
    assert get("orgs.branch_max_members", on=datetime.date(2099, 1, 1)) == 40
    with pytest.raises(PolicyError) as caught:
        get("orgs.branch_max_members", on=datetime.date(2018, 10, 27))
    assert caught.value.code == "policy_not_in_force"
    assert "orgs.branch_max_members" in caught.value.message and "2018-10-27" in caught.value.message


def test_most_specific_region_wins(policy_dirs):
    write(policy_dirs, "orgs.toml", """
        [branch_max_members]
        [[branch_max_members.values]]
        from = 2018-10-28
        value = 50
        [[branch_max_members.values]]
        from = 2019-01-01
        region = "33"
        value = 45
        [[branch_max_members.values]]
        from = 2020-01-01
        region = "3305"
        value = 40
        [[branch_max_members.values]]
        from = 2022-01-01
        value = 60
        [[branch_max_members.values]]
        from = 2023-01-01
        region = "33"
        value = 44
    """)

    def get(on, region):
        return policy.get("orgs.branch_max_members", on=datetime.date(*on), region=region)

    assert get((2021, 1, 1), "330523") == 40   # 湖州 override
    assert get((2021, 1, 1), "330102") == 45   # 浙江 override
    assert get((2021, 1, 1), "110105") == 50   # national
    assert get((2021, 1, 1), "") == 50
    assert get((2019, 6, 1), "330523") == 45   # 湖州's own value not yet in force
    assert get((2018, 12, 1), "330523") == 50  # neither regional value in force
    # a newer national or provincial value does not displace a more specific one
    assert get((2024, 1, 1), "330523") == 40
    assert get((2024, 1, 1), "330102") == 44
    assert get((2024, 1, 1), "110105") == 60
    with pytest.raises(PolicyError) as caught:
        get((2018, 1, 1), "330523")
    assert caught.value.code == "policy_not_in_force"


def test_region_only_value_is_not_in_force_elsewhere(policy_dirs):
    write(policy_dirs, "calendar.toml", """
        [extra_holidays]
        [[extra_holidays.values]]
        from = 2020-01-01
        region = "65"
        value = ["2020-03-21"]
    """)
    assert policy.get("calendar.extra_holidays", on=datetime.date(2021, 1, 1), region="650102") == ["2020-03-21"]
    with pytest.raises(PolicyError) as caught:
        policy.get("calendar.extra_holidays", on=datetime.date(2021, 1, 1), region="330523")
    assert caught.value.code == "policy_not_in_force"


def test_extra_directory_overrides_the_built_in_one(tmp_path, settings):
    settings.JICENG_POLICY_DIRS = [BUILT_IN, tmp_path]
    write(tmp_path, "orgs.toml", """
        [branch_max_members]
        [[branch_max_members.values]]
        from = 2025-01-01
        region = "33"
        value = 45
    """)
    policy.registry.cache_clear()
    try:
        p = policy.policy("orgs.branch_max_members")
        assert p.title == "党支部党员人数一般不超过50人"  # kept from the built-in file
        assert len(p.values) == 2
        assert policy.get("orgs.branch_max_members", on=datetime.date(2025, 6, 1), region="330523") == 45
        assert policy.get("orgs.branch_max_members", on=datetime.date(2025, 6, 1), region="110105") == 50
        assert policy.get("orgs.branch_max_members", on=datetime.date(2024, 6, 1), region="330523") == 50
        assert policy.get("orgs.committee_min_seats", on=datetime.date(2025, 6, 1)) == 3  # untouched keys stay
    finally:
        policy.registry.cache_clear()


def test_unknown_key(policy_dirs):
    write(policy_dirs, "orgs.toml", """
        [branch_max_members]
        [[branch_max_members.values]]
        from = 2018-10-28
        value = 50
    """)
    for key in ("orgs.no_such_rule", "nonsense", "people.applicant_min_age"):
        with pytest.raises(PolicyError) as caught:
            policy.get(key, on=datetime.date(2025, 1, 1))
        assert caught.value.code == "unknown_policy"
        assert key in caught.value.message and caught.value.field == key


def test_unknown_key_in_built_in_policies():
    with pytest.raises(PolicyError) as caught:
        policy.get("orgs.branch_max_member")
    assert caught.value.code == "unknown_policy" and "orgs.branch_max_member" in str(caught.value)


@pytest.mark.parametrize("text, detail", [
    ("[branch_max_members\nvalue = 1\n", "格式错误"),
    ("[branch_max_members]\ntitle = \"x\"\n", "缺少 values"),
    ("branch_max_members = 50\n", "缺少 values"),
    ("[branch_max_members]\nvalues = []\n", "缺少 values"),
    ("[[branch_max_members.values]]\nvalue = 50\n", "缺少 from 或 value"),
    ("[[branch_max_members.values]]\nfrom = 2018-10-28\n", "缺少 from 或 value"),
    ("[[branch_max_members.values]]\nfrom = \"2018-10-28\"\nvalue = 50\n", "不是日期"),
    ("[[branch_max_members.values]]\nfrom = 2018-10-28T08:00:00\nvalue = 50\n", "不是日期"),
])
def test_malformed_file(policy_dirs, text, detail):
    write(policy_dirs, "orgs.toml", "# a deployment's override\n" + text)
    with pytest.raises(PolicyError) as caught:
        policy.get("orgs.branch_max_members", on=datetime.date(2025, 1, 1))
    assert caught.value.code == "policy_file_invalid"
    assert "orgs.toml" in caught.value.message and detail in caught.value.message


def test_policy_error_is_a_domain_error():
    from jiceng.core.errors import DomainError

    assert issubclass(PolicyError, DomainError)

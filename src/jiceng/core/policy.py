"""Regulatory numbers as data: `policies/*.toml`.

Each file is a namespace (its stem). Each table in it is one policy key:

    [branch_max_members]
    title = "党支部党员人数一般不超过"
    source = "中国共产党支部工作条例（试行）第五条"
    [[branch_max_members.values]]
    from = 2018-10-28
    value = 50
    [[branch_max_members.values]]
    from = 2024-01-01
    region = "33"          # GB/T 2260 prefix: applies in 浙江 only
    value = 45

`get("orgs.branch_max_members", on=date, region="330523")` returns the value in force on
`date` in the most specific matching region. Code never holds these numbers as literals.
"""

import datetime
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from .errors import DomainError


class PolicyError(DomainError):
    pass


@dataclass(frozen=True)
class PolicyValue:
    effective: datetime.date
    region: str
    value: object


@dataclass(frozen=True)
class Policy:
    key: str
    title: str
    source: str
    values: tuple

    def value_on(self, on, region=""):
        region = region or ""
        candidates = [v for v in self.values if v.effective <= on and region.startswith(v.region)]
        if not candidates:
            raise PolicyError(
                "policy_not_in_force", f"政策 {self.key} 在 {on:%Y-%m-%d} 尚未生效（地区 {region or '全国'}）", self.key
            )
        # Most specific region first, then the latest effective date.
        best = max(candidates, key=lambda v: (len(v.region), v.effective))
        return best.value


def _load_file(path, namespace, into):
    with open(path, "rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError("policy_file_invalid", f"政策文件 {path.name} 格式错误：{exc}") from exc
    for name, table in data.items():
        key = f"{namespace}.{name}"
        if not isinstance(table, dict) or not isinstance(table.get("values"), list) or not table["values"]:
            raise PolicyError("policy_file_invalid", f"政策文件 {path.name}：{name} 缺少 values 列表")
        values = []
        for i, row in enumerate(table["values"], 1):
            if "from" not in row or "value" not in row:
                raise PolicyError("policy_file_invalid", f"政策文件 {path.name}：{name} 第 {i} 个取值缺少 from 或 value")
            effective = row["from"]
            if not isinstance(effective, datetime.date) or isinstance(effective, datetime.datetime):
                raise PolicyError("policy_file_invalid", f"政策文件 {path.name}：{name} 第 {i} 个取值的 from 不是日期")
            values.append(PolicyValue(effective, str(row.get("region", "")), row["value"]))
        previous = into.get(key)
        merged = (previous.values if previous else ()) + tuple(values)
        into[key] = Policy(key, table.get("title", previous.title if previous else ""),
                           table.get("source", previous.source if previous else ""), merged)


@lru_cache(maxsize=1)
def registry():
    policies = {}
    for directory in settings.JICENG_POLICY_DIRS:
        for path in sorted(directory.glob("*.toml")):
            _load_file(path, path.stem, policies)
    return policies


def policy(key):
    try:
        return registry()[key]
    except KeyError:
        raise PolicyError("unknown_policy", f"未知的政策项：{key}", key) from None


def get(key, on=None, region=""):
    from django.utils import timezone

    return policy(key).value_on(on or timezone.localdate(), region)

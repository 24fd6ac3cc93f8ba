"""The dues rule for a month: base, rate and amount from policies/dues.toml. Pure: no
queries, so the monthly run works a province out of memory."""

import decimal
from dataclasses import dataclass
from decimal import Decimal

from jiceng.core import policy
from jiceng.core.errors import DomainError

from .choices import BY_INCOME, CATEGORY_LABELS, RURAL

FEN = Decimal("0.01")


@dataclass(frozen=True)
class Due:
    base: Decimal | None   # the income the rate applies to; None for flat amounts
    rate: Decimal | None
    due: Decimal


class Rule:
    """The policy values in force on one day in one region, read once."""

    def __init__(self, on, region=""):
        def get(key):
            return policy.get(f"dues.{key}", on=on, region=region)

        self.on = on
        self.brackets = {cat: [(Decimal(b["up_to"]) if "up_to" in b else None, Decimal(b["rate"])) for b in get(key)]
                         for cat, key in BY_INCOME.items()}
        self.rural = {k: Decimal(v) for k, v in get("rural_range").items()}
        self.flat = {k: Decimal(v) for k, v in get("flat_amounts").items()}
        self.rounding = getattr(decimal, get("rounding"))
        self.income_max = Decimal(get("income_max"))

    def rate_for(self, category, income):
        """The bracket's rate; brackets' upper bounds are inclusive (含)."""
        for up_to, rate in self.brackets[category]:
            if up_to is None or income <= up_to:
                return rate
        raise ValueError("the last bracket has no upper bound")

    def due(self, category, income=None, flat_amount=None):
        if category in BY_INCOME:
            rate = self.rate_for(category, income)
            return Due(income, rate, (income * rate).quantize(FEN, rounding=self.rounding))
        if category == RURAL:
            amount = self.rural["default"] if flat_amount is None else flat_amount
            return Due(None, None, amount.quantize(FEN, rounding=self.rounding))
        return Due(None, None, self.flat[category].quantize(FEN, rounding=self.rounding))

    def check_profile(self, category, income, flat_amount):
        """Refuse a profile the rule cannot work with; return the (income, flat amount) to keep."""
        if category not in CATEGORY_LABELS:
            raise DomainError("category_invalid", f"未知的党费类别：{category}", "category")
        if category in BY_INCOME:
            if income is None:
                raise DomainError("income_required", f"{CATEGORY_LABELS[category]}须填写月收入", "monthly_income")
            if income < 0:
                raise DomainError("income_negative", f"月收入不能为负数（填写的是 {income} 元）", "monthly_income")
            if income > self.income_max:
                title = policy.policy("dues.income_max").title
                raise DomainError("income_implausible",
                                  f"月收入 {income} 元超过{title} {self.income_max} 元"
                                  f"（{self.on:%Y-%m-%d} 起适用），请核对是否录入有误", "monthly_income")
            return income, None
        if category == RURAL:
            amount = self.rural["default"] if flat_amount is None else flat_amount
            if not self.rural["min"] <= amount <= self.rural["max"]:
                source = policy.policy("dues.rural_range").source
                raise DomainError("flat_amount_out_of_range",
                                  f"农民党员每月交纳 {self.rural['min']}–{self.rural['max']} 元，"
                                  f"填写的 {amount} 元不在此范围（依据{source}）", "flat_amount")
            return None, amount
        return None, None

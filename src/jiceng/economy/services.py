"""Collective economy: every change is one transaction with an audit event."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE

from .models import SOURCE_LABELS, ClosedYear, Cooperative, Dividend, Household, IncomeEntry, YearTotal

# Who may close a year (结账): the county or a node above it, for every village below.
CLOSING_KINDS = {"province", "city", "county"}
FIRST_YEAR = 1949


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _check_village(village):
    if village.kind != "village":
        raise DomainError("not_village", f"“{village.name}”不是村，集体经济记在村名下", "village")


def _check_year(year, today=None):
    today = today or timezone.localdate()
    if not FIRST_YEAR <= year <= today.year:
        raise DomainError("year_invalid", f"年度须在 {FIRST_YEAR} 至 {today.year} 之间", "year")


def closing(village, year):
    """The ClosedYear that blocks `year` for `village` (on it or an ancestor), or None."""
    return (ClosedYear.objects.filter(org__path__in=village.ancestor_paths(include_self=True), year=year)
            .select_related("org").first())


def record_income(actor, *, village, year, source, amount, note="", today=None):
    require(actor, CHANGE, village, "该村")
    _check_village(village)
    _check_year(year, today)
    if source not in SOURCE_LABELS:
        raise DomainError("source_invalid", f"未知的收入来源：{source}", "source")
    amount = Decimal(amount)
    if amount <= 0:
        raise DomainError("amount_invalid", "金额须大于 0（更正请录入说明并联系县级退回）", "amount")
    with transaction.atomic():
        closed = closing(village, year)
        if closed:
            raise DomainError(
                "year_closed",
                f"{year} 年度已由{closed.org.name}于 {closed.closed_on:%Y-%m-%d} 结账，不能再录入该年度收入"
                "（依据年度结账规则：结账后账目不得变动）", "year")
        entry = IncomeEntry.objects.create(village=village, year=year, source=source, amount=amount, note=note,
                                           entered_by=_user(actor))
        YearTotal.objects.get_or_create(village=village, year=year)
        YearTotal.objects.filter(village=village, year=year).update(
            total=F("total") + amount, **{source: F(source) + amount})
        audit.record(actor, "economy.record_income", entry,
                     after={"village": village.pk, "year": year, "source": source, "amount": str(amount),
                            "note": note})
    return entry


def close_year(actor, *, org, year, today=None):
    require(actor, CHANGE, org, "该单位")
    today = today or timezone.localdate()
    if org.kind not in CLOSING_KINDS:
        raise DomainError("close_not_allowed", f"年度结账由县级及以上单位办理，“{org.name}”不能结账", "org")
    _check_year(year, today)
    if year >= today.year:
        raise DomainError("close_too_early", f"{year} 年度尚未结束，须在 {year + 1}-01-01 之后结账", "year")
    with transaction.atomic():
        if ClosedYear.objects.filter(org=org, year=year).exists():
            raise DomainError("already_closed", f"{org.name} {year} 年度已结账", "year")
        closed = ClosedYear.objects.create(org=org, year=year, closed_by=_user(actor), closed_on=today)
        audit.record(actor, "economy.close_year", closed, after={"org": org.pk, "year": year})
    return closed


def add_cooperative(actor, *, village, name, founded_on=None):
    require(actor, CHANGE, village, "该村")
    _check_village(village)
    name = (name or "").strip()
    if not name:
        raise DomainError("name_required", "请填写合作社名称", "name")
    with transaction.atomic():
        coop = Cooperative.objects.create(village=village, name=name, founded_on=founded_on)
        audit.record(actor, "economy.add_cooperative", coop, after={"village": village.pk, "name": name})
    return coop


def add_household(actor, cooperative, *, head_name, size):
    require(actor, CHANGE, cooperative.village, "该村")
    head_name = (head_name or "").strip()
    if not head_name:
        raise DomainError("head_name_required", "请填写户主姓名", "head_name")
    if not size or size < 1:
        raise DomainError("size_invalid", "家庭人口须至少 1 人", "size")
    with transaction.atomic():
        household = Household.objects.create(cooperative=cooperative, head_name=head_name, size=size)
        audit.record(actor, "economy.add_household", household,
                     after={"cooperative": cooperative.pk, "head_name": head_name, "size": size})
    return household


def record_dividend(actor, household, *, year, amount, today=None):
    """Set a household's dividend for a year (a second entry for the same year corrects it)."""
    require(actor, CHANGE, household.cooperative.village, "该村")
    _check_year(year, today)
    amount = Decimal(amount)
    if amount < 0:
        raise DomainError("amount_invalid", "分红金额不能为负数", "amount")
    with transaction.atomic():
        existing = Dividend.objects.select_for_update().filter(household=household, year=year).first()
        before = {"amount": str(existing.amount)} if existing else None
        dividend, _ = Dividend.objects.update_or_create(household=household, year=year, defaults={"amount": amount})
        audit.record(actor, "economy.record_dividend", dividend, before=before,
                     after={"household": household.pk, "year": year, "amount": str(amount)})
    return dividend

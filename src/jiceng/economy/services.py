"""Collective economy: every change is one transaction with an audit event."""

from decimal import Decimal

from django.db import connection, transaction
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
YEAR_LOCK = 6001  # first key of this app's PostgreSQL advisory locks (the second is the year)


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


def _year_lock(year, closing=False):
    """Closing a year and writing into it exclude each other until commit: writes share the
    year's lock, a closing takes it alone, so no entry slips in beside a closing not yet
    committed. (SQLite has one writer at a time anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock{'' if closing else '_shared'}(%s, %s)", [YEAR_LOCK, year])


def _check_open(village, year, doing):
    """Refused when `year` is closed for the village, naming who closed it and when."""
    closed = closing(village, year)
    if closed:
        raise DomainError(
            "year_closed",
            f"{year} 年度已由{closed.org.name}于 {closed.closed_on:%Y-%m-%d} 结账，不能再{doing}"
            "（依据年度结账规则：结账后账目不得变动）", "year")


def _check_source(source):
    if source not in SOURCE_LABELS:
        raise DomainError("source_invalid", f"未知的收入来源：{source}", "source")


def record_income(actor, *, village, year, source, amount, note="", today=None):
    require(actor, CHANGE, village, "该村")
    _check_village(village)
    _check_year(year, today)
    _check_source(source)
    amount = Decimal(amount)
    if amount <= 0:
        raise DomainError("amount_invalid", "金额须大于 0（录错的条目请用“更正”）", "amount")
    with transaction.atomic():
        _year_lock(year)
        _check_open(village, year, "录入该年度收入")
        entry = IncomeEntry.objects.create(village=village, year=year, source=source, amount=amount, note=note,
                                           entered_by=_user(actor))
        YearTotal.objects.get_or_create(village=village, year=year)
        YearTotal.objects.filter(village=village, year=year).update(
            total=F("total") + amount, **{source: F(source) + amount})
        audit.record(actor, "economy.record_income", entry,
                     after={"village": village.pk, "year": year, "source": source, "amount": str(amount),
                            "note": note})
    return entry


def correct_income(actor, entry, *, amount, reason, source=None, note=None):
    """Replace an entry by a new one (the original is kept, marked as replaced); the year's kept
    total moves by the difference in the same transaction. 0 withdraws an entry made in error."""
    village = entry.village
    require(actor, CHANGE, village, "该村")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", "请填写更正原因", "reason")
    source = source or entry.source
    _check_source(source)
    amount = Decimal(amount)
    if amount < 0:
        raise DomainError("amount_invalid", "更正后的金额不能为负数（整条录错请更正为 0）", "amount")
    with transaction.atomic():
        original = IncomeEntry.objects.select_for_update().get(pk=entry.pk)
        if original.replaced_by_id:
            raise DomainError("already_corrected", "该条目已被更正，请更正取代它的最新条目", None)
        _year_lock(original.year)
        _check_open(village, original.year, "更正该年度收入")
        if (amount, source) == (original.amount, original.source):
            raise DomainError("nothing_changed", "更正后的金额和来源与原条目相同", "amount")
        correction = IncomeEntry.objects.create(
            village=village, year=original.year, source=source, amount=amount,
            note=original.note if note is None else note, entered_by=_user(actor), reason=reason)
        original.replaced_by = correction
        original.save(update_fields=["replaced_by"])
        by_source = {original.source: F(original.source) - original.amount}
        by_source[source] = by_source.get(source, F(source)) + amount
        YearTotal.objects.filter(village=village, year=original.year).update(
            total=F("total") + (amount - original.amount), **by_source)
        audit.record(actor, "economy.correct_income", correction,
                     before={"entry": original.pk, "source": original.source, "amount": str(original.amount)},
                     after={"entry": correction.pk, "source": source, "amount": str(amount), "reason": reason})
    entry.replaced_by = correction
    return correction


def close_year(actor, *, org, year, today=None):
    require(actor, CHANGE, org, "该单位")
    today = today or timezone.localdate()
    if org.kind not in CLOSING_KINDS:
        raise DomainError("close_not_allowed", f"年度结账由县级及以上单位办理，“{org.name}”不能结账", "org")
    _check_year(year, today)
    if year >= today.year:
        raise DomainError("close_too_early", f"{year} 年度尚未结束，须在 {year + 1}-01-01 之后结账", "year")
    with transaction.atomic():
        _year_lock(year, closing=True)
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

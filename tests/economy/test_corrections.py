"""Correcting an income entry: a new entry replaces it (reason, who, when), the original is kept
and marked, the kept year total moves by the difference; refused in a closed year."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent
from jiceng.economy import services
from jiceng.economy.models import IncomeEntry, YearTotal

from tests.locks import wait_for_lock_waiters
from tests.village.helpers import race

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def income(village, source, amount, year=2025):
    return services.record_income(None, village=village, year=year, source=source, amount=amount, today=TODAY)


def test_a_correction_keeps_the_original_and_moves_the_total_by_the_difference(county):
    """By hand: operating 30,000 + 12,500.50, leasing 8,000 -> total 50,500.50.
    The 12,500.50 operating entry was really 10,500.50 of leasing: operating 30,000,
    leasing 18,500.50, total 48,500.50. The 8,000 entry was made in error (-> 0): leasing
    10,500.50, total 40,500.50."""
    v = county.villages["上村"]
    secretary = county.users["village_secretary"]
    income(v, "operating", "30000")
    wrong = income(v, "operating", "12500.50")
    mistake = income(v, "leasing", "8000")
    assert YearTotal.objects.get(village=v, year=2025).total == Decimal("50500.50")
    fixed = services.correct_income(secretary, wrong, amount="10500.50", source="leasing", reason="来源录错，金额笔误")
    t = YearTotal.objects.get(village=v, year=2025)
    assert (t.total, t.operating, t.leasing) == (Decimal("48500.50"), Decimal("30000"), Decimal("18500.50"))
    services.correct_income(secretary, mistake, amount="0", reason="重复录入")
    t.refresh_from_db()
    assert (t.total, t.operating, t.leasing) == (Decimal("40500.50"), Decimal("30000"), Decimal("10500.50"))
    original = IncomeEntry.objects.get(pk=wrong.pk)
    assert (original.amount, original.source, original.replaced_by) == (Decimal("12500.50"), "operating", fixed)
    assert (fixed.reason, fixed.entered_by, fixed.replaces) == ("来源录错，金额笔误", secretary, original)
    current = IncomeEntry.objects.filter(village=v, year=2025, replaced_by__isnull=True)
    assert sum(e.amount for e in current) == t.total  # the kept total equals the live entries
    event = AuditEvent.objects.filter(action="economy.correct_income").order_by("id").first()
    assert event.before["amount"] == "12500.50" and event.after["reason"] == "来源录错，金额笔误"


def test_bad_corrections_are_refused_and_nothing_written(county):
    v = county.villages["上村"]
    e = income(v, "operating", "100")
    for kwargs, code in (({"amount": "-1", "reason": "x"}, "amount_invalid"),
                         ({"amount": "90", "reason": " "}, "reason_required"),
                         ({"amount": "100", "reason": "x"}, "nothing_changed"),
                         ({"amount": "90", "reason": "x", "source": "lottery"}, "source_invalid")):
        with pytest.raises(DomainError) as exc:
            services.correct_income(None, e, **kwargs)
        assert exc.value.code == code
    services.correct_income(None, e, amount="90", reason="笔误")
    with pytest.raises(DomainError, match="已被更正") as exc:
        services.correct_income(None, IncomeEntry.objects.get(pk=e.pk), amount="80", reason="再改")
    assert IncomeEntry.objects.count() == 2 and YearTotal.objects.get().total == Decimal("90")


def test_a_closed_year_refuses_corrections_naming_the_closing(county):
    v = county.villages["上村"]
    e = income(v, "operating", "100", year=2024)
    services.close_year(None, org=county.county, year=2024, today=TODAY)
    with pytest.raises(DomainError) as exc:
        services.correct_income(county.users["village_secretary"], e, amount="90", reason="笔误")
    assert exc.value.code == "year_closed"
    assert "2024 年度已由甲县于 2026-03-01 结账，不能再更正该年度收入" in exc.value.message
    assert IncomeEntry.objects.count() == 1 and YearTotal.objects.get().total == Decimal("100")


def test_the_income_page_shows_corrections(county):
    import datetime

    v = county.villages["上村"]
    year = datetime.date.today().year
    e = services.record_income(county.users["village_secretary"], village=v, year=year, source="leasing",
                               amount="1200", note="鱼塘租金")
    client = Client()
    client.force_login(county.users["village_secretary"])
    url = reverse("economy:correct_income", args=[e.pk])
    assert "更正 " in client.get(url).content.decode()
    response = client.post(url, {"source": "leasing", "amount": "1000", "note": "鱼塘租金", "reason": "合同为1000元"})
    assert response.status_code == 302
    page = client.get(reverse("economy:village", args=[v.pk]), {"year": year}).content.decode()
    assert "<s>1200.00</s>" in page and "已更正为 资产租赁 1000.00 元" in page and "合同为1000元" in page
    again = client.post(url, {"source": "leasing", "amount": "900", "reason": "再改"})
    assert again.status_code == 200 and "已被更正" in again.content.decode()
    latest = IncomeEntry.objects.get(pk=e.pk).replaced_by_id
    auditor = Client()  # reads the village, changes nothing
    auditor.force_login(county.users["auditor"])
    assert auditor.post(reverse("economy:correct_income", args=[latest]),
                        {"source": "leasing", "amount": "1", "reason": "x"}).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite takes one write lock per database, so two corrections cannot race there")
def test_two_corrections_of_one_entry_at_once(county):
    v = county.villages["上村"]
    e = income(v, "operating", "100")
    done, refused = race(IncomeEntry, e.pk, [
        lambda: services.correct_income(None, IncomeEntry.objects.get(pk=e.pk), amount="90", reason="笔误"),
        lambda: services.correct_income(None, IncomeEntry.objects.get(pk=e.pk), amount="80", reason="笔误")])
    assert len(done) == 1 and refused == ["already_corrected"]
    assert YearTotal.objects.get(village=v, year=2025).total == done[0].amount


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite takes one write lock per database, so an entry cannot slip beside a closing")
def test_an_entry_waits_for_a_closing_in_flight_and_is_refused(county):
    import threading

    from django.db import connections, transaction

    v = county.villages["上村"]
    refused, errors = [], []

    def enter():
        try:
            income(v, "operating", "100")
        except DomainError as error:
            refused.append(error.code)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=enter)
    with transaction.atomic():
        services.close_year(None, org=county.county, year=2025, today=TODAY)  # not committed yet
        thread.start()
        assert wait_for_lock_waiters(1)
    thread.join(timeout=60)
    assert not errors, errors
    assert refused == ["year_closed"] and not IncomeEntry.objects.exists()

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent
from jiceng.economy import queries, services
from jiceng.economy.models import IncomeEntry, YearTotal

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def income(village, source, amount, year=2025, actor=None):
    return services.record_income(actor, village=village, year=year, source=source, amount=amount, today=TODAY)


def test_entries_keep_the_year_total_by_source(county):
    v = county.villages["上村"]
    income(v, "operating", "30000.50", actor=county.users["village_secretary"])
    income(v, "operating", "10000")
    income(v, "leasing", "8000")
    income(v, "subsidy", "200000")
    income(v, "operating", "999", year=2024)
    t = YearTotal.objects.get(village=v, year=2025)
    assert (t.operating, t.leasing, t.investment, t.subsidy, t.total) == (
        Decimal("40000.50"), Decimal("8000"), 0, Decimal("200000"), Decimal("248000.50"))
    assert YearTotal.objects.get(village=v, year=2024).total == Decimal("999")
    assert AuditEvent.objects.filter(action="economy.record_income").count() == 5


def test_bad_entries_are_refused_and_nothing_written(county):
    v = county.villages["上村"]
    for kwargs, code in (({"village": county.east, "source": "operating", "amount": "1"}, "not_village"),
                         ({"village": v, "source": "lottery", "amount": "1"}, "source_invalid"),
                         ({"village": v, "source": "operating", "amount": "0"}, "amount_invalid"),
                         ({"village": v, "source": "operating", "amount": "1", "year": 2027}, "year_invalid")):
        with pytest.raises(DomainError) as exc:
            services.record_income(None, **{"year": 2025, **kwargs}, today=TODAY)
        assert exc.value.code == code
    assert not IncomeEntry.objects.exists() and not YearTotal.objects.exists()


def test_a_closed_year_refuses_entries_naming_the_rule(county):
    v = county.villages["上村"]
    income(v, "operating", "100")
    with pytest.raises(DomainError) as exc:  # a village cannot close its own books
        services.close_year(county.users["village_secretary"], org=v, year=2025, today=TODAY)
    with pytest.raises(DomainError) as exc:  # the year is not over yet
        services.close_year(None, org=county.county, year=2026, today=TODAY)
    assert exc.value.code == "close_too_early" and "2027-01-01" in exc.value.message
    services.close_year(county.users["county_admin"], org=county.county, year=2025, today=TODAY)
    with pytest.raises(DomainError) as exc:
        income(v, "operating", "100", actor=county.users["village_secretary"])
    assert exc.value.code == "year_closed"
    assert "甲县" in exc.value.message and "2026-03-01" in exc.value.message and "结账" in exc.value.message
    assert YearTotal.objects.get(village=v, year=2025).total == Decimal("100")
    income(v, "operating", "5", year=2024)  # other years stay open


def test_the_village_page_and_the_income_form(county):
    v = county.villages["上村"]
    client = Client()
    client.force_login(county.users["village_secretary"])
    year = datetime.date.today().year
    response = client.post(reverse("economy:income", args=[v.pk]),
                           {"year": year, "source": "leasing", "amount": "1200", "note": "鱼塘租金"})
    assert response.status_code == 302
    page = client.get(reverse("economy:village", args=[v.pk]), {"year": year}).content.decode()
    assert "鱼塘租金" in page and "1200" in page and "<svg" in page
    assert client.get(reverse("economy:village", args=[county.villages["西村"].pk])).status_code == 404
    # the county's auditor reads but cannot enter
    auditor = Client()
    auditor.force_login(county.users["auditor"])
    assert auditor.get(reverse("economy:village", args=[v.pk])).status_code == 200
    assert auditor.post(reverse("economy:income", args=[v.pk]), {"year": year, "source": "other",
                                                                "amount": "1"}).status_code in {403, 404}
    assert IncomeEntry.objects.count() == 1


def test_trends_read_the_kept_totals(county):
    up, mid = county.villages["上村"], county.villages["中村"]
    income(up, "operating", "100", year=2023)
    income(up, "operating", "300", year=2025)
    income(mid, "subsidy", "50", year=2025)
    admin = county.users["county_admin"]
    assert queries.village_trend(admin, up) == [(2023, Decimal("100")), (2025, Decimal("300"))]
    assert queries.subtree_trend(admin, county.east) == [(2023, Decimal("100")), (2025, Decimal("350"))]
    bars = queries.chart(queries.subtree_trend(admin, county.county))
    assert [b[0] for b in bars] == [2023, 2025] and bars[1][5] > bars[0][5]

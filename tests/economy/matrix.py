"""村级集体经济 objects of one county for the access matrix (made once, before any snapshot)."""

import datetime

from jiceng.economy import services
from jiceng.economy.models import ClosedYear, Cooperative, Dividend, Household, IncomeEntry, YearTotal
from jiceng.orgs.models import Organization

from tests import builders as b


def objects(side):
    village = Organization.objects.filter(parent=side.street, kind="village").first() or b.org(
        side.street, f"{side.county.name}东村", "village", "rural")
    coop = Cooperative.objects.filter(village=village).first()
    if coop is None:
        services.record_income(None, village=village, year=2025, source="operating", amount="30000",
                               note=f"{side.county.name}经营", today=datetime.date(2026, 1, 10))
        coop = services.add_cooperative(None, village=village, name=f"{side.county.name}东村合作社")
        household = services.add_household(None, coop, head_name=f"{side.county.name[0]}户主", size=4)
        services.record_dividend(None, household, year=2025, amount="800", today=datetime.date(2026, 1, 10))
        services.close_year(None, org=side.county, year=2024, today=datetime.date(2026, 1, 10))
    household = coop.households.first()
    return {"cooperative": coop.pk, "incomeentry": village.income_entries.first().pk,
            "yeartotal": village.income_totals.first().pk, "household": household.pk,
            "dividend": household.dividends.first().pk,
            "closedyear": ClosedYear.objects.get(org=side.county, year=2024).pk}


def snapshot(orgs):
    return [
        list(IncomeEntry.objects.filter(village__in=orgs).values_list("id", "year", "source", "amount",
                                                                                 "replaced_by_id")),
        list(YearTotal.objects.filter(village__in=orgs).values_list("id", "year", "total", "operating")),
        list(Cooperative.objects.filter(village__in=orgs).values_list("id", "name")),
        list(Household.objects.filter(cooperative__village__in=orgs).values_list("id", "head_name", "size")),
        list(ClosedYear.objects.filter(org__in=orgs).values_list("id", "year")),
        list(Dividend.objects.filter(household__cooperative__village__in=orgs).values_list("id", "year", "amount")),
    ]

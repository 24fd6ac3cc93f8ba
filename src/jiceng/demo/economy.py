"""Collective economy for the demo: every village's income for the last `years` years by source
(the current year so far), every fifth village and a share of the others under the
weak-economy line in force, some climbing over it; the year totals kept as the services keep
them (the sum of the entries); counties have closed their older years; most villages run a
股份经济合作社, some a specialised cooperative, with member households and dividends for the
last three years. Written in bulk."""

import datetime
import math
import random
from decimal import Decimal

from jiceng.economy.models import SOURCES, ClosedYear, Cooperative, Dividend, Household, IncomeEntry, YearTotal
from jiceng.orgs.models import Organization

from . import names
from .rows import Keys, reset_sequences

PRODUCTS = ["茶叶", "竹笋", "白茶", "果蔬", "乡村旅游", "农机", "生态养殖", "土地股份"]
CHUNK = 500


def _yuan(x):
    return Decimal(max(0, int(x)))


def _incomes(rng, first, last, today, weak):
    """{year: {source: amount}}: operating income around 90,000 yuan with a long tail (so about a
    quarter fall under a 50,000 line), growing or shrinking a little each year; a `weak` village
    stays under 40,000 × 1.2."""
    if weak:
        base, growth = rng.uniform(15_000, 40_000), rng.uniform(-0.03, 0.04)
    else:
        base, growth = rng.lognormvariate(math.log(90_000), 0.8), rng.uniform(-0.03, 0.18)
    years = {}
    for year in range(first, last + 1):
        share = 1 if year < today.year else today.timetuple().tm_yday / 366  # this year so far
        operating = base * (1 + growth) ** (year - first) * share
        years[year] = {"operating": _yuan(operating), "leasing": _yuan(operating * rng.uniform(0.05, 0.6)),
                       "investment": _yuan(rng.uniform(5_000, 80_000) * share) if rng.random() < 0.3 else 0,
                       "subsidy": _yuan(rng.uniform(20_000, 150_000) * share * (1.5 if base < 50_000 else 1)),
                       "other": _yuan(rng.uniform(1_000, 20_000) * share) if rng.random() < 0.4 else 0}
    return years


def load(seed, today, years=5, cooperatives=True):
    """Income, totals, closed years and (unless not wanted) cooperatives for villages that have
    no income yet; returns how many villages got them."""
    rng = random.Random(seed * 13 + 7)
    key = Keys(IncomeEntry, YearTotal, Cooperative, Household, Dividend)
    first = today.year - years + 1
    done = set(YearTotal.objects.values_list("village_id", flat=True).distinct())
    villages = [v for v in Organization.objects.filter(kind="village").only("pk", "name").order_by("path")
                if v.pk not in done]
    for i in range(0, len(villages), CHUNK):
        rows = {m: [] for m in key.next}

        def add(obj):
            obj.pk = key(type(obj))
            rows[type(obj)].append(obj)
            return obj

        for n, v in enumerate(villages[i:i + CHUNK], i):
            for year, amounts in _incomes(rng, first, today.year, today, weak=n % 5 == 0).items():
                total = YearTotal(village_id=v.pk, year=year)
                for source, _ in SOURCES:
                    amount = amounts[source]
                    if not amount:
                        continue
                    # Operating income of a whole year comes in two halves, the rest at once.
                    parts = [amount // 2, amount - amount // 2] if source == "operating" and year < today.year \
                        else [amount]
                    for n, part in enumerate(parts):
                        add(IncomeEntry(village_id=v.pk, year=year, source=source, amount=part,
                                        note=("上半年" if n == 0 else "下半年") if len(parts) == 2 else "演示数据"))
                    setattr(total, source, amount)
                    total.total += amount
                add(total)
            if cooperatives:
                _cooperatives(rng, v, n, today, add)
        for model, made in rows.items():
            model.objects.bulk_create(made, batch_size=2000)
    _close_years(rng, first, today)
    reset_sequences(*key.next)
    return len(villages)


def _cooperatives(rng, v, n, today, add):
    """Three villages in four run a 股份经济合作社, one in three a specialised cooperative."""
    coops = []
    if n % 4 != 3:
        coops.append(f"{v.name}股份经济合作社")
    if n % 3 == 0:
        coops.append(f"{v.name.removesuffix('村')}{rng.choice(PRODUCTS)}专业合作社")
    for name in coops:
        founded = datetime.date(rng.randrange(2005, today.year - 3), rng.randrange(1, 13), rng.randrange(1, 29))
        coop = add(Cooperative(village_id=v.pk, name=name, founded_on=founded))
        rate = rng.uniform(50, 600)  # yuan per household member and year
        for _ in range(rng.randrange(8, 21)):
            household = add(Household(cooperative_id=coop.pk, size=rng.randrange(1, 7),
                                      head_name=names.person_name(rng, "M" if rng.random() < 0.8 else "F")))
            for year in range(today.year - 3, today.year):
                if rng.random() < 0.9:
                    add(Dividend(household_id=household.pk, year=year,
                                 amount=Decimal(int(rate * household.size * rng.uniform(0.9, 1.1)))))


def _close_years(rng, first, today):
    """Each county closed every year before last; about half closed last year too (in spring)."""
    closed = set(ClosedYear.objects.values_list("org_id", "year"))
    rows = []
    for county in Organization.objects.filter(kind="county").order_by("path").values_list("pk", flat=True):
        last = today.year - 1 if today > datetime.date(today.year, 3, 31) and rng.random() < 0.5 else today.year - 2
        rows += [ClosedYear(org_id=county, year=year, closed_on=datetime.date(year + 1, 3, 31))
                 for year in range(first, last + 1) if (county, year) not in closed]
    ClosedYear.objects.bulk_create(rows, batch_size=2000)

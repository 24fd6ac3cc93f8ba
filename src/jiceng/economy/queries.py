"""Reads: the subtree list of villages by income for a year, the weak line, and trends.
Everything reads the kept YearTotal rows, never sums entries per request."""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, FilteredRelation, Q, Sum, Value
from django.db.models.functions import Coalesce

from jiceng.core import policy, tree
from jiceng.core.policy import PolicyError
from jiceng.core.scoping import scope
from jiceng.orgs import queries as org_queries

from .models import YearTotal

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def weak_line(year, region=""):
    """The weak-economy operating-income line in force at the end of `year`; None before any policy."""
    try:
        return Decimal(str(policy.get("economy.weak_income_line", on=datetime.date(year, 12, 31), region=region)))
    except PolicyError:
        return None


def is_weak(operating, line):
    """Weak when operating income is below the line (at the line is not weak)."""
    return line is not None and operating < line


def villages(user, org, year, descending=False):
    """Villages in `org`'s subtree the user can see, with the year's total and operating income
    (0 for a village with no entries), ordered by total income."""
    order = ("-income", "path") if descending else ("income", "path")
    return (org_queries.subtree(user, org).filter(kind="village")
            .annotate(t=FilteredRelation("income_totals", condition=Q(income_totals__year=year)))
            .annotate(income=Coalesce("t__total", ZERO), operating=Coalesce("t__operating", ZERO))
            .order_by(*order))


def village_trend(user, village):
    return list(scope(user, YearTotal.objects.filter(village=village)).order_by("year").values_list("year", "total"))


def subtree_trend(user, org):
    rows = (scope(user, YearTotal.objects.filter(tree.subtree_q(org.path, "village__path")))
            .values("year").annotate(sum=Sum("total")).order_by("year"))
    return [(r["year"], r["sum"]) for r in rows]


def chart(points, width=320, height=120):
    """Bars for an inline SVG: (year, total, x, y, w, h) scaled to the largest total."""
    if not points:
        return []
    top = max(total for _, total in points) or 1
    step = width / len(points)
    bars = []
    for i, (year, total) in enumerate(points):
        h = float(total) / float(top) * (height - 20)
        bars.append((year, total, round(i * step + 2, 1), round(height - 14 - h, 1), round(step - 4, 1), round(h, 1)))
    return bars

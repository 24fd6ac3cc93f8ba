"""Reads: the subtree list of villages by income for a year, the weak line, and trends.
Everything reads the kept YearTotal rows, never sums entries per request."""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, FilteredRelation, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from jiceng.core import policy, tree
from jiceng.core.policy import PolicyError
from jiceng.core.roles import VIEW
from jiceng.core.scoping import can, scope
from jiceng.orgs import queries as org_queries

from jiceng.village.models import Matter, Objection, TemplateStep

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


# A matter's state on the list, from its status and, while open, what its next step discloses.
MATTER_STATES = [("deciding", "决策中"), ("resolved", "已决议待公开"), ("implementing", "已公开决议、实施中"),
                 ("done", "结果已公开"), ("ended", "已终止"), ("objection", "监督意见未答复")]
_NEXT_DISCLOSES = {"": "deciding", "resolution": "resolved", "result": "implementing"}


def matter_states(user, villages, year):
    """{village id: {state: count}} for the matters proposed in `year` in `villages` (the rows of a
    page, from a scoped query; each is checked again with can(), from the user's cached grants, so
    the matters are read without joining the tree). Two queries whatever their number: the
    templates' disclosing steps, and one GROUP BY over the matters by (village, status, template,
    next step, an unanswered objection exists)."""
    ids = [v.pk for v in villages if can(user, VIEW, v)]
    discloses = {(t, o): d for t, o, d in TemplateStep.objects.exclude(discloses="")
                 .values_list("template_id", "order", "discloses")}
    counts = {pk: dict.fromkeys(dict(MATTER_STATES), 0) for pk in ids}
    held = Exists(Objection.objects.filter(matter=OuterRef("pk"), answered_on__isnull=True))
    rows = (Matter.objects.filter(village_id__in=ids, proposed_on__year=year).annotate(held=held).order_by()
            .values_list("village_id", "status", "template_id", "next_order", "held").annotate(n=Count("id")))
    for village, status, template, next_order, objection, n in rows:
        state = status if status != Matter.OPEN else _NEXT_DISCLOSES[discloses.get((template, next_order), "")]
        counts[village][state] += n
        counts[village]["objection"] += n if objection else 0
    return counts


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

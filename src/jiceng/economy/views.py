import functools

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core import exports
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries

from . import queries, services
from .forms import CloseYearForm, CooperativeForm, CorrectionForm, DividendForm, HouseholdForm, IncomeForm
from .models import SOURCES, ClosedYear, Cooperative, Dividend, IncomeEntry, YearTotal


def _year(request):
    this_year = timezone.localdate().year
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 1949 <= int(value) <= this_year else this_year


def _years():
    this_year = timezone.localdate().year
    return range(this_year, this_year - 6, -1)


def village_page(action="view"):
    """Views about one village: any other node goes to its subtree list."""

    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, org_id, *args, **kwargs):
            org = org_queries.get(request.user, org_id, action=action)
            if org.kind != "village":
                return redirect("economy:list", org_id=org.pk)
            return view(request, org, *args, **kwargs)

        return wrapper

    return decorate


def _cooperative(request, cooperative_id, action="view"):
    return get_object_or_404(scope(request.user, Cooperative.objects.select_related("village"), action),
                             pk=cooperative_id)


def _entry_state(e):
    if e.replaced_by_id:
        return f"已更正为 {e.replaced_by.get_source_display()} {e.replaced_by.amount} 元"
    return f"更正原条目（{e.replaces.get_source_display()} {e.replaces.amount} 元）" if e.reason else ""


# A village's income entries of a year, corrected ones included; the page keeps its own table
# (its rows carry the 更正 link), the xlsx is made from this.
ENTRIES = exports.Listing("economy.entries", "集体收入明细", [
    exports.Column("年度", lambda e: e.year, width=8),
    exports.Column("条目", lambda e: e.get_source_display(), width=14),
    exports.Column("金额", lambda e: e.amount, width=14, money=True),
    exports.Column("说明", lambda e: e.note, width=30),
    exports.Column("录入人", lambda e: (e.entered_by.get_full_name() or e.entered_by.username) if e.entered_by
                   else "系统", width=12),
    exports.Column("录入时间", lambda e: e.entered_at, width=18),
    exports.Column("更正", _entry_state, width=36),
    exports.Column("更正原因", lambda e: e.reason, width=30),
])


@village_page()
def village(request, org):
    year = _year(request)
    entries = (scope(request.user, IncomeEntry.objects.filter(village=org, year=year))
               .select_related("entered_by", "replaced_by", "replaces").order_by("-entered_at", "-id"))
    if exports.wants_xlsx(request):
        return ENTRIES.xlsx(request, entries, org, filters={"year": year})
    total = scope(request.user, YearTotal.objects.filter(village=org, year=year)).first()
    line = queries.weak_line(year, org.division_code)
    operating = total.operating if total else 0
    return render(request, "economy/village.html", {
        "org": org, "year": year, "years": _years(), "total": total,
        "by_source": [(label, getattr(total, key) if total else 0) for key, label in SOURCES],
        "line": line, "weak": queries.is_weak(operating, line),
        "entries": entries,
        "closed": services.closing(org, year),
        "bars": queries.chart(queries.village_trend(request.user, org)),
        "cooperatives": scope(request.user, Cooperative.objects.filter(village=org)),
        "crumbs": org_queries.breadcrumbs(request.user, org), "can_change": can(request.user, CHANGE, org),
    })


@village_page(CHANGE)
@require_http_methods(["GET", "POST"])
def add_income(request, org):
    form = IncomeForm(request.POST or None, initial={"year": timezone.localdate().year})
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org),
                      "title": f"{org.name} · 录入集体收入", "submit": "录入"},
                     lambda data: services.record_income(request.user, village=org, **data),
                     lambda e: f"已录入 {e.year} 年{e.get_source_display()} {e.amount} 元",
                     lambda e: reverse("economy:village", args=[org.pk]) + f"?year={e.year}")


@login_required
@require_http_methods(["GET", "POST"])
def correct_income(request, incomeentry_id):
    entry = get_object_or_404(scope(request.user, IncomeEntry.objects.select_related("village"), CHANGE),
                              pk=incomeentry_id)
    org = entry.village
    form = CorrectionForm(request.POST or None,
                          initial={"source": entry.source, "amount": entry.amount, "note": entry.note})
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org),
                      "title": f"{org.name} · 更正 {entry.year} 年{entry.get_source_display()} {entry.amount} 元",
                      "submit": "更正",
                      "note": "更正不改动原条目：录入一条新条目取代它，原条目标为“已更正”并保留；年度合计按差额调整。"},
                     lambda data: services.correct_income(request.user, entry, **data),
                     lambda e: f"已更正为 {e.get_source_display()} {e.amount} 元",
                     lambda e: reverse("economy:village", args=[org.pk]) + f"?year={e.year}")


def _matters_url(v):
    return reverse("village:matters", args=[v.pk])


# One row per village: its income, whether weak, and its matters of the year by state (the
# counts link to the village's matters).
VILLAGES = exports.Listing("economy.villages", "村级集体经济", [
    exports.Column("村", lambda v: v.name, link=lambda v: reverse("economy:village", args=[v.pk]) + f"?year={v.year}",
                   width=20),
    exports.Column("收入合计", lambda v: v.income, width=14, money=True),
    exports.Column("经营收入", lambda v: v.operating, width=14, money=True),
    exports.Column("薄弱村", lambda v: "薄弱" if v.weak else "", width=8),
    *[exports.Column(label, lambda v, key=key: v.states[key], link=_matters_url, width=10)
      for key, label in queries.MATTER_STATES],
])


def _told(user, villages, year, line, chunk=500):
    """Each village with whether it is weak and its matters' states, `chunk` villages per query."""
    villages = iter(villages)
    while batch := [v for _, v in zip(range(chunk), villages)]:
        states = queries.matter_states(user, batch, year)
        for v in batch:
            v.year, v.weak, v.states = year, queries.is_weak(v.operating, line), states[v.pk]
            yield v


@login_required
def village_list(request, org_id):
    org = org_queries.get(request.user, org_id)
    year = _year(request)
    descending = request.GET.get("order") == "desc"
    line = queries.weak_line(year, org.division_code)
    rows = queries.villages(request.user, org, year, descending)
    if exports.wants_xlsx(request):
        return VILLAGES.xlsx(request, _told(request.user, rows.iterator(chunk_size=2000), year, line), org,
                             filters={"year": year, "order": "desc" if descending else "asc"})
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "economy/list.html", {
        "org": org, "year": year, "years": _years(), "line": line, "page": page, "descending": descending,
        "bars": queries.chart(queries.subtree_trend(request.user, org)),
        "closed": scope(request.user, ClosedYear.objects.filter(org=org)).order_by("-year"),
        "can_close": org.kind in services.CLOSING_KINDS and can(request.user, CHANGE, org),
        "crumbs": org_queries.breadcrumbs(request.user, org),
        **VILLAGES.context(request, list(_told(request.user, page.object_list, year, line, chunk=50)), org),
    })


@login_required
@require_http_methods(["GET", "POST"])
def close_year(request, org_id):
    org = org_queries.get(request.user, org_id, action=CHANGE)
    form = CloseYearForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org),
                      "title": f"{org.name} · 集体经济年度结账", "submit": "结账",
                      "note": "结账后，本单位下所有村不能再录入该年度的集体收入。"},
                     lambda data: services.close_year(request.user, org=org, **data),
                     lambda c: f"{c.year} 年度已结账",
                     lambda c: reverse("economy:list", args=[org.pk]) + f"?year={c.year}")


@village_page(CHANGE)
@require_http_methods(["GET", "POST"])
def add_cooperative(request, org):
    form = CooperativeForm(request.POST or None)
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org),
                      "title": f"{org.name} · 登记合作社", "submit": "登记"},
                     lambda data: services.add_cooperative(request.user, village=org, **data),
                     lambda c: f"已登记合作社“{c.name}”",
                     lambda c: reverse("economy:cooperative", args=[c.pk]))


@login_required
def cooperative(request, cooperative_id):
    coop = _cooperative(request, cooperative_id)
    year = _year(request)
    dividends = dict(scope(request.user, Dividend.objects.filter(household__cooperative=coop, year=year))
                     .values_list("household_id", "amount"))
    households = list(coop.households.all())
    return render(request, "economy/cooperative.html", {
        "coop": coop, "org": coop.village, "year": year, "years": _years(),
        "rows": [(h, dividends.get(h.pk)) for h in households],
        "paid": sum(dividends.values()), "people": sum(h.size for h in households),
        "crumbs": org_queries.breadcrumbs(request.user, coop.village),
        "can_change": can(request.user, CHANGE, coop.village),
    })


@login_required
@require_http_methods(["GET", "POST"])
def add_household(request, cooperative_id):
    coop = _cooperative(request, cooperative_id, CHANGE)
    form = HouseholdForm(request.POST or None)
    return form_page(request, form, "orgs/form.html",
                     {"org": coop.village, "title": f"{coop.name} · 登记成员户", "submit": "登记",
                      "note": "只登记户主姓名和家庭人口，不录入身份证号。"},
                     lambda data: services.add_household(request.user, coop, **data),
                     lambda h: f"已登记成员户 {h.head_name}",
                     lambda h: reverse("economy:cooperative", args=[coop.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def add_dividend(request, cooperative_id):
    coop = _cooperative(request, cooperative_id, CHANGE)
    form = DividendForm(request.POST or None, households=coop.households.all(),
                        initial={"year": timezone.localdate().year, "household": request.GET.get("household")})

    def call(data):
        household = data.pop("household")
        return services.record_dividend(request.user, household, **data)

    return form_page(request, form, "orgs/form.html",
                     {"org": coop.village, "title": f"{coop.name} · 登记分红", "submit": "保存"},
                     call, lambda d: f"已登记 {d.household.head_name} {d.year} 年分红 {d.amount} 元",
                     lambda d: reverse("economy:cooperative", args=[coop.pk]) + f"?year={d.year}")

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import exports as lists
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries
from jiceng.orgs.kinds import BRANCH_KINDS
from jiceng.people import queries as people_queries
from jiceng.people.models import Membership

from . import exports, months, queries, services
from .forms import PaymentForm, ProfileForm, ReductionForm, RunForm
from .gateways import backend
from .models import Reduction

FLAGS_SHOWN = 100  # the flag list names this many; the heading gives the count

ARREARS = lists.Listing("dues.arrears", "党费欠交党员", [
    lists.Column("党员", lambda m: m["person__name"], link=lambda m: reverse("dues:member", args=[m["person_id"]]),
                 width=10),
    lists.Column("党支部", lambda m: m["org__name"], width=30),
    lists.Column("欠交起始月份", lambda m: f"{m['since']:%Y-%m}", width=14),
    lists.Column("月数", lambda m: m["months"], width=8),
    lists.Column("欠交（元）", lambda m: m["total"], width=12, money=True),
])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(request):
    return months.parse(request.GET.get("month", ""), months.first(timezone.localdate()))


def _year(request):
    this_year = timezone.localdate().year
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 1949 <= int(value) <= this_year + 1 else this_year


def _download(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _org_home(org):
    return reverse("dues:branch" if org.kind in BRANCH_KINDS else "dues:arrears", args=[org.pk])


@login_required
def branch_month(request, org_id):
    """A branch's month on a phone: who owes, who paid, and a tap to record a payment."""
    org = org_queries.get(request.user, org_id)
    if org.kind not in BRANCH_KINDS:
        return redirect("dues:arrears", org_id=org.pk)
    month = _month(request)
    return render(request, "dues/branch.html", {
        "org": org, "month": month, "label": months.label(month), "sheet": queries.month_sheet(org, month),
        "previous": months.add(month, -1), "next": months.add(month, 1),
        "is_current": month == months.first(timezone.localdate()),
        "crumbs": org_queries.breadcrumbs(request.user, org), "can_change": can(request.user, CHANGE, org),
        "year": month.year,
    })


@login_required
def run(request, org_id):
    org = org_queries.get(request.user, org_id, CHANGE)
    form = RunForm(request.POST or None, initial={"month": _month(request)})
    return form_page(
        request, form, "orgs/form.html",
        {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": f"核定月度党费 · {org.name}",
         "submit": "核定", "note": "按党费基数和政策比例计算本组织（含下级）每名党员该月应交党费。可重复运行："
                                  "只更新变动的人，已交纳的月份不会改动。"},
        lambda data: (data["month"], services.run_month(request.user, org, data["month"])),
        lambda r: (f"已核定{months.label(r[0])}：新增 {r[1].created} 人，更新 {r[1].updated} 人，未变 {r[1].unchanged} 人，"
                   f"已交纳 {r[1].settled} 人未改动" + (f"；{r[1].missing_profile} 人未登记党费基数，未核定"
                                                     if r[1].missing_profile else "")),
        lambda r: f"{_org_home(org)}?month={r[0]:%Y-%m}")


@login_required
def arrears(request, org_id):
    """Arrears and unpaid flags of a subtree, reductions awaiting approval, statements."""
    org = org_queries.get(request.user, org_id)
    today = timezone.localdate()
    before = months.first(today)
    if lists.wants_xlsx(request):
        return ARREARS.xlsx(request, queries.arrears_members(org, before, limit=None), org,
                            filters={"before": before})
    n, flags = queries.unpaid_runs(org, today)
    members = queries.arrears_members(org, before)
    return render(request, "dues/arrears.html", {**ARREARS.context(request, members, org),
        "org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "before": before,
        "branches": queries.arrears_by_branch(org, before)[:200], "members": members,
        "flag_months": n, "flags": flags[:FLAGS_SHOWN], "flag_count": len(flags),
        "pending": queries.pending_reductions(request.user, org),
        "can_change": can(request.user, CHANGE, org), "is_branch": org.kind in BRANCH_KINDS,
        "year": today.year, "years": range(today.year, today.year - 5, -1),
    })


@login_required
@require_POST
def notify_unpaid(request, org_id):
    org = org_queries.get(request.user, org_id, CHANGE)
    sent = services.notify_unpaid(request.user, org)
    messages.success(request, f"已向党支部书记发出 {sent} 条提醒" if sent else "没有需要新发的提醒")
    return redirect("dues:arrears", org_id=org.pk)


@login_required
def org_statement(request, org_id):
    org = org_queries.get(request.user, org_id)
    year = _year(request)
    return _download(exports.org_statement(org, year), f"{org.name}{year}年党费收缴明细.xlsx")


def _person(request, person_id, action="view"):
    person = people_queries.get(request.user, person_id, action)
    membership = Membership.objects.filter(person=person).select_related("org").first()
    return person, membership


@login_required
def member(request, person_id):
    person, membership = _person(request, person_id)
    return render(request, "dues/member.html", {
        "person": person, "membership": membership, **queries.history(request.user, person),
        "crumbs": org_queries.breadcrumbs(request.user, membership.org) if membership else [],
        "can_change": membership is not None and can(request.user, CHANGE, membership.org),
        "year": timezone.localdate().year,
    })


def _person_form(request, person_id, form, title, call, message, note=""):
    person, membership = _person(request, person_id, CHANGE)
    return form_page(request, form, "orgs/form.html",
                     {"crumbs": org_queries.breadcrumbs(request.user, membership.org) if membership else [],
                      "title": f"{title} · {person.name}", "submit": "保存", "note": note},
                     lambda data: call(person, data), message,
                     lambda _: reverse("dues:member", args=[person.pk]))


@login_required
def profile(request, person_id):
    form = ProfileForm(request.POST or None, initial={"applies_from": months.first(timezone.localdate())})
    return _person_form(request, person_id, form, "登记党费基数",
                        lambda person, data: services.set_profile(request.user, person, **data),
                        lambda p: f"已登记：{p.get_category_display()}，自 {p.applies_from:%Y-%m-%d} 起适用",
                        note="收入变动时新登记一条，原记录保留；在职党员按税后固定月收入计算。")


@login_required
def pay(request, person_id):
    form = PaymentForm(request.POST or None, initial={"first_month": _month(request),
                                                      "paid_on": timezone.localdate()})
    return _person_form(request, person_id, form, "记录交纳党费",
                        lambda person, data: services.record_payment(request.user, person, **data),
                        lambda p: f"已记录交纳 {p.amount} 元（{months.label(p.first_month)}起 {p.months} 个月）",
                        note=f"金额按各月应交党费自动合计。收款方式：{backend().label}。")


@login_required
def reduction(request, person_id):
    form = ReductionForm(request.POST or None, initial={"decided_on": timezone.localdate()})
    return _person_form(request, person_id, form, "党费减免（支部决定）",
                        lambda person, data: services.decide_reduction(request.user, person, **data),
                        lambda r: f"已登记{r.get_kind_display()}决定，待上一级党组织批准",
                        note="减交、免交由支部研究决定，报上一级党组织批准后生效。")


@login_required
def member_statement(request, person_id):
    person, _ = _person(request, person_id)
    year = _year(request)
    return _download(exports.member_statement(person, year), f"{person.name}{year}年党费明细.xlsx")


@login_required
@require_POST
def approve(request, reduction_id):
    r = get_object_or_404(scope(request.user, Reduction.objects.select_related("org__parent")), pk=reduction_id)
    try:
        services.approve_reduction(request.user, r, approve=request.POST.get("decision") == "approve")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已处理减免申请")
    parent = r.org.parent_id if can(request.user, "view", r.org.parent) else r.org_id
    return redirect("dues:arrears", org_id=parent)


@login_required
def mine(request):
    """A member's own dues on their phone: category, months owed and paid."""
    person = getattr(request.user, "person", None)
    context = {"person": person}
    if person is not None:
        context |= queries.history(request.user, person)
        context["owed"] = [a for a in context["assessments"] if not a.paid_on and a.due > 0]
        context["gateway"] = backend()
    return render(request, "dues/mine.html", context)

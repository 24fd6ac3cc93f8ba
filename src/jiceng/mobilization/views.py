"""Pages of 下沉: the caller's calls and live coverage, and the member's phone page."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from jiceng.core import exports, policy
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries
from jiceng.orgs.models import Organization
from jiceng.people.models import Person

from . import queries, services
from .forms import AssignForm, CallForm
from .models import Call, Deployment, Need


def _run(request, call, success):
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


def _call(request, call_id, action="view"):
    try:
        return queries.get_call(request.user, call_id, action)
    except Call.DoesNotExist:
        raise Http404 from None


CALLS = exports.Listing("mobilization.calls", "下沉动员令", [
    exports.Column("动员令", lambda c: c.title, link=lambda c: reverse("mobilization:call", args=[c.pk]), width=30),
    exports.Column("发令单位", lambda c: c.caller.name, width=24),
    exports.Column("开始", lambda c: c.starts_at, width=18),
    exports.Column("结束", lambda c: c.ends_at, width=18),
    exports.Column("状态", lambda c: c.get_status_display(), width=10),
])


@login_required
def org_calls(request, org_id):
    org = org_queries.get(request.user, org_id)
    if exports.wants_xlsx(request):
        return CALLS.xlsx(request, queries.calls_for(request.user, org).iterator(chunk_size=2000), org)
    can_issue = can(request.user, CHANGE, org) and org.kind in policy.get("mobilization.caller_kinds")
    calls = queries.calls_for(request.user, org)[:100]
    return render(request, "mobilization/calls.html", {
        "org": org, "calls": calls, "can_issue": can_issue,
        "crumbs": org_queries.breadcrumbs(request.user, org), **CALLS.context(request, calls, org),
    })


@login_required
def issue(request, org_id):
    org = org_queries.get(request.user, org_id, CHANGE)
    if org.kind not in policy.get("mobilization.caller_kinds"):
        messages.info(request, "动员令由街道、乡镇或县（区）发布")
        return redirect("mobilization:org", org_id=org.pk)
    communities = Organization.objects.filter(org.subtree_q(), kind__in=services.COMMUNITY_KINDS,
                                              status=Organization.ACTIVE).order_by("path")
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = CallForm(request.POST or None, communities=communities,
                    initial={"starts_at": now, "ends_at": now + datetime.timedelta(days=7)})
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": "发布动员令",
                      "submit": "发布", "note": "选择社区和岗位，发布后可逐一调整人数、安排人员。"},
                     lambda data: services.issue_call(
                         request.user, caller=org, title=data["title"], starts_at=data["starts_at"],
                         ends_at=data["ends_at"], needs=form.needs(), description=data["description"]),
                     lambda c: f"已发布动员令“{c.title}”", lambda c: reverse("mobilization:call", args=[c.pk]))


@login_required
def call_page(request, call_id):
    """Coverage against need, refreshed by a small poll of coverage.json."""
    c = _call(request, call_id)
    needs, totals = queries.coverage(request.user, c)
    can_change = can(request.user, CHANGE, c.caller)
    assign = None
    if can_change and c.status == Call.OPEN:
        people = Person.objects.filter(services.eligible_q(c.caller)).order_by("name_pinyin")
        assign = AssignForm(needs=Need.objects.filter(call=c).select_related("community"), people=people)
    return render(request, "mobilization/call.html", {
        "c": c, "needs": needs, "totals": totals, "can_change": can_change, "assign": assign,
        "deployments": queries.deployments(request.user, c)[:500],
        "crumbs": org_queries.breadcrumbs(request.user, c.caller),
    })


@login_required
@require_GET
def coverage_json(request, call_id):
    c = _call(request, call_id)
    return JsonResponse(queries.coverage_json(*queries.coverage(request.user, c)))


@login_required
@require_POST
def assign(request, call_id):
    c = _call(request, call_id, CHANGE)
    form = AssignForm(request.POST, needs=Need.objects.filter(call=c).select_related("community"),
                      people=Person.objects.filter(services.eligible_q(c.caller)))
    if form.is_valid():
        need, person = form.cleaned_data["need"], form.cleaned_data["person"]
        _run(request, lambda: services.assign(request.user, need, person),
             f"已安排{person.name}到“{need.community.name}”{need.role}")
    else:
        messages.error(request, "请选择岗位和辖区内的人员")
    return redirect("mobilization:call", call_id=c.pk)


@login_required
@require_POST
def set_need(request, need_id):
    need = get_object_or_404(scope(request.user, Need.objects.select_related("call"), CHANGE), pk=need_id)
    value = request.POST.get("needed", "")
    if value.isdigit():
        _run(request, lambda: services.set_need(request.user, need, int(value)), "已调整人数")
    else:
        messages.error(request, "请填写人数")
    return redirect("mobilization:call", call_id=need.call_id)


@login_required
@require_POST
def close(request, call_id):
    c = _call(request, call_id, CHANGE)
    _run(request, lambda: services.close_call(request.user, c), f"动员令“{c.title}”已结束")
    return redirect("mobilization:call", call_id=c.pk)


# -- the member's phone ----------------------------------------------------------------

def _person(request):
    return getattr(request.user, "person", None)


@login_required
def mine(request):
    person, now = _person(request), timezone.now()
    rows = list(queries.my_deployments(request.user, person)) if person else []
    mine_calls = {d.call_id for d in rows}
    calls = list(queries.open_calls_for(person, now)) if person else []
    return render(request, "mobilization/mine.html", {
        "person": person, "deployments": rows, "now": now,
        "calls": [(c, c.pk in mine_calls) for c in calls],
    })


@login_required
@require_POST
def sign_up(request, need_id):
    person = _person(request)
    calls = queries.open_calls_for(person, timezone.now()) if person else Call.objects.none()
    need = get_object_or_404(Need.objects.select_related("community").filter(call__in=calls), pk=need_id)
    _run(request, lambda: services.sign_up(request.user, need), f"已报名“{need.community.name}”{need.role}")
    return redirect("mobilization:mine")


def _deployment(request, deployment_id):
    return get_object_or_404(scope(request.user, Deployment.objects.select_related("call", "need__community",
                                                                                   "person")), pk=deployment_id)


@login_required
@require_POST
def arrive(request, deployment_id):
    row = _deployment(request, deployment_id)
    _run(request, lambda: services.arrive(request.user, row), f"已记录{row.person.name}到岗")
    return _back(request, row)


@login_required
@require_POST
def withdraw(request, deployment_id):
    row = _deployment(request, deployment_id)
    _run(request, lambda: services.withdraw(request.user, row), f"{row.person.name}已退出该岗位")
    return _back(request, row)


def _back(request, row):
    if row.person.user_id == request.user.pk:
        return redirect("mobilization:mine")
    return redirect("mobilization:call", call_id=row.call_id)

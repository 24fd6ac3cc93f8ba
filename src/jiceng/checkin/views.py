"""Pages of 双报到: the member's phone page, the community's pages and the workplace branch's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import exports
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries
from jiceng.orgs.kinds import BRANCH_KINDS
from jiceng.people import queries as people_queries
from jiceng.people.choices import PARTY_MEMBER_STATUSES

from . import queries, services
from .forms import ConfirmForm, RegisterForm, RegisterForMemberForm, TaskForm, UnitForm
from .models import Claim, PartnerUnit, Registration, Task


def _year(request):
    this_year = timezone.localdate().year
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 1949 <= int(value) <= this_year else this_year


def _person(request):
    return getattr(request.user, "person", None)


def _run(request, call, success):
    """Run a service from a one-button form; a refusal becomes the page's message."""
    try:
        result = call()
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result


# -- the member ---------------------------------------------------------------------

@login_required
def mine(request):
    """My community, its open tasks, my claims and my hours: facts, never a score or a quota."""
    person, today = _person(request), timezone.localdate()
    registration = queries.active_registration(request.user, person)
    claims = list(queries.my_claims(request.user, person)) if person else []
    claimed = {c.task_id for c in claims}
    form = None
    membership = getattr(person, "membership", None) if person else None
    if person and registration is None and membership and membership.status in PARTY_MEMBER_STATUSES:
        communities = services.communities_for(membership.org)
        initial = {"community": person.residence_id} if person.residence_id else {}
        form = RegisterForm(communities=communities, initial=initial)
    return render(request, "checkin/mine.html", {
        "person": person, "registration": registration, "form": form, "membership": membership,
        "tasks": [(t, t.pk in claimed) for t in queries.open_tasks(registration, today)],
        "claims": claims, "years": queries.hours_by_year(claims), "today": today,
    })


@login_required
@require_POST
def register_self(request):
    person = _person(request)
    membership = getattr(person, "membership", None) if person else None
    if membership is None:
        messages.error(request, "您的账号没有关联党员档案，不能报到")
        return redirect("checkin:mine")
    form = RegisterForm(request.POST, communities=services.communities_for(membership.org))
    if form.is_valid():
        community = form.cleaned_data["community"]
        _run(request, lambda: services.register(request.user, person=person, community=community),
             f"已到“{community.name}”报到")
    else:
        messages.error(request, "请从列表中选择居住地社区")
    return redirect("checkin:mine")


@login_required
@require_POST
def claim(request, task_id):
    person = _person(request)
    registration = queries.active_registration(request.user, person)
    task = get_object_or_404(queries.open_tasks(registration, timezone.localdate()), pk=task_id)
    _run(request, lambda: services.claim(request.user, task), f"已认领“{task.title}”")
    return redirect("checkin:mine")


def _claim(request, claim_id):
    return get_object_or_404(scope(request.user, Claim.objects.select_related("task__community", "person")),
                             pk=claim_id)


@login_required
@require_POST
def withdraw(request, claim_id):
    row = _claim(request, claim_id)
    _run(request, lambda: services.withdraw(request.user, row), f"已退出“{row.task.title}”")
    if row.person.user_id == request.user.pk:
        return redirect("checkin:mine")
    return redirect("checkin:task", task_id=row.task_id)


@login_required
@require_POST
def end_registration(request, registration_id):
    row = get_object_or_404(scope(request.user, Registration.objects.select_related("community", "person")),
                            pk=registration_id)
    _run(request, lambda: services.end_registration(request.user, row, reason=request.POST.get("reason", "")),
         f"已结束在“{row.community.name}”的报到，记录保留")
    if row.person.user_id == request.user.pk:
        return redirect("checkin:mine")
    return redirect("checkin:org", org_id=row.community_id)


# -- the community and the workplace branch -----------------------------------------

REGISTERED = exports.Listing("checkin.registered", "在职党员社区报到", [
    exports.Column("姓名", lambda r: r.person.name, width=10),
    exports.Column("所在党支部", lambda r: r.person.membership.org.name, width=30),
    exports.Column("报到社区", lambda r: r.community.name, width=24),
    exports.Column("报到日期", lambda r: r.started_on, width=12),
])


@login_required
def org_page(request, org_id):
    """A community (or village) sees who registered and what they did; any other node sees the
    community service of the members of its branches."""
    org = org_queries.get(request.user, org_id)
    year = _year(request)
    context = {"org": org, "year": year, "crumbs": org_queries.breadcrumbs(request.user, org),
               "can_change": can(request.user, CHANGE, org),
               "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1)}
    if org.kind in services.COMMUNITY_KINDS:
        return render(request, "checkin/community.html", context | {
            "figures": queries.community_figures(request.user, org, year),
            "registrations": queries.registrations(request.user, org),
            "ended": queries.registrations(request.user, org, active=False)[:50],
            "units": queries.units(request.user, org), "tasks": queries.tasks(request.user, org)[:50],
        })
    if exports.wants_xlsx(request):  # where the subtree's members are registered, whole
        return REGISTERED.xlsx(request, queries.members_registered(request.user, org).iterator(chunk_size=2000), org)
    registered = queries.members_registered(request.user, org)[:500]
    return render(request, "checkin/workplace.html", context | {
        "service": list(queries.members_service(request.user, org, year)),
        "registered": registered,
        "is_branch": org.kind in BRANCH_KINDS, **REGISTERED.context(request, registered, org),
    })


def _community(request, org_id):
    org = org_queries.get(request.user, org_id, CHANGE)
    if org.kind not in services.COMMUNITY_KINDS:
        messages.info(request, "服务项目和共建单位登记在社区（村）名下")
        return None
    return org


@login_required
def publish(request, org_id):
    org = _community(request, org_id)
    if org is None:
        return redirect("checkin:org", org_id=org_id)
    form = TaskForm(request.POST or None, initial={"on": timezone.localdate(), "slots": 5})
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": "发布服务项目",
                      "submit": "发布", "note": "志愿服务或居民微心愿；已报到的党员在手机上认领。"},
                     lambda data: services.publish_task(request.user, community=org, **data),
                     lambda t: f"已发布“{t.title}”", lambda t: reverse("checkin:task", args=[t.pk]))


@login_required
def unit_new(request, org_id):
    org = _community(request, org_id)
    if org is None:
        return redirect("checkin:org", org_id=org_id)
    area = services.area_of(org)
    orgs = org_queries.visible(request.user).filter(area.subtree_q(), kind__in={"unit", "department"})
    form = UnitForm(request.POST or None, orgs=orgs.order_by("name"))
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": "登记共建单位",
                      "submit": "登记"},
                     lambda data: services.register_unit(request.user, community=org, **data),
                     lambda u: f"已登记共建单位“{u.name}”", lambda u: reverse("checkin:org", args=[org.pk]))


@login_required
@require_POST
def unit_end(request, partner_id):
    unit = get_object_or_404(scope(request.user, PartnerUnit.objects.all(), CHANGE), pk=partner_id)
    _run(request, lambda: services.end_unit(request.user, unit), f"“{unit.name}”已结束共建，记录保留")
    return redirect("checkin:org", org_id=unit.community_id)


@login_required
def register_for(request, org_id):
    """A branch secretary registers a member of the branch with their community."""
    org = org_queries.get(request.user, org_id, CHANGE)
    if org.kind not in BRANCH_KINDS:
        messages.info(request, "请在党员所在党支部为其登记报到")
        return redirect("checkin:org", org_id=org.pk)
    people = people_queries.visible(request.user, CHANGE).filter(
        membership__org=org, membership__status__in=PARTY_MEMBER_STATUSES).order_by("name_pinyin")
    form = RegisterForMemberForm(request.POST or None, people=people, communities=services.communities_for(org))
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": "为党员登记社区报到",
                      "submit": "登记", "note": "党员也可以在手机上“我的社区报到”自行报到。"},
                     lambda data: services.register(request.user, **data),
                     lambda r: f"{r.person.name}已到“{r.community.name}”报到",
                     lambda r: reverse("checkin:org", args=[org.pk]))


def _task(request, task_id, action="view"):
    return get_object_or_404(scope(request.user, Task.objects.select_related("community"), action), pk=task_id)


@login_required
def task(request, task_id):
    t = _task(request, task_id)
    return render(request, "checkin/task.html", {
        "t": t, "claims": queries.task_claims(request.user, t), "form": ConfirmForm(),
        "can_change": can(request.user, CHANGE, t.community),
        "crumbs": org_queries.breadcrumbs(request.user, t.community),
    })


@login_required
@require_POST
def close(request, task_id):
    t = _task(request, task_id, CHANGE)
    _run(request, lambda: services.close_task(request.user, t), f"“{t.title}”已关闭认领")
    return redirect("checkin:task", task_id=t.pk)


@login_required
@require_POST
def confirm(request, claim_id):
    row = get_object_or_404(scope(request.user, Claim.objects.select_related("task__community", "person"), CHANGE),
                            pk=claim_id)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        _run(request, lambda: services.confirm_service(request.user, row, hours=form.cleaned_data["hours"],
                                                       served_on=form.cleaned_data["served_on"]),
             f"已确认{row.person.name}的服务")
    else:
        messages.error(request, "请填写服务时长（小时）")
    return redirect("checkin:task", task_id=row.task_id)

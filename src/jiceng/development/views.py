from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.core import exports
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can
from jiceng.core.web import CountedPaginator, form_page
from jiceng.orgs import queries as org_queries
from jiceng.orgs.kinds import BRANCH_KINDS
from jiceng.orgs.models import Organization
from jiceng.orgs.services import region_of
from jiceng.people import queries as people_queries
from jiceng.people.models import Person

from . import queries, rules, services
from .choices import FORM_STEPS, STEP_LABELS, STEPS
from .forms import FORMS, ApplyForm, ExtendForm

PER_PAGE = 30


def _late(case):
    return case.deadline and case.due_on < timezone.localdate()


DUE = exports.Listing("development.due", "发展党员在办", [
    exports.Column("姓名", lambda c: c.person.name, link=lambda c: reverse("development:record", args=[c.person_id]),
                   width=10),
    exports.Column("下一步", lambda c: c.get_next_step_display(), width=20),
    exports.Column("日期", lambda c: c.due_on, width=12),
    exports.Column("说明", lambda c: ("已逾期：" if _late(c) else "")
                   + (f"须在 {c.due_on:%Y-%m-%d} 前" if c.deadline else f"{c.due_on:%Y-%m-%d} 起"), width=26),
    exports.Column("党支部", lambda c: c.membership.org.name, width=30),
], row_class=lambda c: "overdue" if _late(c) else "")


@login_required
@require_GET
def dashboard(request, org_id):
    """Who in the subtree is due for what, the earliest date first; overdue deadlines marked."""
    org = org_queries.get(request.user, org_id)
    today = timezone.localdate()
    step = request.GET.get("step", "")
    step = step if step in STEP_LABELS else ""
    overdue = request.GET.get("overdue") == "1"
    counts = queries.summary(request.user, org, today)
    tabs = [(key, label, *counts[key]) for key, label in STEPS if key in counts]
    total = sum(n for _, _, n, _ in tabs) if not step else counts.get(step, (0, 0))[0]
    late = sum(x for _, _, _, x in tabs) if not step else counts.get(step, (0, 0))[1]
    rows = queries.due(request.user, org, today, step, overdue)
    if exports.wants_xlsx(request):
        return DUE.xlsx(request, rows.iterator(chunk_size=2000), org, filters={"step": step, "overdue": overdue})
    page = CountedPaginator(rows, PER_PAGE, late if overdue else total).get_page(request.GET.get("page"))
    return render(request, "development/dashboard.html", {
        "org": org, "today": today, "tabs": tabs, "step": step, "overdue": overdue, "page": page,
        "total": sum(n for _, _, n, _ in tabs), "late": sum(x for _, _, _, x in tabs),
        "is_branch": org.kind in BRANCH_KINDS, "can_change": can(request.user, CHANGE, org),
        "crumbs": org_queries.breadcrumbs(request.user, org), **DUE.context(request, page, org),
    })


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, org_id):
    org = org_queries.get(request.user, org_id, action=CHANGE)
    if org.kind not in BRANCH_KINDS:
        messages.info(request, "入党申请由党支部登记：请从下级党支部进入")
        return redirect("development:dashboard", org_id=org.pk)
    form = ApplyForm(request.POST or None, request.FILES or None, initial={"applied_on": timezone.localdate()})
    return form_page(request, form, "development/step.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": "登记入党申请",
                      "note": "登记为入党申请人并建立发展档案；年龄、谈话期限等按政策自动检查。"},
                     lambda data: services.apply(request.user, org=org, **data),
                     lambda case: f"已登记 {case.person.name} 的入党申请",
                     lambda case: reverse("development:record", args=[case.person_id]))


@login_required
@require_http_methods(["GET", "POST"])
def record(request, person_id):
    """A person's development record: the steps taken, the next one with its dates."""
    person = people_queries.get(request.user, person_id)
    case = queries.of_person(request.user, person)
    membership = getattr(person, "membership", None)
    may_change = membership is not None and can(request.user, CHANGE, membership.org)
    if request.method == "POST":
        if not may_change or case is not None:
            raise Http404
        try:
            services.open_case(request.user, membership)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已为 {person.name} 建立发展档案")
        return redirect("development:record", person_id=person.pk)
    nxt = rules.next_step(case, region_of(membership.org)) if case else None
    return render(request, "development/record.html", {
        "person": person, "membership": membership, "case": case, "next": nxt, "today": timezone.localdate(),
        "steps": queries.timeline(case) if case else [], "can_change": may_change,
        "open_steps": [(k, STEP_LABELS[k]) for k in rules.open_steps(case)] if case and may_change else [],
        "crumbs": org_queries.breadcrumbs(request.user, membership.org) if membership else [],
    })


def _step_form(request, case, kind):
    org = case.membership.org
    members = Person.objects.filter(membership__org=org, membership__status="full").order_by("name_pinyin")
    committees = Organization.objects.filter(path__in=org.ancestor_paths(), kind__in={"committee",
                                                                                       "working_committee"})
    kwargs = {"members": members, "committees": committees.order_by("-path")}
    if FORMS[kind] is ExtendForm:
        kwargs["lengths"] = rules.value("extension_months", case.assembly_on or case.applied_on, region_of(org))
    return FORMS[kind](request.POST or None, request.FILES or None, initial={"on": timezone.localdate()}, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def step(request, person_id, step):
    if step not in FORM_STEPS:
        raise Http404
    person = people_queries.get(request.user, person_id, action=CHANGE)
    case = queries.of_person(request.user, person, action=CHANGE)
    if case is None:
        raise Http404
    nxt = rules.next_step(case, region_of(case.membership.org))
    return form_page(request, _step_form(request, case, step), "development/step.html",
                     {"org": case.membership.org, "person": person, "title": STEP_LABELS[step],
                      "crumbs": org_queries.breadcrumbs(request.user, case.membership.org),
                      "next": nxt if nxt and nxt.step == step else None},
                     lambda data: services.take(request.user, case, step, **data),
                     lambda _: f"已记录 {person.name}：{STEP_LABELS[step]}",
                     lambda _: reverse("development:record", args=[person.pk]))


@login_required
@require_GET
def document(request, document_id):
    """Documents are served through scoping, never from a public media URL."""
    row = queries.document(request.user, document_id)
    return FileResponse(row.file.open("rb"), as_attachment=False, filename=row.file.name.rsplit("/", 1)[-1])

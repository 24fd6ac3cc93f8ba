import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiceng.core import policy
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries
from jiceng.orgs.models import Organization

from . import exports, services
from .forms import AskForm, ProposeForm, StepForm, TextForm
from .models import Disclosure, Matter, Objection, Question


def _village(request, org_id, action="view"):
    org = org_queries.get(request.user, org_id, action=action)
    if org.kind != "village":
        raise DomainError("not_a_village", "村务决策只适用于“村”类型的组织")
    return org


@login_required
def matters(request, org_id):
    try:
        village = _village(request, org_id)
    except DomainError as exc:
        messages.info(request, exc.message)
        return redirect("orgs:detail", org_id=org_id)
    rows = scope(request.user, Matter.objects.filter(village=village)).select_related("template")
    return render(request, "village/matters.html", {
        "village": village, "matters": rows, "crumbs": org_queries.breadcrumbs(request.user, village),
        "can_change": can(request.user, CHANGE, village),
    })


@login_required
@require_http_methods(["GET", "POST"])
def propose(request, org_id):
    village = org_queries.get(request.user, org_id, action=CHANGE)
    today = timezone.localdate()
    form = ProposeForm(request.POST or None, kinds=policy.get("village.major_matters", on=today),
                       initial={"proposed_on": today})
    return form_page(request, form, "orgs/form.html",
                     {"org": village, "crumbs": org_queries.breadcrumbs(request.user, village), "title": "提出重大事项",
                      "submit": "提出", "note": "按“四议两公开”程序逐步记录：提议、商议、审议、决议、决议公开、实施结果公开。"},
                     lambda data: services.propose(request.user, village, **data),
                     lambda m: f"已提出事项“{m.title}”", lambda m: reverse("village:matter", args=[m.pk]))


def _matter(request, matter_id, action="view"):
    return get_object_or_404(scope(request.user, Matter.objects.select_related("village", "template"), action),
                             pk=matter_id)


def _step_form(matter, data=None):
    step = matter.template.steps.filter(order=matter.next_order).first()
    if matter.status != Matter.OPEN or step is None:
        return None, None
    return step, StepForm(data, step=step, initial={"order": step.order, "held_on": timezone.localdate()})


def _matter_page(request, m, step_form=None, status=200):
    step, fresh = _step_form(m)
    records = {}
    for r in m.records.select_related("step").order_by("id"):
        records.setdefault(r.step.order, []).append(r)
    steps = [(s, records.get(s.order, [])) for s in m.template.steps.all()]
    disclosures = m.disclosures.prefetch_related("questions")
    village = m.village
    return render(request, "village/matter.html", {
        "m": m, "steps": steps, "next_step": step, "step_form": step_form or fresh,
        "disclosures": disclosures, "objections": m.objections.select_related("raised_by"),
        "open_objections": services.open_objections(m).exists(),
        "can_change": can(request.user, CHANGE, village),
        "is_supervisor": services.is_supervisor(request.user, village),
        "text_form": TextForm(initial={"on": timezone.localdate()}), "today": timezone.localdate(),
        "mandatory": services.mandatory(m.kind, m.amount, m.proposed_on),
        "crumbs": org_queries.breadcrumbs(request.user, village),
    }, status=status)


@login_required
def matter(request, matter_id):
    return _matter_page(request, _matter(request, matter_id))


@login_required
@require_POST
def record_step(request, matter_id):
    m = _matter(request, matter_id, CHANGE)
    step, _ = _step_form(m)
    form = StepForm(request.POST, step=step)
    if form.is_valid():
        try:
            services.record_step(request.user, m, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已记录该步骤")
            return redirect("village:matter", matter_id=m.pk)
    return _matter_page(request, m, form, status=400)


def _text_action(request, call, done, back):
    form = TextForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写内容和日期")
    else:
        try:
            call(form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def object_to(request, matter_id):
    m = _matter(request, matter_id)
    return _text_action(request, lambda d: services.object_to(request.user, m, **d), "已提出监督意见",
                        reverse("village:matter", args=[m.pk]))


@login_required
@require_POST
def answer_objection(request, objection_id):
    o = get_object_or_404(scope(request.user, Objection.objects.select_related("matter__village"), CHANGE),
                          pk=objection_id)
    return _text_action(request, lambda d: services.answer_objection(request.user, o, **d), "已答复监督意见",
                        reverse("village:matter", args=[o.matter_id]))


@login_required
@require_POST
def answer(request, question_id):
    q = get_object_or_404(scope(request.user, Question.objects.select_related("disclosure__village"), CHANGE),
                          pk=question_id)
    return _text_action(request, lambda d: services.answer(request.user, q, **d), "已公开答复",
                        reverse("village:matter", args=[q.disclosure.matter_id]))


@login_required
@require_POST
def take_down(request, disclosure_id):
    d = get_object_or_404(scope(request.user, Disclosure.objects.select_related("village"), CHANGE), pk=disclosure_id)
    try:
        on = datetime.date.fromisoformat(request.POST.get("on", ""))
        services.take_down(request.user, d, on)
    except ValueError:
        messages.error(request, "请填写撤下日期")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤下")
    return redirect("village:matter", matter_id=d.matter_id)


# Public pages: what is on the board now, no personal data, no login.

def _on_board(village, today):
    return (Disclosure.objects.filter(village=village, taken_down_on__isnull=True, posted_on__lte=today)
            .select_related("matter").prefetch_related("questions"))


@require_GET
def board(request, village_id):
    village = get_object_or_404(Organization, pk=village_id, kind="village")
    return render(request, "village/board.html", {
        "village": village, "disclosures": _on_board(village, timezone.localdate()), "ask_form": AskForm(),
    })


@require_GET
def poster(request, disclosure_id):
    d = get_object_or_404(Disclosure.objects.select_related("matter", "village"), pk=disclosure_id,
                          taken_down_on__isnull=True)
    board_url = request.build_absolute_uri(reverse("village:board", args=[d.village_id]))
    response = HttpResponse(exports.poster_pdf(d, board_url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="disclosure-{d.pk}.pdf"'
    return response


@require_POST
def ask(request, disclosure_id):
    """A resident's question: always back to the board, the outcome in a message."""
    d = get_object_or_404(Disclosure, pk=disclosure_id)
    form = AskForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写问题")
    else:
        try:
            services.ask(d, text=form.cleaned_data["question"], phone=form.cleaned_data["phone"],
                         on=timezone.localdate())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "问题已提交，村里将在公开栏上答复")
    return redirect(reverse("village:board", args=[d.village_id]) + f"#d{d.pk}")

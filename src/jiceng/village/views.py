import datetime
import functools

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiceng.core import exports as listings
from jiceng.core import policy, ratelimit
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE, ROLES, VIEW
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries
from jiceng.orgs.models import Organization

from . import exports, services
from .forms import AskForm, EndSupervisorForm, ProposeForm, StepForm, SupervisorForm, TextForm
from .models import Disclosure, Matter, Objection, Question, Supervisor


def _village(request, org_id, action="view"):
    org = org_queries.get(request.user, org_id, action=action)
    if org.kind != "village":
        raise DomainError("not_a_village", "村务决策只适用于“村”类型的组织")
    return org


def village_page(view):
    """A page of one village, called with the village: for another kind of organization, back
    to that organization's page saying why."""
    @functools.wraps(view)
    def page(request, org_id):
        try:
            village = _village(request, org_id)
        except DomainError as exc:
            messages.info(request, exc.message)
            return redirect("orgs:detail", org_id=org_id)
        return view(request, village)
    return page


MATTERS = listings.Listing("village.matters", "村务决策", [
    listings.Column("事项", lambda m: m.title, link=lambda m: reverse("village:matter", args=[m.pk]), width=30),
    listings.Column("提出日期", lambda m: m.proposed_on, width=12),
    listings.Column("类别", lambda m: m.kind, width=14),
    listings.Column("涉及金额（元）", lambda m: m.amount, width=14, money=True),
    listings.Column("程序", lambda m: m.template.name, width=16),
    listings.Column("必须经四议两公开", lambda m: m.mandatory, width=20),
    listings.Column("状态", lambda m: m.get_status_display(), width=10),
])


def _with_reasons(rows):
    """Each matter with why it must go through 四议两公开 (empty when it need not)."""
    for m in rows:
        m.mandatory = "、".join(short for short, _ in services.mandatory_reasons(m.kind, m.amount, m.proposed_on))
        yield m


MATTERS_PER_PAGE = 30  # a village's matters over the years, newest first


@login_required
@village_page
def matters(request, village):
    rows = scope(request.user, Matter.objects.filter(village=village)).select_related("template")
    if listings.wants_xlsx(request):
        return MATTERS.xlsx(request, _with_reasons(rows.iterator(chunk_size=2000)), village)
    page = Paginator(rows, MATTERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "village/matters.html", {
        "village": village, "crumbs": org_queries.breadcrumbs(request.user, village), "page": page,
        "can_change": can(request.user, CHANGE, village),
        **MATTERS.context(request, list(_with_reasons(page.object_list)), village),
    })


@login_required
@require_http_methods(["GET", "POST"])
def propose(request, org_id):
    village = org_queries.get(request.user, org_id, action=CHANGE)
    today = timezone.localdate()
    templates = services.templates()
    form = ProposeForm(request.POST or None, kinds=services.matter_kinds(today), templates=templates,
                       initial={"proposed_on": today, "template": templates.first()})
    return form_page(request, form, "orgs/form.html",
                     {"org": village, "crumbs": org_queries.breadcrumbs(request.user, village), "title": "提出村务事项",
                      "submit": "提出", "note": "按所选程序逐步记录。“四议两公开”：提议、商议、审议、决议、决议公开、实施结果公开；"
                              "政策所列重大事项和涉及金额达到标准的事项必须选用。"},
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


def _board(request, village, status=200, limited=""):
    return render(request, "village/board.html", {
        # The same empty form under every disclosure: rendered once (form rendering dominated the page's CPU).
        "village": village, "disclosures": _on_board(village, timezone.localdate()),
        "ask_fields": AskForm().as_div(),
        "limited": limited,
    }, status=status)


@require_GET
def board(request, village_id):
    return _board(request, get_object_or_404(Organization, pk=village_id, kind="village"))


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
    """A resident's question: back to the board, the outcome in a message; over the policy's
    rate (per address, per disclosure) the board with a 429 and nothing stored."""
    d = get_object_or_404(Disclosure.objects.select_related("village"), pk=disclosure_id)
    form = AskForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写问题")
    elif limited := _over_limit(request, d):
        return _board(request, d.village, status=429, limited=limited)
    else:
        try:
            services.ask(d, text=form.cleaned_data["question"], phone=form.cleaned_data["phone"],
                         on=timezone.localdate())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "问题已提交，村里将在公开栏上答复")
    return redirect(reverse("village:board", args=[d.village_id]) + f"#d{d.pk}")


def _over_limit(request, disclosure):
    """The refusal to show when this question is over a limit of the policy, else ""."""
    limits = policy.get("village.question_limits", on=timezone.localdate())
    window = limits["seconds"] // 60
    if not ratelimit.hit(f"village.ask:address:{ratelimit.client_address(request)}", limits["per_address"],
                         limits["seconds"]):
        return f"提问过于频繁：同一网络 {window} 分钟内最多提交 {limits['per_address']} 个问题，请稍后再试。"
    if not ratelimit.hit(f"village.ask:disclosure:{disclosure.pk}", limits["per_disclosure"], limits["seconds"]):
        return f"该公开事项 {window} 分钟内已收到 {limits['per_disclosure']} 个问题，请稍后再试。"
    return ""


# The village's 村务监督委员会: every member can see who serves; the township (or higher) appoints and ends.

def _candidates(village):
    """Users holding a viewing grant on the village itself who do not serve now."""
    viewing = [role for role, (_, actions) in ROLES.items() if VIEW in actions]
    serving = Supervisor.objects.filter(village=village, ended_on__isnull=True).values("user")
    return (get_user_model().objects.filter(grants__node=village, grants__role__in=viewing, is_active=True)
            .exclude(pk__in=serving).distinct().order_by("username"))


def _name(user):
    return user.get_full_name() or user.username


def _ended_by(s):
    return "" if s.ended_on is None else _name(s.ended_by) if s.ended_by else "系统"


# All supervisors, current and past; the page shows the past ones with these columns (the
# current ones keep their 离任 form beside them, which a listing cannot hold).
SUPERVISORS = listings.Listing("village.supervisors", "村务监督委员会成员", [
    listings.Column("成员", lambda s: _name(s.user), width=12),
    listings.Column("任职日期", lambda s: s.appointed_on, width=12),
    listings.Column("离任日期", lambda s: s.ended_on, width=12),
    listings.Column("离任原因", lambda s: s.end_reason, width=30),
    listings.Column("办理人", _ended_by, width=12),
])


@login_required
@require_http_methods(["GET", "POST"])
@village_page
def supervisors(request, village):
    can_appoint = can(request.user, CHANGE, village.parent or village)
    if request.method == "POST" and not can_appoint:
        raise PermissionDenied("村务监督委员会成员由乡镇（街道）或县级登记")
    today = timezone.localdate()
    form = SupervisorForm(request.POST or None, candidates=_candidates(village), initial={"on": today})
    rows = scope(request.user, Supervisor.objects.filter(village=village)).select_related("user", "ended_by",
                                                                                           "appointed_by")
    if request.method == "GET" and listings.wants_xlsx(request):
        return SUPERVISORS.xlsx(request, rows, village)
    return form_page(request, form, "village/supervisors.html", {
        "village": village, "current": [s for s in rows if s.ended_on is None],
        **SUPERVISORS.context(request, [s for s in rows if s.ended_on is not None], village),
        "can_appoint": can_appoint,
        "end_form": EndSupervisorForm(initial={"on": today}),
        "crumbs": org_queries.breadcrumbs(request.user, village)},
        lambda d: services.appoint_supervisor(request.user, village, d["member"], on=d["on"]),
        lambda s: f"已登记 {s.user.get_full_name() or s.user.username} 为村务监督委员会成员",
        lambda s: reverse("village:supervisors", args=[village.pk]))


@login_required
@require_POST
def end_supervisor(request, supervisor_id):
    s = get_object_or_404(scope(request.user, Supervisor.objects.select_related("village", "user"), CHANGE),
                          pk=supervisor_id)
    form = EndSupervisorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写离任日期和离任原因")
    else:
        try:
            services.end_supervisor(request.user, s, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{s.user.get_full_name() or s.user.username} 已离任，记录保留")
    return redirect("village:supervisors", org_id=s.village_id)

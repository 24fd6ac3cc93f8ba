"""Staff pages of residents' requests (接诉即办): the queue, a request's page with the actions
the user may take (each a small POST form that calls one service), and a department's
summonses (吹哨报到). A user without HANDLE on the owner sees the same pages, read-only."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from jiceng.core import exports, tree
from jiceng.core.roles import HANDLE
from jiceng.core.scoping import can, scope
from jiceng.core.validators import normalize
from jiceng.core.web import form_page
from jiceng.orgs.models import Organization

from . import categories, choices, services
from .forms import DispatchForm, HelpForm, MergeForm, NoteForm, ReportForm, ResolveForm, SummonForm
from .models import Request, Summons

PAGE_SIZE = 30
TABS = {"open": "全部待办", "assigned": "待受理", "accepted": "办理中", "triage": "待分派", "overdue": "超时",
        "resolved": "已办结"}
ORDER = {"assigned": ["respond_by"], "triage": ["respond_by"], "resolved": ["-resolved_at"]}  # others: resolve_by


# -- how times are said ---------------------------------------------------------------------------

def _span(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} 天"
    if minutes >= 60:
        return f"{minutes // 60} 小时"
    return f"{max(minutes, 1)} 分钟"


def deadline_text(moment):
    """A deadline as people say it; local midnight (where resolve_by always falls) is 24:00
    of the day before."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.time() == datetime.time():
        day = local - datetime.timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日 24:00"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def clock(case, now):
    """(what a row says of the request's time, whether it is overdue)."""
    if case.status == choices.RESOLVED:
        late = case.resolved_at > case.resolve_by
        return ("超时办结" if late else "按时办结"), late
    if case.status == choices.MERGED:
        return "已合并", False
    if case.responded_at is None and now > case.respond_by:
        return f"响应超时 {_span(now - case.respond_by)}", True
    if now > case.resolve_by:
        return f"办结超时 {_span(now - case.resolve_by)}", True
    if case.responded_at is None:
        return f"{_span(case.respond_by - now)}内须响应", False
    return f"剩 {_span(case.resolve_by - now)} 办结", False


def category_names(on=None):
    return dict(categories.choices(on))


# -- reads ---------------------------------------------------------------------------------------

def visible(user):
    """Requests the user may open: those in scope, and those a department of theirs was summoned to."""
    return Request.objects.filter(Q(pk__in=scope(user, Request.objects.all()).values("pk"))
                                  | Q(pk__in=scope(user, Summons.objects.all()).values("request_id")))


def _case(request, request_id):
    return get_object_or_404(visible(request.user).select_related("owner", "grid", "merged_into"), pk=request_id)


def _tab_q(tab, now):
    late = Q(responded_at__isnull=True, respond_by__lt=now) | Q(resolve_by__lt=now)
    return {"open": Q(status__in=choices.OPEN_STATUSES), "overdue": Q(status__in=choices.OPEN_STATUSES) & late}.get(
        tab, Q(status=tab))


QUEUE = exports.Listing("requests.queue", "接诉即办", [
    exports.Column("受理编号", lambda r: r.tracking_no, link=lambda r: reverse("requests:detail", args=[r.pk]),
                   width=16),
    exports.Column("状态", lambda r: r.get_status_display(), width=10),
    exports.Column("时限", lambda r: r.clock, width=18),
    exports.Column("类别", lambda r: r.category_name, width=14),
    exports.Column("诉求内容", lambda r: r.description, width=60),
    exports.Column("承办单位", lambda r: r.owner.name, width=24),
    exports.Column("受理时间", lambda r: r.received_at, width=18),
])


def _told(cases, now, names):
    """Each case with what its row says of its time and its category's name."""
    for case in cases:
        case.clock, case.late = clock(case, now)
        case.category_name = names.get(case.category, case.category)
        yield case


@login_required
@require_GET
def queue(request):
    now = timezone.now()
    tab = request.GET.get("status") if request.GET.get("status") in TABS else "open"
    number = normalize(request.GET.get("q", ""))
    mine = scope(request.user, Request.objects.all())
    counts = mine.filter(status__in=choices.OPEN_STATUSES).aggregate(
        **{t: Count("pk", filter=_tab_q(t, now)) for t in TABS if t != "resolved"})
    rows = mine.filter(tracking_no=number) if number else mine.filter(_tab_q(tab, now))
    rows = rows.select_related("owner").order_by(*ORDER.get(tab, ["resolve_by"]), "pk")
    if exports.wants_xlsx(request):
        return QUEUE.xlsx(request, _told(rows.iterator(chunk_size=2000), now, category_names()), None,
                          filters={"status": tab, "q": number})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    list(_told(page, now, category_names()))
    tabs = [(key, label, counts.get(key)) for key, label in TABS.items()]
    return render(request, "requests/queue.html", {"page": page, "tab": tab, "tabs": tabs, "number": number})


def _dispatch_targets(user, case):
    """Units the user may hand the request to: handling units in the user's HANDLE subtrees;
    grids only near the request (its community's), since a list of every grid of a city helps nobody."""
    near = case.grid.parent if case.grid_id and case.grid.parent_id else case.owner
    units = scope(user, Organization.objects.filter(status=Organization.ACTIVE, kind__in=services.HANDLING_KINDS),
                  HANDLE)
    return units.filter(~Q(kind="grid") | near.subtree_q()).exclude(pk=case.owner_id).order_by("path")


def _summonable(case):
    """Departments under the owner's street, county and higher. Not scoped, by design: a street
    blows the whistle on the county's departments, which lie outside its own subtree."""
    paths = tree.ancestor_paths(case.owner.path, include_self=True)
    already = case.summonses.values("department_id")
    return (Organization.objects.filter(parent__path__in=paths, kind="department", status=Organization.ACTIVE)
            .exclude(pk__in=already).order_by("path"))


def _merge_targets(user, alike):
    """Of the look-alikes (services.duplicates), those whose owner the user may handle too."""
    return Request.objects.filter(pk__in=[d.pk for d in alike if can(user, HANDLE, d.owner)])


def _context(request, case, bound=None):
    """Everything the request's page shows; `bound` holds the one form just posted (with its errors)."""
    user, now, bound = request.user, timezone.now(), bound or {}
    handles = case.is_open and can(user, HANDLE, case.owner)
    alike = services.duplicates(case)
    duplicates = scope(user, Request.objects.filter(pk__in=[d.pk for d in alike]).select_related("owner"))
    actions = {}
    if handles:
        actions["note"] = NoteForm()
        if case.owner.parent_id:
            actions["help"] = HelpForm()
        if case.status != choices.TRIAGE:
            actions["resolve"] = ResolveForm()
        owners = _dispatch_targets(user, case)
        if owners.exists():
            actions["dispatch"] = DispatchForm(owners=owners)
        targets = _merge_targets(user, alike)
        if targets:
            actions["merge"] = MergeForm(targets=targets)
        if case.owner.kind in services.WHISTLE_KINDS:
            actions["summon"] = SummonForm(departments=_summonable(case))
    actions.update((k, v) for k, v in bound.items() if not k.startswith("summons"))
    summonses = list(case.summonses.select_related("department", "called_by").order_by("called_at", "pk"))
    for s in summonses:
        s.handles = can(user, HANDLE, s.department) and case.is_open
        s.late = (s.accepted_at or now) > s.accept_by
        s.accept_by_text = deadline_text(s.accept_by)
        s.form = bound.get(f"summons{s.pk}") or (ReportForm(prefix=f"s{s.pk}") if s.handles else None)
    case.clock, case.late = clock(case, now)
    photos = list(case.photos.order_by("uploaded_at", "pk"))
    return {
        "case": case, "forms": actions, "handles": handles, "summonses": summonses, "duplicates": duplicates,
        "can_accept": handles and case.status == choices.ASSIGNED,
        "category": category_names(timezone.localdate(case.received_at)).get(case.category, case.category),
        "events": case.events.select_related("org", "actor").order_by("at", "pk"),
        "intake_photos": [p for p in photos if p.stage == choices.PHOTO_INTAKE],
        "result_photos": [p for p in photos if p.stage == choices.PHOTO_RESULT],
        "respond_by": deadline_text(case.respond_by), "resolve_by": deadline_text(case.resolve_by),
        "channel": dict(choices.CHANNELS).get(case.channel, case.channel),
    }


@login_required
@require_GET
def detail(request, request_id):
    case = _case(request, request_id)
    return render(request, "requests/detail.html", _context(request, case))


# -- actions --------------------------------------------------------------------------------------

def _act(request, case, name, form, call, done):
    """Run one action's service from its form; a refusal shows the page again, the service's
    message beside the field it names."""
    return form_page(request, form, "requests/detail.html", _context(request, case, {name: form}), call,
                     lambda _: done, lambda _: reverse("requests:detail", args=[case.pk]))


@login_required
@require_POST
def accept(request, request_id):
    case = _case(request, request_id)
    return _act(request, case, "accept", forms.Form(request.POST), lambda _: services.accept(request.user, case),
                "已受理")


@login_required
@require_POST
def note(request, request_id):
    case = _case(request, request_id)
    form = NoteForm(request.POST)
    return _act(request, case, "note", form,
                lambda d: services.add_note(request.user, case, d["note"], public=d["public"]), "已记录办理进展")


@login_required
@require_POST
def ask_help(request, request_id):
    case = _case(request, request_id)
    return _act(request, case, "help", HelpForm(request.POST),
                lambda d: services.ask_help(request.user, case, d["note"]), "已请求上级协助")


@login_required
@require_POST
def resolve(request, request_id):
    case = _case(request, request_id)
    return _act(request, case, "resolve", ResolveForm(request.POST, request.FILES),
                lambda d: services.resolve(request.user, case, d["result"], photos=d["photos"]), "已办结")


@login_required
@require_POST
def dispatch(request, request_id):
    case = _case(request, request_id)
    form = DispatchForm(request.POST, owners=_dispatch_targets(request.user, case))
    return _act(request, case, "dispatch", form,
                lambda d: services.dispatch(request.user, case, d["owner"], d["note"]), "已派单")


@login_required
@require_POST
def merge(request, request_id):
    case = _case(request, request_id)
    targets = _merge_targets(request.user, services.duplicates(case))
    return _act(request, case, "merge", MergeForm(request.POST, targets=targets),
                lambda d: services.merge(request.user, case, d["into"]), "已合并")


@login_required
@require_POST
def summon(request, request_id):
    case = _case(request, request_id)
    return _act(request, case, "summon", SummonForm(request.POST, departments=_summonable(case)),
                lambda d: services.summon(request.user, case, d["departments"], d["note"]), "已吹哨，等待部门报到")


def _summons(request, summons_id):
    return get_object_or_404(scope(request.user, Summons.objects.select_related("request", "department")),
                             pk=summons_id)


@login_required
@require_POST
def accept_summons(request, summons_id):
    summons = _summons(request, summons_id)
    case = _case(request, summons.request_id)
    form = ReportForm(request.POST, prefix=f"s{summons.pk}")
    form.fields["report"].required = False  # 报到 posts no report
    return _act(request, case, f"summons{summons.pk}", form,
                lambda _: services.accept_summons(request.user, summons), f"{summons.department.name}已报到")


@login_required
@require_POST
def report_summons(request, summons_id):
    summons = _summons(request, summons_id)
    case = _case(request, summons.request_id)
    return _act(request, case, f"summons{summons.pk}", ReportForm(request.POST, prefix=f"s{summons.pk}"),
                lambda d: services.report_summons(request.user, summons, d["report"]), "已反馈处置情况")


@login_required
@require_GET
def summonses(request):
    """吹哨报到 for the user's departments (and those their units blew): waiting ones first."""
    now = timezone.now()
    done = request.GET.get("status") == "done"
    rows = (scope(request.user, Summons.objects.select_related("request", "department", "called_by"))
            .filter(reported_at__isnull=not done).order_by("-reported_at" if done else "accept_by", "pk"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for s in page:
        s.handles = can(request.user, HANDLE, s.department) and s.request.is_open
        s.late = s.accepted_at is None and now > s.accept_by
        s.accept_by_text = deadline_text(s.accept_by)
    return render(request, "requests/summonses.html", {"page": page, "done": done})

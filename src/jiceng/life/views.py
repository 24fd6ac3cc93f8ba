import functools
import io
from urllib.parse import quote

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.core import exports as lists
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.core.web import CountedPaginator, form_page
from jiceng.orgs import queries as org_queries
from jiceng.orgs import rollups
from jiceng.orgs.kinds import BRANCH_KINDS
from jiceng.people.choices import PARTY_MEMBER_STATUSES
from jiceng.people.models import Membership, Person

from . import absences, compliance, counters, exports, services
from .choices import KIND_LABELS
from .forms import AmendForm, AttachmentForm, MeetingForm, PlanForm, TalkForm
from .models import Attachment, Attendance, Meeting
from .periods import label as period_label


def branch_page(action="view"):
    """For views about one branch: the branch in the user's scope (404 outside it) is passed in
    place of org_id; any other node is sent to its compliance page, where life is summed up."""

    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, org_id, *args, **kwargs):
            org = org_queries.get(request.user, org_id, action=action)
            if org.kind not in BRANCH_KINDS:
                messages.info(request, "组织生活记在党支部名下：请从下级党支部进入，或查看合规情况")
                return redirect("life:compliance", org_id=org.pk)
            return view(request, org, *args, **kwargs)

        return wrapper

    return decorate


def _year(request):
    """?year=, or this year when missing or not a sensible year."""
    this_year = timezone.localdate().year
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 1949 <= int(value) <= this_year else this_year


def _members(org):
    return (Membership.objects.filter(org=org, status__in=PARTY_MEMBER_STATUSES)
            .select_related("person").order_by("person__name_pinyin"))


@branch_page()
def book(request, org):
    year = _year(request)
    meetings = (scope(request.user, Meeting.objects.filter(org=org, held_on__year=year, status=Meeting.HELD))
                .select_related("group").order_by("-held_on", "-id"))
    planned = (scope(request.user, Meeting.objects.filter(org=org, status=Meeting.PLANNED))
               .select_related("group").order_by("held_on", "id"))
    return render(request, "life/book.html", {
        "org": org, "year": year, "meetings": meetings, "planned": planned,
        "crumbs": org_queries.breadcrumbs(request.user, org),
        "can_change": can(request.user, CHANGE, org),
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
    })


@branch_page(CHANGE)
@require_http_methods(["GET", "POST"])
def record(request, org):
    form = MeetingForm(request.POST or None, members=_members(org), groups=org.children.filter(kind="group"),
                       initial={"held_on": timezone.localdate(), "kind": request.GET.get("kind", "")})

    def call(_):
        fields, attendance, votes = form.service_arguments()
        return services.record_meeting(request.user, org=org, attendance=attendance, votes=votes, **fields)

    return form_page(request, form, "life/record.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": "记录会议"},
                     call, lambda m: f"已记录{m.get_kind_display()}“{m.topic}”",
                     lambda m: reverse("life:meeting", args=[m.pk]))


@branch_page(CHANGE)
@require_http_methods(["GET", "POST"])
def plan(request, org):
    form = PlanForm(request.POST or None, groups=org.children.filter(kind="group"),
                    initial={"held_on": timezone.localdate()})
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": "计划会议",
                      "submit": "保存计划", "note": "会后在会议页面点“记录召开情况”，补记出席和记录。"},
                     lambda data: services.plan_meeting(request.user, org=org, **data),
                     lambda m: f"已计划 {m.held_on:%m月%d日} {m.get_kind_display()}",
                     lambda m: reverse("life:meeting", args=[m.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def hold(request, meeting_id):
    """Record a planned meeting as held, with the same form as a direct record."""
    m = _meeting(request, meeting_id, CHANGE)
    initial = {f: getattr(m, f) for f in ("kind", "group", "held_on", "starts_at", "place", "topic", "agenda")}
    initial |= {f"att_{pid}": status for pid, status in m.attendance.values_list("person_id", "status")}
    form = MeetingForm(request.POST or None, members=_members(m.org), groups=m.org.children.filter(kind="group"),
                       initial=initial)
    for name in ("kind", "group"):
        form.fields[name].disabled = True

    def call(_):
        fields, attendance, votes = form.service_arguments()
        fields = {k: v for k, v in fields.items() if k not in {"kind", "group"}}
        return services.hold_meeting(request.user, m, attendance=attendance, votes=votes, **fields)

    return form_page(request, form, "life/record.html",
                     {"org": m.org, "crumbs": org_queries.breadcrumbs(request.user, m.org), "title": "记录召开情况"},
                     call, lambda held: f"已记录{held.get_kind_display()}“{held.topic}”",
                     lambda held: reverse("life:meeting", args=[held.pk]))


def _meeting(request, meeting_id, action="view"):
    return get_object_or_404(scope(request.user, Meeting.objects.select_related("org", "group", "host", "recorder"),
                                   action), pk=meeting_id)


@login_required
def meeting(request, meeting_id):
    m = _meeting(request, meeting_id)
    attendance = m.attendance.select_related("person").order_by("status", "person__name_pinyin")
    token = services.checkin_token(m)
    checkin_url = request.build_absolute_uri(reverse("life:checkin", args=[token]))
    buffer = io.BytesIO()
    segno.make(checkin_url, error="m").save(buffer, kind="svg", scale=5, xmldecl=False, svgns=True)
    return render(request, "life/meeting.html", {
        "m": m, "attendance": attendance, "votes": m.votes.all(), "amendments": m.amendments.all(),
        "attachments": m.attachments.all(), "attachment_form": AttachmentForm(),
        "crumbs": org_queries.breadcrumbs(request.user, m.org), "locked": services.is_locked(m),
        "lock_date": services.lock_date(m), "can_change": can(request.user, CHANGE, m.org),
        "qr_svg": buffer.getvalue().decode(), "checkin_url": checkin_url,
        "present": sum(a.status == "present" for a in attendance),
    })


@login_required
@require_http_methods(["POST"])
def attach(request, meeting_id):
    m = _meeting(request, meeting_id, CHANGE)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(request.user, m, form.cleaned_data["file"], form.cleaned_data["caption"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已添加附件")
    else:
        messages.error(request, "请选择要上传的文件")
    return redirect("life:meeting", meeting_id=m.pk)


@login_required
@require_GET
def attachment(request, attachment_id):
    """Attachments are served through scoping, never from a public media URL."""
    row = get_object_or_404(scope(request.user, Attachment.objects.select_related("meeting")), pk=attachment_id)
    return FileResponse(row.file.open("rb"), as_attachment=False, filename=row.file.name.rsplit("/", 1)[-1])


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, meeting_id):
    m = _meeting(request, meeting_id, CHANGE)
    locked = services.is_locked(m)
    current = dict(m.attendance.values_list("person_id", "status"))
    members = [x for x in _members(m.org)] if not current else \
        list(Membership.objects.filter(person_id__in=current).select_related("person").order_by("person__name_pinyin"))
    initial = {f: getattr(m, f) for f in ("kind", "group", "held_on", "starts_at", "place", "topic", "host",
                                          "recorder", "agenda", "minutes", "decisions")}
    initial |= {f"att_{pid}": status for pid, status in current.items()}
    form = MeetingForm(request.POST or None, members=members, groups=m.org.children.filter(kind="group"),
                       votes=False, initial=initial)
    for name in ("kind", "group"):
        form.fields[name].disabled = True
    amend = AmendForm(request.POST or None, prefix="amend") if locked else None

    def call(_):
        fields, attendance, _votes = form.service_arguments()
        fields = {k: v for k, v in fields.items() if k not in {"kind", "group"}}
        if locked:
            if not amend.is_valid():
                raise DomainError("reason_required", "请填写更正原因", None)
            services.amend_meeting(request.user, m, amend.cleaned_data["reason"], attendance=attendance, **fields)
        else:
            services.update_meeting(request.user, m, attendance=attendance, **fields)
        return m

    return form_page(request, form, "life/record.html", {
        "org": m.org, "crumbs": org_queries.breadcrumbs(request.user, m.org), "amend": amend,
        "title": "补正会议记录" if locked else "修改会议记录", "lock_date": services.lock_date(m), "locked": locked,
    }, call, lambda _: "已补正，原记录已保留" if locked else "已保存", lambda _: reverse("life:meeting", args=[m.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, token):
    """The page a member's phone opens from the QR code: one button, then done."""
    if request.method == "POST":
        try:
            m = services.confirm_presence(request.user, token)
        except DomainError as exc:
            return render(request, "life/checkin.html", {"error": exc.message}, status=400)
        return render(request, "life/checkin.html", {"meeting": m, "done": True})
    return render(request, "life/checkin.html", {})


@branch_page(CHANGE)
@require_http_methods(["GET", "POST"])
def talk(request, org):
    members = Person.objects.filter(membership__org=org, membership__status__in=PARTY_MEMBER_STATUSES) \
        .order_by("name_pinyin")
    leaders = members.filter(posts__org=org, posts__ended_on__isnull=True).distinct()
    form = TalkForm(request.POST or None, leaders=leaders, members=members, initial={"held_on": timezone.localdate()})
    return form_page(request, form, "orgs/form.html",
                     {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": "记录谈心谈话",
                      "submit": "记录"},
                     lambda data: services.record_talk(request.user, org=org, **data),
                     lambda t: f"已记录 {t.leader.name} 与 {t.member.name} 的谈话",
                     lambda t: reverse("life:book", args=[org.pk]))


FOLLOWUPS_SHOWN = 50  # the rest are listed on the lower levels' pages and in the xlsx export


def _branch_name(person):
    membership = getattr(person, "membership", None)
    return membership.org.name if membership else ""


FOLLOWUPS = lists.Listing("life.followups", "组织生活需跟进党员", [
    lists.Column("姓名", lambda r: r[0].name, link=lambda r: reverse("people:detail", args=[r[0].pk]), width=10),
    lists.Column("党支部", lambda r: _branch_name(r[0]), width=30),
    lists.Column("最近一次组织生活", lambda r: r[1], width=16),
])


@login_required
def compliance_page(request, org_id):
    """Figures from the kept counters (a few rows at any level); the list of branches that fell
    short in the last ended period of one kind; members to follow up."""
    org = org_queries.get(request.user, org_id)
    if lists.wants_xlsx(request):  # the follow-up list, whole
        return FOLLOWUPS.xlsx(request, absences.listed(org)[1], org)
    year, today = _year(request), timezone.localdate()
    counts = rollups.counts(org)
    result = compliance.summary(counts, year, today)
    kinds = [(k, KIND_LABELS[k], *result.by_kind[k]) for k in KIND_LABELS if k in result.by_kind]
    children = org_queries.children(request.user, org)
    child_counts = rollups.counts_for(children)
    children = [(c, *compliance.summary(child_counts[c.pk], year, today).overall) for c in children
                if child_counts.get(c.pk, {}).get("owes:branch")]
    subtree = org_queries.subtree(request.user, org)
    short = []  # (kind, label, period, its label, branches short, times required): last ended periods
    for kind in (k for k, *_ in kinds if k != "talk"):
        ended = compliance.last_ended(kind, today)
        if ended:
            period, times = ended
            missing = counts.get(counters.owing_key(kind), 0) - counts.get(counters.met_key(kind, period), 0)
            short.append((kind, KIND_LABELS[kind], period, period_label(period), missing, times))
    chosen = next((row for row in short if row[0] == request.GET.get("kind")),
                  next((row for row in short if row[4]), None))
    page = None
    if chosen:
        kind, _, period, _, _, times = chosen
        page = CountedPaginator(compliance.fell_short(subtree, kind, period), 50, chosen[4]) \
            .get_page(request.GET.get("page"))
        held = compliance.held_in(list(page), kind, period)
        page.rows = [(branch, held.get(branch.pk, 0), times) for branch in page]
    n, followups, followup_total = absences.listed(org, limit=FOLLOWUPS_SHOWN)
    return render(request, "life/compliance.html", {
        "org": org, "year": year, "result": result, "kinds": kinds, "children": children, "short": short,
        "chosen": chosen, "page": page, "followups": followups, "followup_n": n, "followup_total": followup_total,
        "crumbs": org_queries.breadcrumbs(request.user, org), "months": result.by_month,
        "this_month": today.strftime("%Y-%m"), "years": range(today.year, today.year - 5, -1),
        **FOLLOWUPS.context(request, followups, org),
    })


def _download(content, filename, content_type):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@branch_page()
def book_pdf(request, org):
    year = _year(request)
    return _download(exports.meeting_book_pdf(org, year), f"{org.name}{year}年组织生活记录本.pdf", "application/pdf")


@login_required
def compliance_xlsx(request, org_id):
    org = org_queries.get(request.user, org_id)
    year = _year(request)
    subtree = org_queries.subtree(request.user, org)
    content = exports.compliance_xlsx(org, compliance.report(subtree, year), absences.listed(org)[1])
    return _download(content, f"{org.name}{year}年组织生活合规情况.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
def mine(request):
    """A member's own meetings: attended and missed, without scores or rankings."""
    person = getattr(request.user, "person", None)
    rows = []
    if person is not None:
        rows = (Attendance.objects.filter(person=person).select_related("meeting", "meeting__org")
                .order_by("-meeting__held_on")[:200])
    return render(request, "life/mine.html", {"person": person, "rows": rows})

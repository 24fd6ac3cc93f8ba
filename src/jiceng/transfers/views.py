from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.core import exports
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE, VIEW_SENSITIVE
from jiceng.core.scoping import can
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries
from jiceng.orgs.kinds import MEMBER_HOLDING_KINDS
from jiceng.people import services as people_services

from . import letters, queries, services
from .forms import DateForm, IncomingLetterForm, LetterForm, ReturnForm, SendForm
from .models import Transfer

STATUS_LABEL = dict(Transfer.STATUSES)


def _branch(request, org_id):
    """The branch the user may change, or None (with a message) for another kind of node."""
    org = org_queries.get(request.user, org_id, action=CHANGE)
    if org.kind not in MEMBER_HOLDING_KINDS:
        messages.info(request, "党员组织关系由党支部办理：请从党支部进入")
        return org, redirect("transfers:list", org_id=org.pk)
    return org, None


def _context(request, org, title, **more):
    return {"org": org, "title": title, "crumbs": org_queries.breadcrumbs(request.user, org), **more}


def _detail_url(t):
    return reverse("transfers:detail", args=[t.pk])


def _expired(t):
    return t.status == Transfer.PENDING and t.expires_on < timezone.localdate()


TRANSFERS = exports.Listing("transfers.list", "组织关系转接", [
    exports.Column("党员", lambda t: t.membership.person.name, link=lambda t: reverse("transfers:detail", args=[t.pk]),
                   width=10),
    exports.Column("方式", lambda t: t.get_kind_display(), width=16),
    exports.Column("转出", lambda t: t.origin_name, width=30),
    exports.Column("转入", lambda t: t.destination_name, width=30),
    exports.Column("开具日期", lambda t: t.sent_on, width=12),
    exports.Column("有效期至", lambda t: t.expires_on, width=12),
    exports.Column("状态", lambda t: "已到期" if _expired(t) else t.get_status_display(), width=10),
], row_class=lambda t: "overdue" if _expired(t) else "")


@login_required
@require_GET
def transfer_list(request, org_id):
    """Transfers leaving or entering an organization's subtree (for a branch: its own), by status."""
    org = org_queries.get(request.user, org_id)
    direction = "in" if request.GET.get("dir") == "in" else "out"
    status = request.GET.get("status") if request.GET.get("status") in STATUS_LABEL else Transfer.PENDING
    rows = queries.of_subtree(request.user, org, direction, status)
    if exports.wants_xlsx(request):
        return TRANSFERS.xlsx(request, rows.iterator(chunk_size=2000), org,
                              filters={"dir": direction, "status": status})
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "transfers/list.html", {
        "org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "page": page, "direction": direction,
        "status": status, "statuses": Transfer.STATUSES, "today": timezone.localdate(),
        "is_branch": org.kind in MEMBER_HOLDING_KINDS, "can_change": can(request.user, CHANGE, org),
        **TRANSFERS.context(request, page, org),
    })


@login_required
@require_http_methods(["GET", "POST"])
def send(request, org_id):
    org, elsewhere = _branch(request, org_id)
    if elsewhere:
        return elsewhere
    data = request.POST or None
    term = (request.POST.get("q") or request.GET.get("q") or "").strip()
    found = queries.destinations(term, exclude=org)
    initial = {"on": timezone.localdate(), "q": term, "person": request.GET.get("person")}
    form = SendForm(data, initial=initial, members=queries.members(org), destinations=queries.branches(),
                    found=found)
    return form_page(
        request, form, "transfers/send.html", _context(request, org, "系统内转接组织关系", term=term, found=found),
        lambda d: services.send(request.user, d["person"].membership, d["to_org"], d["on"], d["reason"]),
        lambda t: f"已将 {t.membership.person.name} 的组织关系转往“{t.to_org.name}”，待对方接收（有效期至 {t.expires_on:%Y-%m-%d}）",
        _detail_url)


@login_required
@require_http_methods(["GET", "POST"])
def issue_letter(request, org_id):
    org, elsewhere = _branch(request, org_id)
    if elsewhere:
        return elsewhere
    form = LetterForm(request.POST or None, members=queries.members(org),
                      initial={"on": timezone.localdate(), "person": request.GET.get("person")})
    return form_page(
        request, form, "orgs/form.html",
        _context(request, org, "开具介绍信（转出系统）", submit="开具",
                 note="转往本系统以外的党组织时使用；本系统内的党支部请用“系统内转接”。收到对方回执后登记，党籍才在本支部关闭。"),
        lambda d: services.issue_letter(request.user, d["person"].membership, d["outside_org"], d["on"], d["reason"]),
        lambda t: f"已开具介绍信 {t.code}，请下载打印", _detail_url)


@login_required
@require_http_methods(["GET", "POST"])
def register_letter(request, org_id):
    org, elsewhere = _branch(request, org_id)
    if elsewhere:
        return elsewhere
    form = IncomingLetterForm(request.POST or None, initial={"since": timezone.localdate(), "status": "full"})

    def call(d):
        d = dict(d)
        return services.register_letter(request.user, org=org, code=d.pop("code"), outside_org=d.pop("outside_org"),
                                        letter_date=d.pop("letter_date"), on=d.pop("since"), status=d.pop("status"),
                                        **d)

    return form_page(
        request, form, "orgs/form.html",
        _context(request, org, "登记转入介绍信", submit="登记转入", note="持系统外党组织开具的介绍信来报到的党员：按介绍信填写。"),
        call, lambda t: f"已凭介绍信 {t.code} 登记 {t.membership.person.name}", _detail_url)


@login_required
@require_GET
def detail(request, transfer_id):
    t = queries.get(request.user, transfer_id)
    side = t.to_org if t.kind == Transfer.INTERNAL else t.from_org
    org = t.from_org or t.to_org
    return render(request, "transfers/detail.html", {
        "t": t, "crumbs": org_queries.breadcrumbs(request.user, org), "today": timezone.localdate(),
        "acts": t.is_open() and side is not None and can(request.user, CHANGE, side),
    })


def _decision(request, transfer_id, form, title, submit, call, done):
    t = queries.get(request.user, transfer_id)
    org = t.to_org if t.kind == Transfer.INTERNAL else t.from_org
    note = (f"{t.membership.person.name}（{t.membership.get_status_display()}）：{t.origin_name} → {t.destination_name}，"
            f"{t.sent_on:%Y-%m-%d} 开具，有效期至 {t.expires_on:%Y-%m-%d}")
    return form_page(request, form, "orgs/form.html",
                     {"title": title, "submit": submit, "note": note,
                      "crumbs": org_queries.breadcrumbs(request.user, org) if org else []},
                     lambda d: call(t, d), done, _detail_url)


@login_required
@require_http_methods(["GET", "POST"])
def accept(request, transfer_id):
    form = DateForm(request.POST or None, initial={"on": timezone.localdate()})
    form.fields["on"].label = "接收日期"
    return _decision(request, transfer_id, form, "接收组织关系", "确认接收",
                     lambda t, d: services.accept(request.user, t, d["on"]),
                     lambda t: f"已接收 {t.membership.person.name}，党籍已转入“{t.to_org.name}”")


@login_required
@require_http_methods(["GET", "POST"])
def return_transfer(request, transfer_id):
    form = ReturnForm(request.POST or None, initial={"on": timezone.localdate()})
    return _decision(request, transfer_id, form, "退回组织关系", "退回",
                     lambda t, d: services.return_transfer(request.user, t, d["on"], d["reason"]),
                     lambda t: f"已退回，{t.membership.person.name} 的组织关系仍在“{t.origin_name}”")


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, transfer_id):
    form = DateForm(request.POST or None, initial={"on": timezone.localdate()})
    form.fields["on"].label = "回执上的报到日期"
    return _decision(request, transfer_id, form, "登记介绍信回执", "登记回执",
                     lambda t, d: services.confirm_letter(request.user, t, d["on"]),
                     lambda t: f"已登记回执，{t.membership.person.name} 的组织关系已转出")


@login_required
@require_GET
def letter_pdf(request, transfer_id):
    t = queries.get(request.user, transfer_id)
    if t.kind != Transfer.LETTER_OUT:
        messages.error(request, "只有转出系统的转接有介绍信")
        return redirect(_detail_url(t))
    person = t.membership.person
    id_number = person.id_number_masked
    if can(request.user, VIEW_SENSITIVE, t.from_org):
        try:
            id_number = people_services.reveal_id_number(request.user, person)  # the letter carries it; audited
        except DomainError:
            pass
    verify_url = request.build_absolute_uri(reverse("transfers:verify", args=[t.code]))
    response = HttpResponse(letters.letter_pdf(t, verify_url, id_number), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'介绍信-{person.name}-{t.code}.pdf')}"
    return response


def mask_name(name):
    return name[:1] + "*" * (len(name) - 1)


@require_GET
def verify(request, code):
    """Anyone holding a letter may check it: valid or not, the organizations, the name masked."""
    t = (Transfer.objects.filter(code=services.normalize_code(code), kind=Transfer.LETTER_OUT)
         .select_related("from_org", "membership__person").first())
    if t is None:
        return render(request, "transfers/verify.html", {"code": code}, status=404)
    today = timezone.localdate()
    if t.status == Transfer.PENDING and today <= t.expires_on:
        state, valid = "有效", True
    elif t.status in (Transfer.PENDING, Transfer.EXPIRED):
        state, valid = "已过期", False
    else:
        state, valid = {Transfer.ACCEPTED: "已办结（对方已接收）", Transfer.RETURNED: "已退回作废"}[t.status], False
    return render(request, "transfers/verify.html", {
        "code": t.code, "t": t, "state": state, "valid": valid, "name": mask_name(t.membership.person.name),
    })

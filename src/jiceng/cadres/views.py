"""Pages for township and county staff: a village's elections and joint review, the
secretary's filing, first secretaries and work teams; above a village, filings to decide,
the term calendar (换届日历) and the villages named for rectification (软弱涣散, 四个一)."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import exports, tree
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries
from jiceng.people.models import Person

from . import services, terms
from .forms import (CandidateForm, CloseForm, DecideForm, ElectionForm, FilingForm, HeldForm, NamingForm, PairingForm,
                    ReviewForm, StationForm, WorkLogForm)
from .models import VILLAGE_KINDS, Candidate, Election, Filing, Naming, Pairing, Station


def _people(user, village=None):
    """People the user may see; for a village's own posts, those belonging to or living in it."""
    people = scope(user, Person.objects.all())
    if village is not None:
        people = people.filter(tree.subtree_q(village.path, "membership__org__path")
                               | tree.subtree_q(village.path, "residence__path")).distinct()
    return people.order_by("name_pinyin")


def _context(request, org, title):
    return {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "title": title, "submit": "保存"}


def _village(request, org_id):
    org = org_queries.get(request.user, org_id)
    if org.kind not in VILLAGE_KINDS:
        raise DomainError("not_village", "只有村才有换届、备案和驻村记录")
    return org


@login_required
def overview(request, org_id):
    """A village's cadres; above a village, the filings waiting for the county and stations now."""
    org = org_queries.get(request.user, org_id)
    today = timezone.localdate()
    context = {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "today": today,
               "can_change": can(request.user, CHANGE, org)}
    if org.kind in VILLAGE_KINDS:
        elections = list(scope(request.user, Election.objects.filter(village=org)).prefetch_related(
            "candidates__person", "candidates__reviews"))
        for election in elections:
            election.rows = [(c, *services.review_state(c)[1:]) for c in election.candidates.all()]
        county = services.county_of(org)
        context.update(
            village=True, elections=elections,
            term=terms.of_village(org, today, scope(request.user, Election.objects.all())),
            namings=scope(request.user, Naming.objects.filter(village=org, closed_on__isnull=True)),
            can_decide=county is not None and can(request.user, CHANGE, county),
            filings=scope(request.user, Filing.objects.filter(village=org)).select_related("person")[:10],
            stations=scope(request.user, Station.objects.filter(village=org)).select_related("person")[:20])
    else:
        context.update(
            village=False,
            pending=scope(request.user, Filing.objects.filter(tree.subtree_q(org.path, "village__path"),
                                                              status=Filing.SUBMITTED))
            .select_related("village", "person").order_by("submitted_on")[:100],
            stations=scope(request.user, Station.objects.filter(tree.subtree_q(org.path, "village__path"),
                                                                start__lte=today, end__gte=today))
            .select_related("village", "person").order_by("village__path")[:100])
    return render(request, "cadres/overview.html", context)


def _back(org):
    return lambda _: reverse("cadres:overview", args=[org.pk])


def _village_form(request, org_id, form_class, title, call, message, **form_kwargs):
    try:
        org = _village(request, org_id)
    except DomainError as exc:
        messages.info(request, exc.message)
        return redirect("cadres:overview", org_id=org_id)
    form = form_class(request.POST or None, **{k: v(org) for k, v in form_kwargs.items()},
                      initial={"on": timezone.localdate()})
    return form_page(request, form, "orgs/form.html", _context(request, org, title),
                     lambda data: call(org, data), message, _back(org))


@login_required
def election_new(request, org_id):
    return _village_form(request, org_id, ElectionForm, "安排换届选举",
                         lambda org, d: services.schedule_election(request.user, org, d["held_on"]),
                         lambda e: f"已安排 {e.held_on:%Y-%m-%d} 的换届选举")


@login_required
def held_new(request, org_id):
    return _village_form(
        request, org_id, HeldForm, "登记已举行的换届选举",
        lambda org, d: services.record_held(request.user, org, d["held_on"], d["result"], timezone.localdate(),
                                            d["election"]),
        lambda e: f"已登记 {e.held_on:%Y-%m-%d} 举行的换届选举，新一届任期自该日起算",
        elections=lambda org: scope(request.user, Election.objects.filter(village=org, held=False)))


@login_required
def candidate_new(request, org_id):
    return _village_form(
        request, org_id, CandidateForm, "登记候选人",
        lambda org, d: services.add_candidate(request.user, d["election"], d["person"], d["body"]),
        lambda c: f"已登记候选人 {c.person.name}，请各部门开展资格联审",
        elections=lambda org: scope(request.user, Election.objects.filter(village=org)),
        people=lambda org: _people(request.user, org))


@login_required
def filing_new(request, org_id):
    return _village_form(request, org_id, FilingForm, "村党组织书记报县委组织部备案",
                         lambda org, d: services.submit_filing(request.user, org, d["person"], d["on"]),
                         lambda f: f"已报备 {f.person.name}，等待县委组织部办理",
                         people=lambda org: _people(request.user, org))


@login_required
def station_new(request, org_id):
    return _village_form(
        request, org_id, StationForm, "选派第一书记或驻村工作队员",
        lambda org, d: services.station(request.user, org, d["person"], d["role"], d["sending_unit"], d["start"],
                                        d["end"]),
        lambda s: f"已登记 {s.person.name} 驻村", people=lambda org: _people(request.user))


@login_required
def candidate(request, candidate_id):
    c = get_object_or_404(scope(request.user, Candidate.objects.select_related("election__village", "person")),
                          pk=candidate_id)
    village = c.election.village
    departments = services.departments(village, c.election.held_on)
    form = ReviewForm(request.POST or None, departments=departments, initial={"on": timezone.localdate()})
    rows, missing, failing = services.review_state(c)
    context = {**_context(request, village, f"{c.person.name} 资格联审"), "c": c, "rows": rows, "missing": missing,
               "failing": failing, "can_change": can(request.user, CHANGE, village)}
    return form_page(request, form, "cadres/candidate.html", context,
                     lambda d: services.record_review(request.user, c, d["department"], d["passed"], d["reason"],
                                                      d["on"]),
                     lambda r: "已记录审查意见", lambda r: reverse("cadres:candidate", args=[c.pk]))


@login_required
@require_POST
def candidate_enter(request, candidate_id):
    c = get_object_or_404(scope(request.user, Candidate.objects.select_related("election__village", "person")),
                          pk=candidate_id)
    try:
        services.enter_election(request.user, c, timezone.localdate())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{c.person.name} 资格联审全部通过，准予参选")
    return redirect("cadres:candidate", candidate_id=c.pk)


@login_required
def filing_decide(request, filing_id):
    f = get_object_or_404(scope(request.user, Filing.objects.select_related("village", "person")), pk=filing_id)
    form = DecideForm(request.POST or None, initial={"on": timezone.localdate()})
    context = {**_context(request, f.village, f"办理备案：{f.village.name} {f.person.name}"), "submit": "办理",
               "note": f"报备日期 {f.submitted_on:%Y-%m-%d}，状态：{f.get_status_display()}"}
    return form_page(request, form, "orgs/form.html", context,
                     lambda d: services.decide_filing(request.user, f, d["approve"], d["reason"], d["on"]),
                     lambda r: f"备案{r.get_status_display()}", _back(f.village))


@login_required
def station_page(request, station_id):
    s = get_object_or_404(scope(request.user, Station.objects.select_related("village", "person")), pk=station_id)
    form = WorkLogForm(request.POST or None, initial={"on": timezone.localdate()})
    context = {**_context(request, s.village, str(s)), "s": s, "logs": s.logs.all()[:50],
               "can_change": can(request.user, CHANGE, s.village)}
    return form_page(request, form, "cadres/station.html", context,
                     lambda d: services.log_work(request.user, s, d["on"], d["text"]),
                     lambda log: "已记录工作日志", lambda log: reverse("cadres:station", args=[s.pk]))


# -- the term calendar (换届日历) -------------------------------------------------------

TERM_COLUMNS = [("name", "村"), ("last", "上次换届"), ("due", "任期届满"), ("state", "状态")]


def _term_state(t):
    """What the calendar's 状态 column says."""
    return {"overdue": f"已逾期 {t.days_over} 天", "due": f"{t.days_left} 天后届满", "unknown": "未记录换届"}.get(
        t.state, "任期内")


# The calendar's xlsx; the page keeps its own table (sortable headers, the parent beside the name).
TERMS = exports.Listing("cadres.terms", "换届日历", [
    exports.Column("村", lambda t: t.village.name, width=16),
    exports.Column("所属乡镇（街道）", lambda t: t.village.parent.name if t.village.parent else "", width=16),
    exports.Column("上次换届", lambda t: t.last_held, width=12),
    exports.Column("任期届满", lambda t: t.term_end, width=12),
    exports.Column("状态", _term_state, width=14),
])


def _not_village(request, org_id):
    org = org_queries.get(request.user, org_id)
    if org.kind in VILLAGE_KINDS:
        return org, redirect("cadres:overview", org_id=org.pk)
    return org, None


@login_required
def term_calendar(request, org_id):
    """Every village under the node with its last election, the term's end and its state."""
    org, away = _not_village(request, org_id)
    if away:
        return away
    today = timezone.localdate()
    rows = terms.calendar(org, today, scope(request.user, terms.villages_under(org)),
                          scope(request.user, Election.objects.all()))
    counts = Counter(t.state for t in rows)
    state = request.GET.get("state", "")
    if state in terms.STATES:
        rows = [t for t in rows if t.state == state]
    current = request.GET.get("sort", "state")
    if exports.wants_xlsx(request):
        return TERMS.xlsx(request, terms.sort(rows, current), org, on=today,
                          filters={"state": state, "sort": current})
    columns = [(label, key, "-" + key if current == key else key,
                "↑" if current == key else "↓" if current == "-" + key else "") for key, label in TERM_COLUMNS]
    context = {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "today": today,
               "page": Paginator(terms.sort(rows, current), 100).get_page(request.GET.get("page")),
               "columns": columns, "state": state,
               "states": [(key, label, counts[key]) for key, label in terms.STATES.items()],
               "warn_days": terms.warning_days(org, today)}
    return render(request, "cadres/terms.html", context)


# -- villages named for rectification and the four pairings (四个一) --------------------

def _pairing(kind):
    def value(n):
        p = n.found.get(kind)
        return f"{p.name}（{p.start:%Y-%m-%d}起）" if p else "缺"
    return value


# The rectification list's xlsx, one column per pairing of 四个一; the page keeps its own table
# (stacked on a phone).
NAMINGS = exports.Listing("cadres.rectification", "软弱涣散村整顿", [
    exports.Column("村", lambda n: n.village.name, width=16),
    exports.Column("所属乡镇（街道）", lambda n: n.village.parent.name if n.village.parent else "", width=16),
    exports.Column("认定年度", lambda n: n.year, width=10),
    exports.Column("认定原因", lambda n: n.reason, width=40),
    exports.Column("销号日期", lambda n: n.closed_on, width=12),
    *[exports.Column(label, _pairing(kind), width=24) for kind, label in Pairing.KINDS],
])


def _with_pairings(namings):
    for n in namings:
        n.found = {p.kind: p for p in n.pairings.all()}
        yield n


@login_required
def rectification(request, org_id):
    """Named villages under the node with the pairings each still lacks: open ones, or one year's."""
    org, away = _not_village(request, org_id)
    if away:
        return away
    namings = (scope(request.user, Naming.objects.filter(tree.subtree_q(org.path, "village__path")))
               .select_related("village__parent").prefetch_related("pairings"))
    year = request.GET.get("year", "")
    year = year if year.isdigit() and len(year) == 4 else ""
    namings = namings.filter(year=int(year)) if year else namings.filter(closed_on__isnull=True)
    namings = namings.order_by("village__path", "-year")
    if exports.wants_xlsx(request):
        return NAMINGS.xlsx(request, _with_pairings(namings.iterator(chunk_size=500)), org, filters={"year": year})
    rows, lacking = [], Counter()
    for n in _with_pairings(namings[:500]):
        cells = [(label, n.found.get(kind)) for kind, label in Pairing.KINDS]
        lacking.update(label for label, p in cells if p is None and not n.closed_on)
        rows.append((n, cells))
    context = {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org), "rows": rows, "year": year,
               "kinds": [label for _, label in Pairing.KINDS], "lacking": [(k, lacking[k]) for _, k in Pairing.KINDS],
               "can_change": can(request.user, CHANGE, org)}
    return render(request, "cadres/rectification.html", context)


@login_required
def naming_new(request, org_id):
    org = org_queries.get(request.user, org_id)
    today = timezone.localdate()
    county = org if org.kind == "county" else services.county_of(org)
    form = NamingForm(request.POST or None,
                      villages=scope(request.user, terms.villages_under(org)).select_related("parent")
                      .order_by("path"),
                      initial={"year": today.year, "named_on": today,
                               "named_by": f"{county.name}委组织部" if county else "", "village": org.pk})
    return form_page(request, form, "orgs/form.html",
                     {**_context(request, org, "认定软弱涣散村"), "submit": "认定",
                      "note": "认定后在整顿名单中逐项落实“四个一”：县级领导包联、乡镇领导包村、第一书记、结对帮扶单位。"},
                     lambda d: services.name_village(request.user, d["village"], d["year"], d["named_on"],
                                                     d["reason"], d["named_by"]),
                     lambda n: f"已认定 {n.village.name} 为{n.year}年软弱涣散村，请落实“四个一”",
                     lambda n: reverse("cadres:naming", args=[n.pk]))


def _naming(request, naming_id):
    return get_object_or_404(scope(request.user, Naming.objects.select_related("village__parent")), pk=naming_id)


@login_required
def naming(request, naming_id):
    """One named village: its four pairings, and a form to fill the one missing or changed."""
    n = _naming(request, naming_id)
    village = n.village
    county = services.county_of(village)
    found = {p.kind: p for p in n.pairings.select_related("station__person", "org")}
    stations = scope(request.user, Station.objects.filter(village=village, role=Station.FIRST_SECRETARY)) \
        .select_related("person")
    agencies = org_queries.visible(request.user).filter(
        tree.subtree_q((county or village).path), kind__in=("department", "unit")).order_by("path")
    missing = next((kind for kind, _ in Pairing.KINDS if kind not in found), "")
    form = PairingForm(request.POST or None, stations=stations, orgs=agencies,
                       initial={"kind": missing, "start": timezone.localdate()})
    context = {**_context(request, village, f"{village.name} · {n.year}年软弱涣散村整顿"), "n": n,
               "cells": [(kind, label, found.get(kind)) for kind, label in Pairing.KINDS],
               "can_change": can(request.user, CHANGE, village) and not n.closed_on,
               "can_close": not n.closed_on and county is not None and can(request.user, CHANGE, county)}
    return form_page(request, form, "cadres/naming.html", context,
                     lambda d: services.pair(request.user, n, d["kind"], d["start"], d["name"], d["station"],
                                             d["org"]),
                     lambda p: f"已落实{p.get_kind_display()}：{p.name}", lambda p: reverse("cadres:naming", args=[n.pk]))


@login_required
def naming_close(request, naming_id):
    n = _naming(request, naming_id)
    form = CloseForm(request.POST or None, initial={"on": timezone.localdate()})
    context = {**_context(request, n.village, f"整顿销号：{n.village.name}（{n.year}年）"), "submit": "销号",
               "note": f"认定于 {n.named_on:%Y-%m-%d}：{n.reason}"}
    return form_page(request, form, "orgs/form.html", context,
                     lambda d: services.close_naming(request.user, n, d["on"]),
                     lambda r: f"{r.village.name} 已整顿销号", lambda r: reverse("cadres:naming", args=[n.pk]))

"""Pages for township and county staff: a village's elections and joint review, the
secretary's filing, first secretaries and work teams; above a village, filings to decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import tree
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries
from jiceng.people.models import Person

from . import services
from .forms import CandidateForm, DecideForm, ElectionForm, FilingForm, ReviewForm, StationForm, WorkLogForm
from .models import VILLAGE_KINDS, Candidate, Election, Filing, Station


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
            village=True, elections=elections, can_decide=county is not None and can(request.user, CHANGE, county),
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

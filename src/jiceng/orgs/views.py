from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can
from jiceng.people import queries as people_queries
from jiceng.people.choices import STATUSES

from . import checks, figures, queries, rollups, services
from .forms import OrganizationForm


@login_required
def detail(request, org_id):
    org = queries.get(request.user, org_id)
    children = list(queries.children(request.user, org)[:200])
    child_counts = rollups.counts_for(children)
    counts = rollups.counts(org)
    return render(request, "orgs/detail.html", {
        "org": org,
        "crumbs": queries.breadcrumbs(request.user, org),
        "posts": queries.current_posts(org),
        "children": [(c, figures.tables(child_counts.get(c.pk, {}))) for c in children],
        "figures": figures.tables(counts),
        "problems": checks.problems_of(org),
        "can_change": can(request.user, CHANGE, org),
    })


@login_required
def members(request, org_id):
    org = queries.get(request.user, org_id)
    rows = people_queries.members_of(request.user, org).order_by("org__path", "person__name_pinyin")
    status = request.GET.get("status", "")
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "orgs/members.html", {"org": org, "page": page, "status": status,
                                                 "statuses": [s for s in STATUSES if s[0] != "left"],
                                                 "crumbs": queries.breadcrumbs(request.user, org)})


@login_required
def problems(request, org_id):
    org = queries.get(request.user, org_id)
    found = checks.problems_under(org, queries.visible(request.user))
    summary = Counter(p.code for p in found)
    code = request.GET.get("code", "")
    shown = [p for p in found if p.code == code] if code else found
    page = Paginator(shown, 100).get_page(request.GET.get("page"))
    return render(request, "orgs/problems.html", {
        "org": org, "page": page, "total": len(found), "code": code,
        "summary": [(c, checks.LABELS[c], n) for c, n in sorted(summary.items())],
        "crumbs": queries.breadcrumbs(request.user, org),
    })


@login_required
@require_http_methods(["GET", "POST"])
def create_child(request, org_id):
    parent = queries.get(request.user, org_id, action=CHANGE)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.create_org(request.user, parent=parent, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已创建“{child.name}”")
            return redirect("orgs:detail", org_id=child.pk)
    return render(request, "orgs/form.html", {"form": form, "org": parent,
                                              "crumbs": queries.breadcrumbs(request.user, parent)})

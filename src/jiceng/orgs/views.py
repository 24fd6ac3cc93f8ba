from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core.roles import CHANGE, MANAGE_GRANTS
from jiceng.core.scoping import can, scope
from jiceng.core import exports
from jiceng.core.web import CountedPaginator, form_page
from jiceng.people import queries as people_queries
from jiceng.people.choices import PARTY_MEMBER_STATUSES

from . import checks, figures, filters, listings, queries, rollups, services
from .forms import EndPostForm, MoveForm, OrganizationForm, PostForm
from .models import LeadershipPost


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
        "can_grant": can(request.user, MANAGE_GRANTS, org),
    })


def _filtered_page(request, org, form, template, listing, rows_of, per_page, extra):
    """A filtered list's page or, with ?format=xlsx, its whole xlsx; an invalid filter is
    answered with its message (400), never a 500."""
    crumbs = queries.breadcrumbs(request.user, org)
    context = {"org": org, "form": form, "crumbs": crumbs, **extra}
    if not form.is_valid():
        return render(request, template, {**context, "problems": form.problems(), "listing": listing,
                                          "listing_rows": []}, status=400)
    rows = rows_of(form)
    on = form.cleaned_data.get("on")
    if exports.wants_xlsx(request):
        return listing.xlsx(request, rows.iterator(chunk_size=2000), org, on=on, filters=form.given())
    counted = form.rollup_count(rollups.counts(org))
    paginator = (CountedPaginator(rows, per_page, counted) if counted is not None
                 else Paginator(rows, per_page))
    page = paginator.get_page(request.GET.get("page"))
    return render(request, template, {**context, "page": page, "on": on, **listing.context(request, page, org)})


@login_required
def members(request, org_id):
    org = queries.get(request.user, org_id)
    form = filters.MemberFilters(request.GET)
    return _filtered_page(request, org, form, "orgs/members.html", listings.MEMBERS,
                          lambda f: people_queries.members_filtered(request.user, org, **f.query()), 50,
                          {"party_only": form.is_valid() and form.cleaned_data["status"] != filters.PARTY
                           and form.statuses() == PARTY_MEMBER_STATUSES})


@login_required
def org_list(request, org_id):
    org = queries.get(request.user, org_id)
    return _filtered_page(request, org, filters.OrgFilters(request.GET), "orgs/list.html", listings.ORGS,
                          lambda f: queries.subtree_filtered(request.user, org, **f.given()), 50, {})


@login_required
def problems(request, org_id):
    org = queries.get(request.user, org_id)
    found = checks.problems_under(org, queries.visible(request.user))
    summary = Counter(p.code for p in found)
    code = request.GET.get("code", "")
    shown = [p for p in found if p.code == code] if code else found
    if exports.wants_xlsx(request):
        return listings.PROBLEMS.xlsx(request, shown, org, filters={"code": code})
    page = Paginator(shown, 100).get_page(request.GET.get("page"))
    return render(request, "orgs/problems.html", {
        "org": org, "page": page, "total": len(found), "code": code,
        "summary": [(c, checks.LABELS[c], n) for c, n in sorted(summary.items())],
        "crumbs": queries.breadcrumbs(request.user, org), **listings.PROBLEMS.context(request, page, org),
    })


@login_required
@require_http_methods(["GET", "POST"])
def create_child(request, org_id):
    parent = queries.get(request.user, org_id, action=CHANGE)
    return form_page(
        request, OrganizationForm(request.POST or None), "orgs/form.html",
        {"org": parent, "title": f"在“{parent.name}”下新建组织", "submit": "创建",
         "crumbs": queries.breadcrumbs(request.user, parent)},
        lambda data: services.create_org(request.user, parent=parent, **data),
        lambda child: f"已创建“{child.name}”", lambda child: reverse("orgs:detail", args=[child.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def move(request, org_id):
    org = queries.get(request.user, org_id, action=CHANGE)
    form = MoveForm(request.POST or None, user=request.user, org=org)
    return form_page(
        request, form, "orgs/form.html",
        {"org": org, "title": f"调整“{org.name}”的上级组织", "submit": "移动",
         "crumbs": queries.breadcrumbs(request.user, org)},
        lambda data: services.move_org(request.user, org, data["parent"]),
        lambda moved: f"已将“{moved.name}”及其全部下级移到新的上级组织下",
        lambda moved: reverse("orgs:detail", args=[moved.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def appoint(request, org_id):
    org = queries.get(request.user, org_id, action=CHANGE)
    form = PostForm(request.POST or None, people=people_queries.members_of(request.user, org)
                    .filter(org=org, status__in=PARTY_MEMBER_STATUSES),
                    initial={"term_start": timezone.localdate()})
    return form_page(
        request, form, "orgs/form.html",
        {"org": org, "title": f"任命“{org.name}”班子成员", "submit": "任命",
         "note": "任期届满日期按政策自动计算（村、社区党组织5年，其他3年）。",
         "crumbs": queries.breadcrumbs(request.user, org)},
        lambda data: services.appoint(request.user, org, data["membership"].person, data["title"], data["term_start"]),
        lambda post: f"已任命 {post.person.name} 为{post.get_title_display()}，任期至 {post.term_end:%Y-%m-%d}",
        lambda post: reverse("orgs:detail", args=[org.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def end_post(request, post_id):
    post = get_object_or_404(scope(request.user, LeadershipPost.objects.select_related("org", "person"), CHANGE),
                             pk=post_id)
    return form_page(
        request, EndPostForm(request.POST or None, initial={"ended_on": timezone.localdate()}), "orgs/form.html",
        {"org": post.org, "title": f"{post.person.name} 离任（{post.get_title_display()}）", "submit": "确认离任",
         "crumbs": queries.breadcrumbs(request.user, post.org)},
        lambda data: services.end_post(request.user, post, data["ended_on"]),
        lambda p: f"{p.person.name} 已离任", lambda p: reverse("orgs:detail", args=[p.org_id]),
    )

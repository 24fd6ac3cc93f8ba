from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core.roles import CHANGE, MANAGE_GRANTS
from jiceng.core.scoping import can, scope
from jiceng.core.web import form_page
from jiceng.people import queries as people_queries
from jiceng.people.choices import PARTY_MEMBER_STATUSES, STATUSES

from . import checks, figures, queries, rollups, services
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

"""授权管理: an org-department admin grants and revokes roles inside their own subtree."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import tree
from jiceng.orgs import queries as org_queries

from . import services
from .errors import DomainError
from .models import Grant
from .roles import MANAGE_GRANTS, ROLE_CHOICES
from .scoping import scope
from .web import form_page


class GrantForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)

    def clean_username(self):
        user = get_user_model().objects.filter(username=self.cleaned_data["username"].strip()).first()
        if user is None:
            raise forms.ValidationError("没有这个用户名的账号")
        return user


@login_required
@require_http_methods(["GET", "POST"])
def grants(request, org_id):
    org = org_queries.get(request.user, org_id, action=MANAGE_GRANTS)
    rows = (scope(request.user, Grant.objects.all(), MANAGE_GRANTS).filter(tree.subtree_q(org.path, "node__path"))
            .select_related("user", "node", "granted_by").order_by("node__path", "user__username"))
    return form_page(
        request, GrantForm(request.POST or None), "core/grants.html",
        {"org": org, "rows": rows, "crumbs": org_queries.breadcrumbs(request.user, org)},
        lambda data: services.grant_role(request.user, data["username"], org, data["role"]),
        lambda g: f"已授予 {g.user.username} “{g.get_role_display()}”角色",
        lambda g: reverse("grants", args=[org.pk]),
    )


@login_required
@require_POST
def revoke(request, grant_id):
    grant = get_object_or_404(scope(request.user, Grant.objects.select_related("user", "node"), MANAGE_GRANTS),
                              pk=grant_id)
    try:
        services.revoke_grant(request.user, grant)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销 {grant.user.username} 在“{grant.node.name}”的“{grant.get_role_display()}”角色")
    return redirect("grants", org_id=grant.node_id)



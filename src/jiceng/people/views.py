from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE, VIEW_SENSITIVE
from jiceng.core.scoping import can
from jiceng.orgs import queries as org_queries

from . import queries, services
from .forms import MemberForm


def _page(request, person, revealed_id=None):
    membership = getattr(person, "membership", None)
    nodes = [n for n in (membership.org if membership else None, person.residence) if n]
    return render(request, "people/detail.html", {
        "person": person,
        "membership": membership,
        "crumbs": org_queries.breadcrumbs(request.user, membership.org) if membership else [],
        "history": queries.history(request.user, person),
        "posts": person.posts.select_related("org").order_by("-term_start"),
        "revealed_id": revealed_id,
        "can_reveal": request.user.is_superuser or any(can(request.user, VIEW_SENSITIVE, n) for n in nodes),
    })


@login_required
def detail(request, person_id):
    return _page(request, queries.get(request.user, person_id))


@login_required
@require_POST
def reveal(request, person_id):
    person = queries.get(request.user, person_id)
    try:
        number = services.reveal_id_number(request.user, person)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people:detail", person_id=person.pk)
    return _page(request, person, revealed_id=number)


@login_required
@require_http_methods(["GET", "POST"])
def add_member(request, org_id):
    org = org_queries.get(request.user, org_id, action=CHANGE)
    form = MemberForm(request.POST or None, initial={"since": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        status, since = data.pop("status"), data.pop("since")
        try:
            membership = services.register_member(request.user, org=org, status=status, since=since, **data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已登记 {membership.person.name}")
            return redirect("people:detail", person_id=membership.person_id)
    return render(request, "people/form.html", {"form": form, "org": org,
                                                "crumbs": org_queries.breadcrumbs(request.user, org)})

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE, VIEW_SENSITIVE
from jiceng.core.scoping import can
from jiceng.core.web import form_page
from jiceng.orgs import queries as org_queries

from . import queries, services
from .card import card_pdf
from .forms import MemberForm, PersonForm, StatusForm


def _nodes(person):
    membership = getattr(person, "membership", None)
    return [n for n in (membership.org if membership else None, person.residence) if n]


def _can(user, action, person):
    return user.is_superuser or any(can(user, action, n) for n in _nodes(person))


def _page(request, person, revealed_id=None):
    membership = getattr(person, "membership", None)
    return render(request, "people/detail.html", {
        "person": person,
        "membership": membership,
        "crumbs": org_queries.breadcrumbs(request.user, membership.org) if membership else [],
        "history": queries.history(request.user, person),
        "posts": person.posts.select_related("org").order_by("-term_start"),
        "revealed_id": revealed_id,
        "can_reveal": _can(request.user, VIEW_SENSITIVE, person),
        "can_change": _can(request.user, CHANGE, person),
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
def card(request, person_id):
    """The record card as PDF; the full ID-card number only when asked for (?ids=full) by a
    role that may see it, audited as a reveal is. Every card printed is audited."""
    person = queries.get(request.user, person_id)
    id_number = person.id_number_masked
    if request.GET.get("ids") == "full" and _can(request.user, VIEW_SENSITIVE, person):
        id_number = services.reveal_id_number(request.user, person)
    title, content = card_pdf(request.user, person, id_number)
    services.record_card_printed(request.user, person, full_id=id_number != person.id_number_masked)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{title}.pdf")
    return response


def _person_page(person):
    return reverse("people:detail", args=[person.pk])


@login_required
@require_http_methods(["GET", "POST"])
def add_member(request, org_id):
    org = org_queries.get(request.user, org_id, action=CHANGE)

    def register(data):
        data = dict(data)
        return services.register_member(request.user, org=org, status=data.pop("status"), since=data.pop("since"),
                                        **data)

    return form_page(
        request, MemberForm(request.POST or None, initial={"since": timezone.localdate()}), "people/form.html",
        {"org": org, "title": f"在“{org.name}”登记", "submit": "登记", "note": "出生日期和性别由身份证号码自动得出。",
         "crumbs": org_queries.breadcrumbs(request.user, org)},
        register, lambda m: f"已登记 {m.person.name}", lambda m: _person_page(m.person),
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, person_id):
    person = queries.get(request.user, person_id, action=CHANGE)
    initial = {"name": person.name, "ethnicity": person.ethnicity, "education": person.education,
               "occupation": person.occupation}
    return form_page(
        request, PersonForm(request.POST or None, initial=initial), "people/form.html",
        {"title": f"修改 {person.name} 的信息", "submit": "保存",
         "note": "只填写需要修改的项；身份证号码、手机号码留空表示不变。"},
        lambda data: services.update_person(request.user, person, **{k: v for k, v in data.items() if v != ""}),
        lambda p: f"已保存 {p.name} 的信息", _person_page,
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_status(request, person_id):
    person = queries.get(request.user, person_id, action=CHANGE)
    membership = getattr(person, "membership", None)
    if membership is None:
        messages.error(request, f"{person.name} 没有党籍记录")
        return redirect("people:detail", person_id=person.pk)
    case = getattr(membership, "development_case", None)
    if case is not None and case.closed_on is None:
        # One door: the development steps check their order and dates, and keep the case's next step.
        messages.error(request, f"{person.name} 的发展党员档案在办，党籍状态随发展步骤变更，请在发展档案中办理")
        return redirect("development:record", person_id=person.pk)
    return form_page(
        request, StatusForm(request.POST or None, initial={"on": timezone.localdate()}), "people/form.html",
        {"title": f"变更 {person.name} 的党籍状态（现为{membership.get_status_display()}）", "submit": "确认变更",
         "crumbs": org_queries.breadcrumbs(request.user, membership.org)},
        lambda data: services.change_status(request.user, membership, **data),
        lambda m: f"{person.name} 现为{m.get_status_display()}", lambda m: _person_page(person),
    )

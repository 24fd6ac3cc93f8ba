"""Shared page plumbing: run a service from a valid form and put its DomainError on the form."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from .errors import DomainError


def form_page(request, form, template, context, call, success_message, success_url):
    """GET shows the form; a valid POST calls `call(cleaned_data)` (a service) and redirects.
    A refused change shows the service's message beside the field it names."""
    if request.method == "POST" and form.is_valid():
        try:
            result = call(form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, success_message(result))
            return redirect(success_url(result))
    return render(request, template, {**context, "form": form})


class CountedPaginator(Paginator):
    """A paginator given its count (from kept counters) instead of running COUNT(*) over a
    large subtree; `count` must be what the query would count."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # fills the cached_property

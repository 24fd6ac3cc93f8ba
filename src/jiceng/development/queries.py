"""Reads of development cases, always through core.scoping. The dashboard reads the next step
and its date kept on each case row: no rule is evaluated per person here."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from jiceng.core import tree
from jiceng.core.scoping import scope

from .models import Case, Document, Step


def cases(user, org, action="view"):
    """Cases of memberships held in `org`'s subtree, visible to the user."""
    return scope(user, Case.objects.all(), action).filter(tree.subtree_q(org.path, "membership__org__path"))


def open_cases(user, org):
    return cases(user, org).filter(due_on__isnull=False)


def overdue_q(today):
    return Q(deadline=True, due_on__lt=today)


def due(user, org, today, step="", overdue=False):
    """Open cases in the subtree, the earliest date first, optionally one next step or overdue only."""
    rows = open_cases(user, org)
    if step:
        rows = rows.filter(next_step=step)
    if overdue:
        rows = rows.filter(overdue_q(today))
    return rows.select_related("person", "membership__org").order_by("due_on", "id")


def summary(user, org, today):
    """{next_step: (open cases, overdue)} in the subtree: one grouped read."""
    rows = (open_cases(user, org).order_by().values("next_step")
            .annotate(n=Count("id"), late=Count("id", filter=overdue_q(today))))
    return {r["next_step"]: (r["n"], r["late"]) for r in rows}


def of_person(user, person, action="view"):
    return scope(user, Case.objects.filter(person=person), action).select_related("membership__org").first()


def timeline(case):
    return (Step.objects.filter(case=case).select_related("body", "recorded_by")
            .prefetch_related("people", "documents").order_by("on", "id"))


def document(user, pk):
    return get_object_or_404(scope(user, Document.objects.all()), pk=pk)

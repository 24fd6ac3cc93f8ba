"""The calendar of a development case: which step comes next and its earliest or latest day,
from the case's dates and the policy in force. Pure functions: the services store the result
on the case row, the record page shows it."""

import calendar
import datetime
from dataclasses import dataclass

from jiceng.core import policy

from .choices import STEP_LABELS


def add_months(day, months):
    """The same day `months` later; a day the month lacks falls back to its last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def value(key, on, region=""):
    return policy.get(f"development.{key}", on=on, region=region)


def source(key):
    return policy.policy(key if "." in key else f"development.{key}").source


@dataclass(frozen=True)
class Next:
    step: str
    earliest: datetime.date | None = None
    latest: datetime.date | None = None

    @property
    def label(self):
        return STEP_LABELS[self.step]

    @property
    def due_on(self):
        return self.latest or self.earliest


def candidate_from(case, region=""):
    return add_months(case.activist_on, value("activist_min_months", case.activist_on, region))


def review_due(case, region=""):
    since = case.last_review_on or case.activist_on
    return add_months(since, value("review_every_months", since, region))


def reviews_needed(case, on, region=""):
    """One review for every full review period between becoming an activist and `on`."""
    every = value("review_every_months", case.activist_on, region)
    n = 0
    while add_months(case.activist_on, every * (n + 1)) <= on:
        n += 1
    return n


def approval_limits(case, region=""):
    limits = value("approval_within_months", case.assembly_on, region)
    return add_months(case.assembly_on, limits["normal"]), add_months(case.assembly_on, limits["special"])


def next_step(case, region=""):
    """The step the branch should take next, or None when the case is closed."""
    if case.closed_on:
        return None
    if case.talk_on is None:
        return Next("talk", case.applied_on,
                    add_months(case.applied_on, value("talk_within_months", case.applied_on, region)))
    if case.activist_on is None:
        return Next("activist", case.talk_on)
    if case.candidate_on is None:
        eligible, review = candidate_from(case, region), review_due(case, region)
        return Next("review", None, review) if review <= eligible else Next("candidate", eligible)
    missing = [k for k in ("sponsors", "political_review", "training") if getattr(case, f"{k}_on") is None]
    if missing:
        return Next(missing[0], case.candidate_on)
    if case.assembly_on is None:
        return Next("assembly", max(case.candidate_on, case.sponsors_on, case.political_review_on, case.training_on))
    if case.approved_on is None:
        return Next("approval", case.assembly_on, approval_limits(case, region)[0])
    if case.oath_on is None:
        return Next("oath", case.approved_on)
    return Next("convert", case.probation_ends_on)


def set_next(case, region=""):
    """Write the next step and its date onto the case (not saved)."""
    nxt = next_step(case, region)
    case.next_step = nxt.step if nxt else ""
    case.due_on = nxt.due_on if nxt else None
    case.deadline = bool(nxt and nxt.latest)
    return nxt


def open_steps(case):
    """The steps that may be recorded now, in order (the services still check each date)."""
    if case.closed_on:
        return []
    if case.talk_on is None:
        return ["talk"]
    if case.activist_on is None:
        return ["activist"]
    if case.candidate_on is None:
        return ["review", "candidate"]
    if case.assembly_on is None:
        return [k for k in ("sponsors", "political_review", "training") if getattr(case, f"{k}_on") is None] \
            + ["assembly"]
    if case.approved_on is None:
        return ["approval"]
    return (["oath"] if case.oath_on is None else []) + ["convert", "extend", "cancel"]

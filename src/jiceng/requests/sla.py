"""Time limits of residents' requests (接诉即办), in Asia/Shanghai (settings.TIME_ZONE).

Two clocks start when a request is received (`received_at`, an aware datetime):

- respond_by = received_at + the category's `respond_hours`, in clock hours: nights,
  weekends and holidays count (a resident with no water on a holiday waits all the same).
- resolve_by = the end of the category's `resolve_workdays`-th working day after the day
  of receipt, i.e. local midnight at the start of the following day. The day of receipt
  itself never counts, whatever the hour and whether or not it is a working day:

  * received Monday 09:00 or Monday 23:59, 3 working days → Thursday 24:00 (Friday 00:00);
  * received on a Saturday (or a holiday), 1 working day → the end of Monday (of the first
    working day after the holiday);
  * received on a make-up working Saturday (调休上班日), 1 working day → the end of the next
    working day, as on any other working day;
  * 0 working days ("the same day", for emergencies) → the end of the day of receipt.

  Working days come from `jiceng.core.workdays` (chinesecalendar: statutory holidays and
  make-up workdays; for a year it does not know, weekends plus the `calendar` policy lists,
  with a `CalendarFallbackWarning`).

Lateness is measured against these instants: `overdue(deadline, now)` is true once `now`
is past the deadline; `working_days_late(resolve_by, now)` counts the working days any part
of which lies between the deadline and `now` (resolved at 10:00 on the first working day
after the deadline: 1; resolved on the weekend straight after it: 0, though overdue).
Local time is always settings.TIME_ZONE, whatever timezone a view has activated.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from jiceng.core import workdays

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime.datetime
    resolve_by: datetime.datetime


def _local(moment, name):
    if moment is None or timezone.is_naive(moment):
        raise ValueError(f"{name} must be an aware datetime, got {moment!r}")
    return timezone.localtime(moment, timezone.get_default_timezone())


def end_of_day(day):
    """Local midnight at the start of the day after `day` (an aware datetime)."""
    return datetime.datetime.combine(day + ONE_DAY, datetime.time(), tzinfo=timezone.get_default_timezone())


def respond_by(category, received_at):
    return _local(received_at, "received_at") + datetime.timedelta(hours=category.respond_hours)


def resolve_by(category, received_at):
    received = _local(received_at, "received_at")
    return end_of_day(workdays.add_workdays(received.date(), category.resolve_workdays))


def deadlines(category, received_at):
    """Both deadlines of a request of `category` received at `received_at`."""
    return Deadlines(respond_by(category, received_at), resolve_by(category, received_at))


def overdue(deadline, now=None):
    """True once `now` (default: the current time) is past `deadline`."""
    return (now or timezone.now()) > deadline


def elapsed_hours(start, end=None):
    """Clock hours from `start` to `end` (default: now), as a float; negative if end is earlier."""
    return ((end or timezone.now()) - start).total_seconds() / 3600


def working_days_late(resolve_by, now=None):
    """Working days any part of which lies between `resolve_by` and `now` (default: the
    current time); 0 when not late. For a deadline at midnight (as `resolve_by` always is),
    these are the working days begun after it."""
    now = now or timezone.now()
    if now <= resolve_by:
        return 0
    first = _local(resolve_by, "resolve_by").date()  # the day the deadline falls in (or starts)
    last = _local(now - datetime.timedelta(microseconds=1), "now").date()  # `now` at midnight: the day before
    return workdays.workdays_between(first - ONE_DAY, last)

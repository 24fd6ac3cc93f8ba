"""Working days in Asia/Shanghai: statutory holidays and make-up workdays from chinesecalendar.

For a year chinesecalendar does not know yet, weekends plus the policy's own lists
(`calendar.extra_holidays`, `calendar.extra_workdays`) decide, and a warning says so.
"""

import datetime
import logging
import warnings

import chinese_calendar

from . import policy

log = logging.getLogger(__name__)


class CalendarFallbackWarning(UserWarning):
    pass


def _fallback_is_workday(day):
    holidays = {datetime.date.fromisoformat(d) for d in policy.get("calendar.extra_holidays", on=day)}
    workdays = {datetime.date.fromisoformat(d) for d in policy.get("calendar.extra_workdays", on=day)}
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        warnings.warn(
            f"chinesecalendar does not know {day.year}; using weekends and the policy holiday list",
            CalendarFallbackWarning,
            stacklevel=2,
        )
        return _fallback_is_workday(day)


def add_workdays(start, n):
    """The date n working days after `start` (start itself not counted)."""
    day = start
    while n > 0:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def workdays_between(start, end):
    """Working days in (start, end]."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_workday(day)
    return count

"""Working days in Asia/Shanghai: statutory holidays and make-up workdays from chinesecalendar.

For a year chinesecalendar does not know yet, weekends plus the policy's own lists
(`calendar.extra_holidays`, `calendar.extra_workdays`) decide, and a warning says so.

chinesecalendar checks its year range on every call (about 20 µs a day), so the working
days of each year it knows are computed once per process and kept as a sorted tuple of
ordinals: `add_workdays` and `workdays_between` then bisect instead of walking day by day
(about 1 µs a call instead of hundreds). Years it does not know are never cached: they
depend on the policy files and must warn every time.
"""

import bisect
import datetime
import logging
import warnings
from functools import lru_cache

import chinese_calendar

from . import policy

log = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)


class CalendarFallbackWarning(UserWarning):
    pass


@lru_cache(maxsize=None)
def _known_year(year):
    """(sorted tuple of the ordinals of the year's working days, frozenset of them), or None
    when chinesecalendar does not know the year."""
    first = datetime.date(year, 1, 1)
    try:
        chinese_calendar.is_workday(first)
    except NotImplementedError:
        return None
    days = (first + datetime.timedelta(days=i) for i in range((datetime.date(year + 1, 1, 1) - first).days))
    ordinals = tuple(d.toordinal() for d in days if chinese_calendar.is_workday(d))
    return ordinals, frozenset(ordinals)


def _fallback_is_workday(day):
    holidays = {datetime.date.fromisoformat(d) for d in policy.get("calendar.extra_holidays", on=day)}
    workdays = {datetime.date.fromisoformat(d) for d in policy.get("calendar.extra_workdays", on=day)}
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def is_workday(day):
    known = _known_year(day.year)
    if known is not None:
        return day.toordinal() in known[1]
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
        following = day + ONE_DAY
        known = _known_year(following.year)
        if known is None:  # day by day, warning as it goes
            day = following
            if is_workday(day):
                n -= 1
            continue
        ordinals = known[0]
        i = bisect.bisect_left(ordinals, following.toordinal())
        left = len(ordinals) - i
        if n <= left:
            return datetime.date.fromordinal(ordinals[i + n - 1])
        n -= left
        day = datetime.date(following.year, 12, 31)
    return day


def workdays_between(start, end):
    """Working days in (start, end]."""
    count, day = 0, start
    while day < end:
        following = day + ONE_DAY
        known = _known_year(following.year)
        if known is None:
            day = following
            count += is_workday(day)
            continue
        stop = min(end, datetime.date(following.year, 12, 31))
        ordinals = known[0]
        count += bisect.bisect_right(ordinals, stop.toordinal()) - bisect.bisect_left(ordinals, following.toordinal())
        day = stop
    return count

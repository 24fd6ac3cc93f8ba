"""SLA deadlines of residents' requests: clock hours to respond, working days to resolve.

Expected dates are worked out by hand from chinesecalendar 1.11.0's data:
2025 National Day: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are make-up working days.
2026 Spring Festival: 02-15..02-23 off; Saturdays 02-14 and 02-28 are make-up working days.
"""

import datetime
import warnings
import zoneinfo

import pytest
from django.utils import timezone

from jiceng.core.workdays import CalendarFallbackWarning
from jiceng.requests import categories, sla
from jiceng.requests.categories import Category

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = datetime.timezone.utc


def at(y, m, d, hh=0, mm=0, ss=0):
    return datetime.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def cat(respond_hours=24, resolve_workdays=3):
    return Category("test", "测试", "测试", respond_hours, resolve_workdays, "grid", "", "")


@pytest.fixture(autouse=True)
def no_fallback_warnings_unless_expected():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarFallbackWarning)
        yield


def test_settings_are_asia_shanghai(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ


@pytest.mark.parametrize("received, workdays, resolve_by", [
    # Tuesday before the holiday: 10-09 (Thu), 10-10 (Fri), 10-11 (make-up Sat)
    (at(2025, 9, 30, 10), 3, at(2025, 10, 12)),
    (at(2025, 9, 30, 10), 5, at(2025, 10, 15)),       # … 10-13 (Mon), 10-14 (Tue)
    (at(2025, 9, 30, 10), 13, at(2025, 10, 25)),      # 10-9,10,11,13..17,20..24
    (at(2025, 10, 3, 15), 1, at(2025, 10, 10)),       # in the holiday: first working day 10-09
    (at(2025, 10, 8, 9), 1, at(2025, 10, 10)),        # last holiday day
    (at(2025, 9, 26, 22, 30), 1, at(2025, 9, 29)),    # Friday + 1 = the make-up Sunday 09-28
    (at(2025, 9, 26, 22, 30), 2, at(2025, 9, 30)),
    (at(2025, 9, 27, 11), 1, at(2025, 9, 29)),        # an ordinary Saturday: next working day is Sunday 09-28
    (at(2025, 9, 28, 11), 1, at(2025, 9, 30)),        # received on the make-up Sunday: it does not count itself
])
def test_national_day_2025(received, workdays, resolve_by):
    assert sla.resolve_by(cat(resolve_workdays=workdays), received) == resolve_by


@pytest.mark.parametrize("received, workdays, resolve_by", [
    (at(2026, 2, 13, 15), 1, at(2026, 2, 15)),        # Friday + 1 = make-up Saturday 02-14
    (at(2026, 2, 13, 15), 3, at(2026, 2, 26)),        # 02-14, 02-24, 02-25
    (at(2026, 2, 13, 15), 13, at(2026, 3, 11)),       # 2-14, 2-24..28, 3-2..6, 3-9, 3-10
    (at(2026, 2, 14, 9), 1, at(2026, 2, 25)),         # received on the make-up Saturday
    (at(2026, 2, 20, 9), 5, at(2026, 3, 1)),          # holiday Friday: 2-24..27 and make-up 2-28
    (at(2026, 2, 23, 23, 59), 1, at(2026, 2, 25)),    # last holiday day, late at night
])
def test_spring_festival_2026(received, workdays, resolve_by):
    assert sla.resolve_by(cat(resolve_workdays=workdays), received) == resolve_by


def test_received_on_a_make_up_saturday_late_at_night():
    received = at(2025, 10, 11, 23, 50)  # a working Saturday, ten minutes before midnight
    d = sla.deadlines(cat(respond_hours=2, resolve_workdays=1), received)
    assert d.respond_by == at(2025, 10, 12, 1, 50)   # clock hours run through the night and the Sunday
    assert d.resolve_by == at(2025, 10, 14)          # the day of receipt does not count: Monday 10-13 is day 1
    assert sla.resolve_by(cat(resolve_workdays=0), received) == at(2025, 10, 12)  # "the same day"


def test_late_at_night_before_and_after_midnight():
    before = at(2025, 9, 30, 23, 59, 30)
    after = at(2025, 10, 1, 0, 0, 30)
    c = cat(respond_hours=1, resolve_workdays=1)
    assert sla.deadlines(c, before) == sla.Deadlines(at(2025, 10, 1, 0, 59, 30), at(2025, 10, 10))
    assert sla.deadlines(c, after) == sla.Deadlines(at(2025, 10, 1, 1, 0, 30), at(2025, 10, 10))
    # an ordinary working week: 23:59 on Monday and 00:01 on Tuesday differ by a whole day
    assert sla.resolve_by(c, at(2025, 6, 9, 23, 59)) == at(2025, 6, 11)
    assert sla.resolve_by(c, at(2025, 6, 10, 0, 1)) == at(2025, 6, 12)


def test_the_local_day_decides_not_the_utc_day():
    # 2025-10-10 16:30 UTC is 00:30 on the make-up Saturday 10-11 in Shanghai
    received = datetime.datetime(2025, 10, 10, 16, 30, tzinfo=UTC)
    assert sla.resolve_by(cat(resolve_workdays=1), received) == at(2025, 10, 14)
    # a view that activated another timezone changes nothing
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        d = sla.deadlines(cat(respond_hours=3, resolve_workdays=1), received)
    assert d.resolve_by == at(2025, 10, 14) and d.resolve_by.utcoffset() == datetime.timedelta(hours=8)
    assert d.respond_by == at(2025, 10, 11, 3, 30)


def test_respond_by_exact_to_the_minute():
    assert sla.respond_by(cat(respond_hours=1.5), at(2025, 6, 10, 8, 17)) == at(2025, 6, 10, 9, 47)
    assert sla.respond_by(cat(respond_hours=24), at(2026, 2, 14, 18, 5)) == at(2026, 2, 15, 18, 5)  # into the holiday
    assert sla.respond_by(cat(respond_hours=0.5), at(2025, 12, 31, 23, 45)) == at(2026, 1, 1, 0, 15)
    got = sla.respond_by(cat(respond_hours=2), datetime.datetime(2025, 6, 10, 0, 17, tzinfo=UTC))
    assert got == at(2025, 6, 10, 10, 17) and got.tzinfo is not None


def test_shipped_category_deadlines():
    # shipped: utilities 2 hours / 1 working day; property_management 24 hours / 13 working days
    received = at(2025, 9, 30, 20, 5)
    utilities = categories.get("utilities", on=received.date())
    assert sla.deadlines(utilities, received) == sla.Deadlines(at(2025, 9, 30, 22, 5), at(2025, 10, 10))
    property_management = categories.get("property_management", on=received.date())
    assert sla.deadlines(property_management, received) == sla.Deadlines(at(2025, 10, 1, 20, 5), at(2025, 10, 25))


def test_unknown_year_falls_back_with_a_warning():
    # chinesecalendar 1.11.0 does not know 2027: weekends only (the shipped calendar policy lists none)
    received = at(2027, 3, 1, 9)  # a Monday
    with pytest.warns(CalendarFallbackWarning, match="2027"):
        assert sla.resolve_by(cat(resolve_workdays=3), received) == at(2027, 3, 5)
    with pytest.warns(CalendarFallbackWarning):
        assert sla.resolve_by(cat(resolve_workdays=5), at(2027, 3, 5, 9)) == at(2027, 3, 13)  # Fri → next Fri
    with pytest.warns(CalendarFallbackWarning):
        # crossing from a known year: 12-31 (Thu) → 2027-01-01 (Fri, counted), 01-04 (Mon)
        assert sla.resolve_by(cat(resolve_workdays=2), at(2026, 12, 31, 9)) == at(2027, 1, 5)
    # respond_by needs no calendar, so no warning (the autouse filter would raise it)
    assert sla.respond_by(cat(respond_hours=2), received) == at(2027, 3, 1, 11)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        sla.deadlines(cat(), datetime.datetime(2025, 6, 10, 9))


def test_overdue_and_elapsed_hours():
    deadline = at(2025, 10, 10)
    assert not sla.overdue(deadline, at(2025, 10, 9, 23, 59, 59))
    assert not sla.overdue(deadline, deadline)
    assert sla.overdue(deadline, deadline + datetime.timedelta(seconds=1))
    assert sla.overdue(at(2000, 1, 1))  # against the current time
    assert sla.elapsed_hours(at(2025, 10, 9, 8), at(2025, 10, 9, 9, 30)) == 1.5
    assert sla.elapsed_hours(at(2025, 10, 9, 8), datetime.datetime(2025, 10, 9, 0, 30, tzinfo=UTC)) == 0.5
    assert sla.elapsed_hours(at(2025, 10, 9, 9), at(2025, 10, 9, 8)) == -1
    assert sla.elapsed_hours(timezone.now() - datetime.timedelta(hours=2)) == pytest.approx(2, abs=0.01)


@pytest.mark.parametrize("resolve_by, now, late", [
    (at(2025, 9, 30), at(2025, 9, 29, 12), 0),            # not yet due
    (at(2025, 9, 30), at(2025, 9, 30), 0),                # exactly at the deadline
    (at(2025, 9, 30), at(2025, 9, 30, 0, 0, 1), 1),       # a second into the next working day
    (at(2025, 9, 30), at(2025, 10, 4, 12), 1),            # 09-30, then the holiday
    (at(2025, 9, 30), at(2025, 10, 9, 10), 2),            # 09-30 and 10-09
    (at(2025, 9, 30), at(2025, 10, 10), 2),               # midnight: 10-10 has not begun
    (at(2025, 10, 11), at(2025, 10, 11, 8), 1),           # the make-up Saturday counts
    (at(2025, 10, 11), at(2025, 10, 12, 12), 1),
    (at(2025, 10, 11), at(2025, 10, 18, 12), 6),          # 10-11, 10-13..17
    (at(2025, 6, 7), at(2025, 6, 8, 15), 0),              # overdue over the weekend, but no working day lost
    (at(2026, 2, 14), at(2026, 3, 1), 6),                 # 2-14 (make-up), 2-24..27, 2-28 (make-up)
])
def test_working_days_late(resolve_by, now, late):
    assert sla.working_days_late(resolve_by, now) == late


def test_working_days_late_with_a_deadline_inside_a_day():
    # a summons due at 15:00 on Tuesday: Tuesday is partly late, so it counts
    assert sla.working_days_late(at(2025, 6, 10, 15), at(2025, 6, 11, 10)) == 2
    assert sla.working_days_late(at(2025, 6, 10, 15), at(2025, 6, 10, 16)) == 1

"""Working days from chinesecalendar, and the policy fallback for years it does not know."""

import datetime
import textwrap
import warnings

import chinese_calendar
import pytest
from django.conf import settings as django_settings

from jiceng.core import policy, workdays
from jiceng.core.workdays import CalendarFallbackWarning, add_workdays, is_workday, workdays_between

D = datetime.date


@pytest.fixture(autouse=True)
def no_fallback_warnings_unless_expected():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarFallbackWarning)
        yield


def test_national_day_2025():
    # 2025-10-01..08 off; Sunday 2025-09-28 and Saturday 2025-10-11 are make-up working days
    assert [is_workday(D(2025, 10, d)) for d in range(1, 9)] == [False] * 8
    assert is_workday(D(2025, 9, 28)) and is_workday(D(2025, 10, 11))
    assert add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_workdays(D(2025, 9, 30), 2) == D(2025, 10, 10)
    assert add_workdays(D(2025, 9, 30), 3) == D(2025, 10, 11)  # a Saturday, but a working one
    assert add_workdays(D(2025, 9, 30), 4) == D(2025, 10, 13)
    assert add_workdays(D(2025, 9, 26), 1) == D(2025, 9, 28)  # Friday + 1 = the make-up Sunday
    assert workdays_between(D(2025, 9, 30), D(2025, 10, 12)) == 3
    assert workdays_between(D(2025, 9, 27), D(2025, 10, 12)) == 6  # 9-28, 9-29, 9-30, 10-9, 10-10, 10-11


def test_spring_festival_2026():
    # 2026-02-15..23 off; Saturdays 2026-02-14 and 2026-02-28 are make-up working days
    assert not any(is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert is_workday(D(2026, 2, 14)) and is_workday(D(2026, 2, 28))
    assert add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert add_workdays(D(2026, 2, 12), 5) == D(2026, 2, 26)
    assert workdays_between(D(2026, 2, 13), D(2026, 3, 1)) == 6  # 2-14, 2-24..27, 2-28


def test_ordinary_weeks_and_edges():
    assert add_workdays(D(2025, 6, 6), 1) == D(2025, 6, 9)  # Friday → Monday
    assert add_workdays(D(2025, 6, 9), 0) == D(2025, 6, 9)
    assert add_workdays(D(2025, 6, 7), 5) == D(2025, 6, 13)
    assert workdays_between(D(2025, 6, 9), D(2025, 6, 9)) == 0
    assert workdays_between(D(2025, 6, 8), D(2025, 6, 15)) == 5
    assert workdays_between(D(2025, 6, 15), D(2025, 6, 8)) == 0  # end before start


def test_workdays_between_and_add_workdays_agree():
    start = D(2025, 9, 20)
    for n in range(0, 30):
        assert workdays_between(start, add_workdays(start, n)) == n


def test_chinese_calendar_does_not_know_2099():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2099, 1, 1))


@pytest.fixture
def policy_2099(tmp_path, settings):
    (tmp_path / "calendar.toml").write_text(textwrap.dedent("""
        [extra_holidays]
        [[extra_holidays.values]]
        from = 2099-01-01
        value = ["2099-01-01", "2099-01-02"]
        [extra_workdays]
        [[extra_workdays.values]]
        from = 2099-01-01
        value = ["2099-01-10"]
    """), encoding="utf-8")
    settings.JICENG_POLICY_DIRS = [django_settings.BASE_DIR / "policies", tmp_path]
    policy.registry.cache_clear()
    yield
    policy.registry.cache_clear()


def test_unknown_year_falls_back_to_weekends_and_policy_lists(policy_2099):
    # 2099-01-01 is a Thursday; 2099-01-10 a Saturday
    assert D(2099, 1, 1).weekday() == 3 and D(2099, 1, 10).weekday() == 5
    with pytest.warns(CalendarFallbackWarning, match="2099"):
        assert not is_workday(D(2099, 1, 1))   # policy holiday
    with pytest.warns(CalendarFallbackWarning):
        assert not is_workday(D(2099, 1, 3))   # Saturday
    with pytest.warns(CalendarFallbackWarning):
        assert is_workday(D(2099, 1, 10))      # make-up Saturday from the policy
    with pytest.warns(CalendarFallbackWarning):
        assert is_workday(D(2099, 1, 5))       # plain Monday
    with pytest.warns(CalendarFallbackWarning):
        # 12-31 (Thu) + 1: 1-1 and 1-2 off, 1-3 and 1-4 weekend → Monday 1-5
        assert add_workdays(D(2098, 12, 31), 1) == D(2099, 1, 5)
    with pytest.warns(CalendarFallbackWarning):
        # 1-5..1-9, the make-up 1-10, then 1-12
        assert add_workdays(D(2099, 1, 4), 7) == D(2099, 1, 12)
    with pytest.warns(CalendarFallbackWarning):
        assert workdays_between(D(2098, 12, 31), D(2099, 1, 11)) == 6


def test_unknown_year_with_built_in_policy_is_weekends_only():
    with pytest.warns(CalendarFallbackWarning):
        assert is_workday(D(2099, 1, 1))  # no holiday listed for 2099 in the shipped policy
    with pytest.warns(CalendarFallbackWarning):
        assert not is_workday(D(2099, 1, 3))


def test_known_year_does_not_warn():
    assert workdays.is_workday(D(2026, 11, 30)) is True  # the autouse filter turns a warning into an error


def _slow_add(start, n, last):
    """Day by day through chinesecalendar; None past `last`."""
    day = start
    while n > 0:
        day += datetime.timedelta(days=1)
        if day > last:
            return None
        n -= chinese_calendar.is_workday(day)
    return day


def test_cached_years_agree_with_chinese_calendar_day_by_day():
    """The per-year cache (bisect over ordinals) gives what walking chinesecalendar gives,
    over year ends, every holiday and every make-up day of the years it knows."""
    first, last = D(2004, 1, 1), D(2026, 12, 31)
    day = first
    while day <= last:
        assert is_workday(day) is chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)
    for start in [D(2004, 1, 1), D(2011, 12, 30), D(2019, 12, 31), D(2024, 12, 28), D(2025, 9, 27),
                  D(2025, 12, 31), D(2026, 2, 13)]:
        for n in (0, 1, 2, 5, 13, 30, 260, 600):
            if (expected := _slow_add(start, n, last)) is None:
                continue
            assert add_workdays(start, n) == expected, (start, n)
            assert workdays_between(start, expected) == n
    assert workdays_between(D(2019, 12, 31), D(2025, 12, 31)) == sum(
        chinese_calendar.is_workday(D(2020, 1, 1) + datetime.timedelta(days=i)) for i in range(2192))


def test_crossing_into_an_unknown_year_warns_and_counts_weekends():
    # 2026-12-31 is a Thursday; 2027 is not in chinesecalendar: 2027-01-01 (Fri) counts as a
    # working day under the shipped (empty) fallback lists, then Monday 2027-01-04
    with pytest.warns(CalendarFallbackWarning, match="2027"):
        assert add_workdays(D(2026, 12, 31), 2) == D(2027, 1, 4)
    with pytest.warns(CalendarFallbackWarning):
        assert workdays_between(D(2026, 12, 30), D(2027, 1, 4)) == 3  # 12-31, 1-1, 1-4

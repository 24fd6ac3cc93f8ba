"""Periods that meeting rules are counted in: month "2026-03", quarter "2026-Q1", year "2026"."""

import datetime


def period_of(day, per):
    if per == "month":
        return f"{day.year}-{day.month:02d}"
    if per == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if per == "year":
        return str(day.year)
    raise ValueError(f"unknown period {per!r}")


def bounds(key):
    """(first day, first day after) of a period key."""
    if "-Q" in key:
        year, q = key.split("-Q")
        start = datetime.date(int(year), 3 * int(q) - 2, 1)
        months = 3
    elif "-" in key:
        year, month = key.split("-")
        start, months = datetime.date(int(year), int(month), 1), 1
    else:
        start, months = datetime.date(int(key), 1, 1), 12
    end_month = start.month - 1 + months
    return start, datetime.date(start.year + end_month // 12, end_month % 12 + 1, 1)


def periods_of_year(year, per, until=None):
    """The period keys of `year` that have started by `until`."""
    step = {"month": 1, "quarter": 3, "year": 12}[per]
    keys = [period_of(datetime.date(year, m, 1), per) for m in range(1, 13, step)]
    return [k for k in keys if until is None or bounds(k)[0] <= until]


def label(key):
    if "-Q" in key:
        year, q = key.split("-Q")
        return f"{year}年第{q}季度"
    if "-" in key:
        year, month = key.split("-")
        return f"{year}年{int(month)}月"
    return f"{key}年"

"""Months as dates (the first day): parsing, stepping and bounds."""

import calendar
import datetime


def first(day):
    return day.replace(day=1)


def add(month, n):
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def last_day(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def between(a, b):
    """Months from a to b, both included."""
    return (b.year - a.year) * 12 + b.month - a.month + 1


def parse(text, default=None):
    """'2026-03' (or a date's first seven characters) → date(2026, 3, 1); `default` when unreadable."""
    try:
        return datetime.date(int(text[:4]), int(text[5:7]), 1)
    except (TypeError, ValueError, IndexError):
        return default


def label(month):
    return f"{month.year}年{month.month}月"

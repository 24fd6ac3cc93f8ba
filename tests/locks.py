"""Helpers for tests that prove a service waits on a row lock (PostgreSQL only)."""

import time

from django.db import connection


def lock_waiters():
    """Sessions of the test database now waiting on a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def wait_for_lock_waiters(n, seconds=30):
    """Block until `n` sessions wait on a lock (or time runs out); True when they do."""
    deadline = time.monotonic() + seconds
    while lock_waiters() < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return lock_waiters() == n

"""One idempotency key (per channel) makes one request, also when the same submission arrives
several times at once, each on its own database connection."""

import os
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, connections, transaction

from jiceng.core import audit
from jiceng.core.models import AuditEvent, AuditHead
from jiceng.requests import choices, figures, services
from jiceng.requests.models import Event, Request

pytestmark = pytest.mark.django_db(transaction=True)
SUBMITTERS = 6


def submit(city, key, channel=choices.WEB):
    lon, lat = city.points["甲一"]
    return services.submit(channel, category="city_appearance", description="路灯不亮已经一周了",
                           phone="13812345678", lon=lon, lat=lat, idempotency_key=key)


def test_a_repeated_key_returns_the_first_request(city):
    first, created = submit(city, "msg-1")
    again, created_again = submit(city, "msg-1")
    assert created and not created_again and again == first
    assert Request.objects.count() == 1


def test_the_same_key_from_two_channels_makes_two_requests(city):
    web, _ = submit(city, "42")
    wechat, _ = submit(city, "42", choices.WECHAT)
    assert web != wechat
    assert sorted(Request.objects.values_list("idempotency_key", flat=True)) == ["web:42", "wechat:42"]


def _waiting_on_locks():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees its first snapshot
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def _database_url():
    d = connection.settings_dict
    return f"postgres://{d['USER']}@{d['HOST']}:{d['PORT'] or 5432}/{d['NAME']}"


# One submission from a process of its own, as from one of several gunicorn workers (threads of
# one process are stored one batch after another by the group commit, and meet in Python).
SUBMITTER = """
import django, sys
django.setup()
from jiceng.requests import services
request, created = services.submit("web", category="city_appearance", description="路灯不亮已经一周了",
                                   phone="13812345678", lon=float(sys.argv[1]), lat=float(sys.argv[2]),
                                   idempotency_key="burst-1")
print(request.pk, created)
"""


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite takes one write lock per database (BEGIN IMMEDIATE), so submissions "
                           "cannot race there; the serial tests above cover the repeated key")
def test_concurrent_duplicates_from_several_processes_make_one_request(city):
    lon, lat = city.points["甲一"]
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "jiceng.settings"}
    # Hold every audit chain's head: the first submitter inserts its row and then waits here, so
    # every other one has passed the look-up by key and waits on the unique index, for sure.
    with transaction.atomic():
        assert len(AuditHead.objects.select_for_update()) == audit.CHAINS
        processes = [subprocess.Popen([sys.executable, "-c", SUBMITTER, str(lon), str(lat)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(SUBMITTERS)]
        deadline = time.monotonic() + 60
        while _waiting_on_locks() < SUBMITTERS and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _waiting_on_locks() == SUBMITTERS
    outputs = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _, err in outputs]
    results = [out.split() for out, _ in outputs]
    request = Request.objects.get()
    assert sorted(created for _, created in results) == ["False"] * (SUBMITTERS - 1) + ["True"]
    assert {int(pk) for pk, _ in results} == {request.pk} and request.idempotency_key == "web:burst-1"
    assert Event.objects.filter(kind="submitted").count() == 1
    assert AuditEvent.objects.filter(action="requests.submit").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the in-memory SQLite test database locks whole tables between threads")
def test_threads_submitting_at_once_are_stored_in_batches_with_one_outcome_each(city):
    """Distinct submissions from many threads of one process: however the group commit batched
    them, each gets its own request, with its events, figures and audit event."""
    lon, lat = city.points["甲一"]
    results, errors = [], []
    start = threading.Barrier(SUBMITTERS)

    def submitter(n):
        try:
            start.wait(timeout=30)
            results.append(services.submit(choices.WEB, category="city_appearance", description="路灯不亮已经一周了",
                                           phone="13812345678", lon=lon, lat=lat, idempotency_key=f"own-{n}"))
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submitter, args=(n,)) for n in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(created for _, created in results) == [True] * SUBMITTERS
    assert Request.objects.count() == SUBMITTERS == len({r.tracking_no for r, _ in results})
    assert Event.objects.filter(kind="submitted").count() == SUBMITTERS
    assert AuditEvent.objects.filter(action="requests.submit").count() == SUBMITTERS
    assert figures.check() == []
    assert audit.verify()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two writers at once (see above)")
def test_a_submission_inside_the_callers_transaction_is_stored_in_it_not_in_a_batch(city):
    """The WeChat door submits inside its own transaction: its request must commit or roll back
    with that transaction, not with a batch that another thread stores. Here another thread's
    batch is stuck (its key is being inserted by a third, open transaction); the submission
    inside the caller's transaction still goes through, on its own, and is gone when that
    transaction rolls back."""
    lon, lat = city.points["甲一"]
    holding, release, errors, batch = threading.Event(), threading.Event(), [], []

    def submit_as(key, category="city_appearance"):
        return services.submit(choices.WEB, category=category, description="路灯不亮已经一周了",
                               phone="13812345678", lon=lon, lat=lat, idempotency_key=key)

    def in_thread(work):
        def run():
            try:
                work()
            except Exception as error:  # reported by the main thread
                errors.append(error)
            finally:
                connections.close_all()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def hold_the_key():  # an open transaction that has inserted the key "other"
        with pytest.raises(RuntimeError), transaction.atomic():
            submit_as("other", "street_vending")
            holding.set()
            release.wait(timeout=15)
            raise RuntimeError("rolled back")

    holder = in_thread(hold_the_key)
    assert holding.wait(timeout=30)
    stuck = in_thread(lambda: batch.append(submit_as("other")))  # leads the group commit, waits on the key
    deadline = time.monotonic() + 30
    while _waiting_on_locks() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(RuntimeError), transaction.atomic():
        mine, created = submit_as("mine", "neighbour_dispute")
        assert holder.is_alive()  # stored while the batch was still stuck: not queued behind it
        assert created and Request.objects.filter(pk=mine.pk).exists()
        raise RuntimeError("the caller's transaction fails after the submission")
    release.set()
    holder.join(timeout=30)
    stuck.join(timeout=30)
    assert not errors and batch[0][1]
    assert list(Request.objects.values_list("idempotency_key", flat=True)) == ["web:other"]

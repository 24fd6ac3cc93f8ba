"""One idempotency key (per channel) makes one request, also when the same submission arrives
several times at once, each on its own database connection."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from jiceng.core import audit
from jiceng.core.models import AuditEvent, AuditHead
from jiceng.requests import choices, services
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


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite takes one write lock per database (BEGIN IMMEDIATE), so submissions "
                           "cannot race there; the serial tests above cover the repeated key")
def test_concurrent_duplicates_make_one_request(city):
    start = threading.Barrier(SUBMITTERS + 1)
    results, errors = [], []

    def submitter():
        try:
            start.wait(timeout=30)
            results.append(submit(city, "burst-1"))
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submitter) for _ in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    # Hold every audit chain's head: the first submitter inserts its row and then waits here, so
    # every other one has passed the look-up by key and waits on the unique index, for sure.
    with transaction.atomic():
        assert len(AuditHead.objects.select_for_update()) == audit.CHAINS
        start.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _waiting_on_locks() < SUBMITTERS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_locks() == SUBMITTERS
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(results) == SUBMITTERS
    assert sorted(created for _, created in results) == [False] * (SUBMITTERS - 1) + [True]
    request = Request.objects.get()
    assert {r.pk for r, _ in results} == {request.pk} and request.idempotency_key == "web:burst-1"
    assert Event.objects.filter(kind="submitted").count() == 1
    assert AuditEvent.objects.filter(action="requests.submit").count() == 1

"""Two secretaries send the same member at the same moment, each on its own database connection:
one transfer is made, the other request is refused as in transit."""

import datetime
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from jiceng.core.errors import DomainError
from jiceng.people.models import Membership
from jiceng.transfers import services
from jiceng.transfers.models import Transfer

from tests import builders as b

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_on_locks():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite takes one write lock per database, so two sends cannot race there; "
                           "test_internal covers the refusal and the constraint")
def test_concurrent_double_send_makes_one_transfer(world):
    a = world.a
    m = a.members[2]
    other = b.org(world.b.community, "乙园社区第二党支部", "branch", "urban_community")
    second = b.user("secretary_甲2", "secretary", a.branch)
    start = threading.Barrier(3)
    made, refused, errors = [], [], []

    def sender(user_pk, destination):
        try:
            user = get_user_model().objects.get(pk=user_pk)
            start.wait(timeout=30)
            made.append(services.send(user, m, destination, datetime.date(2025, 9, 1)))
        except DomainError as error:
            refused.append(error)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender, args=(a.users["secretary"].pk, world.b.branch)),
               threading.Thread(target=sender, args=(second.pk, other))]
    for thread in threads:
        thread.start()
    # Hold the membership: both senders have started their transactions and wait on its lock.
    with transaction.atomic():
        Membership.objects.select_for_update().get(pk=m.pk)
        start.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _waiting_on_locks() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_locks() == 2
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(made) == 1 and [e.code for e in refused] == ["in_transit"]
    assert list(Transfer.objects.filter(membership=m).values_list("pk", flat=True)) == [made[0].pk]

"""The last slot of a task goes to one member, also when several claim it at the same moment,
each on their own database connection."""

import threading

import pytest
from django.db import connection, connections

from jiceng.checkin import services
from jiceng.checkin.models import Claim, Task
from jiceng.core.errors import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite takes one write lock per database, so claims cannot race there; "
                           "test_services covers the full task serially")
def test_concurrent_claims_of_the_last_slot(world, duty):
    for user, person in zip(duty.users, duty.people):
        services.register(user, person=person, community=duty.community)
    t = services.publish_task(duty.community_secretary, community=duty.community, kind=Task.VOLUNTEER,
                              title="核酸点引导", on=duty.today, slots=1, today=duty.today)
    start = threading.Barrier(len(duty.users))
    won, refused, errors = [], [], []

    def claimer(user):
        try:
            start.wait(timeout=30)
            won.append(services.claim(user, t, today=duty.today))
        except DomainError as error:
            refused.append(error.code)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claimer, args=(u,)) for u in duty.users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(won) == 1 and refused == ["task_full"] * (len(duty.users) - 1)
    t.refresh_from_db()
    assert t.claimed == 1 and Claim.objects.filter(task=t).count() == 1

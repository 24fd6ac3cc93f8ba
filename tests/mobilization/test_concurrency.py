"""The last place in a role goes to one person, also when several sign up at the same moment,
each on their own database connection."""

import threading

import pytest
from django.db import connection, connections

from jiceng.core.errors import DomainError
from jiceng.mobilization import services
from jiceng.mobilization.models import Deployment, Need

from .conftest import at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite takes one write lock per database, so sign-ups cannot race there; "
                           "test_services covers the full role serially")
def test_concurrent_sign_ups_for_the_last_place(world, street):
    s = street
    call = services.issue_call(s.secretary, caller=s.street, title="物资配送", starts_at=s.starts, ends_at=s.ends,
                               needs=[(s.garden, "物资配送", 1)], now=at(10, 12))
    need = Need.objects.get(call=call)
    start = threading.Barrier(len(s.duty.users))
    won, refused, errors = [], [], []

    def volunteer(user):
        try:
            start.wait(timeout=30)
            won.append(services.sign_up(user, need, now=at(10, 13)))
        except DomainError as error:
            refused.append(error.code)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=volunteer, args=(u,)) for u in s.duty.users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(won) == 1 and refused == ["role_full"] * (len(s.duty.users) - 1)
    need.refresh_from_db()
    assert need.signed == 1 and Deployment.objects.filter(need=need).count() == 1

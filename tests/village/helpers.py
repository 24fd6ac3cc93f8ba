"""A village with a matter, and the six steps of 四议两公开 as a test drives them."""

import datetime

from jiceng.village import services

from tests import builders as b

D = datetime.date(2025, 3, 3)
KIND = "村级公益事业建设"


def village(side):
    from jiceng.orgs.models import Organization

    return Organization.objects.filter(parent=side.street, kind="village").first() or \
        b.org(side.street, f"{side.county.name[0]}溪村", "village", "rural")


def matter(side, title="修建村道", actor=None):
    return services.propose(actor, village(side), title=title, kind=KIND, proposed_on=D, amount=80000)


VOTE = {"entitled": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2}
STEPS = [
    (1, "party_org", {}),
    (2, "two_committees", {"entitled": 7, "present": 7, "yes": 7, "no": 0, "abstain": 0}),
    (3, "party_assembly", VOTE),
    (4, "representatives_assembly", VOTE),
    (5, "board", {}),
    (6, "board", {}),
]


def step(m, order, actor=None, on=None, **override):
    _, body, counts = STEPS[order - 1]
    args = {"body": body, "held_on": on or D + datetime.timedelta(days=order), "minutes": f"第{order}步：同意修建村道",
            **counts, **override}
    return services.record_step(actor, m, order=order, **args)


def race(model, pk, calls):
    """Run `calls` at once, each on its own database connection, while this thread holds `model`
    row `pk` locked until every call waits on that lock: a service that takes the row with
    select_for_update before its check lets exactly one through. PostgreSQL only.
    Returns (results, codes of the DomainErrors)."""
    import threading

    from django.db import connections, transaction

    from jiceng.core.errors import DomainError
    from tests.locks import wait_for_lock_waiters

    start = threading.Barrier(len(calls) + 1)
    done, refused, errors = [], [], []

    def run(call):
        try:
            start.wait(timeout=30)
            done.append(call())
        except DomainError as error:
            refused.append(error.code)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    with transaction.atomic():
        model.objects.select_for_update().get(pk=pk)
        start.wait(timeout=30)
        assert wait_for_lock_waiters(len(calls)), "the calls did not wait on the row lock"
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return done, refused

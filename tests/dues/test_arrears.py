import datetime
from decimal import Decimal

import pytest

from jiceng.core.models import Notice
from jiceng.dues import months, queries, services
from jiceng.dues.tasks import notify_unpaid as notify_task

from .conftest import profile

pytestmark = pytest.mark.django_db


def run_months(org, first, n, today):
    for i in range(n):
        services.run_month(None, org, months.add(first, i), today=today)


def test_arrears_and_the_six_month_flag_with_a_clock(branch, world):
    one, two, three, four = (m.person for m in branch.members)
    for p in (one, two, three, four):
        profile(p, income="5400")
    today = datetime.date(2026, 7, 15)
    run_months(branch.county, datetime.date(2026, 1, 1), 7, today)   # January to July
    services.record_payment(None, one, first_month=datetime.date(2026, 1, 1), months_count=6, method="transfer",
                            paid_on=datetime.date(2026, 6, 30), today=today)       # paid up
    services.record_payment(None, two, first_month=datetime.date(2026, 3, 1), months_count=1, method="cash",
                            paid_on=datetime.date(2026, 3, 10), today=today)       # paid March only
    # three and four paid nothing
    before = datetime.date(2026, 7, 1)
    arrears = {r["person__name"]: (r["months"], r["total"]) for r in queries.arrears_members(branch.county, before)}
    assert arrears == {"甲二": (5, Decimal("405.00")), "甲三": (6, Decimal("486.00")), "甲四": (6, Decimal("486.00"))}
    by_branch = queries.arrears_by_branch(branch.county, before)
    assert [(r["org__name"], r["members"], r["months"], r["total"]) for r in by_branch] == [
        ("甲园社区党支部", 3, 17, Decimal("1377.00"))]

    n, flags = queries.unpaid_runs(branch.county, today)              # January–June: six in a row
    assert n == 6 and [f.name for f in flags] == ["甲三", "甲四"]
    n, flags = queries.unpaid_runs(branch.county, datetime.date(2026, 6, 30))   # only five months so far
    assert flags == []

    # three pays January: the run is broken, only four is flagged
    services.record_payment(None, three, first_month=datetime.date(2026, 1, 1), method="cash",
                            paid_on=datetime.date(2026, 7, 2), today=today)
    assert [f.name for f in queries.unpaid_runs(branch.county, today)[1]] == ["甲四"]

    # the secretary is told, once per branch and month (the daily task does the same for the
    # whole tree); the membership is untouched
    sent = services.notify_unpaid(None, branch.county, today)
    assert sent == 1 and services.notify_unpaid(None, branch.county, today) == 0
    notify_task.enqueue(on=today.isoformat())
    assert Notice.objects.count() == 1
    notice = Notice.objects.get(user=world.a.users["secretary"])
    assert "连续 6 个月" in notice.title and "甲四" in notice.body
    assert four.membership.status == "full"

import datetime
from decimal import Decimal

import pytest

from jiceng.core.errors import DomainError, NotFound
from jiceng.dues import services
from jiceng.dues.models import Assessment, DuesProfile, Payment
from jiceng.people import services as people_services

from tests import builders as b

from .conftest import TODAY, profile

pytestmark = pytest.mark.django_db
MARCH = datetime.date(2026, 3, 1)


def pay(person, first=MARCH, n=1, actor=None, paid_on=datetime.date(2026, 7, 1), **kw):
    return services.record_payment(actor, person, first_month=first, months_count=n, method="cash", paid_on=paid_on,
                                   today=TODAY, **kw)


def test_one_month_after_the_run(branch):
    person = branch.members[0].person
    profile(person, income="5400")
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    row = Assessment.objects.get(person=person, month=MARCH)
    payment = pay(person, actor=branch.users["secretary"], reference="收据 0012")
    assert (payment.amount, payment.months, payment.status, payment.gateway) == (Decimal("81.00"), 1, "confirmed",
                                                                                 "manual")
    row.refresh_from_db()  # the run's row is the one settled: no second row for March
    assert (row.payment, row.paid_on) == (payment, datetime.date(2026, 7, 1))
    assert Assessment.objects.filter(person=person).count() == 1


def test_several_months_ahead_in_one_payment(branch):
    person = branch.members[0].person
    profile(person, income="3000")
    payment = pay(person, first=datetime.date(2026, 7, 1), n=6)   # July to December, ahead of time
    rows = list(Assessment.objects.filter(payment=payment).order_by("month").values_list("month", "due", "paid_on"))
    assert [r[0] for r in rows] == [datetime.date(2026, m, 1) for m in range(7, 13)]
    assert payment.amount == Decimal("90.00") == sum(r[1] for r in rows)   # 6 × 15.00
    assert all(r[2] == datetime.date(2026, 7, 1) for r in rows)
    # the month's run later leaves the paid rows alone
    assert services.run_month(None, branch.branch, datetime.date(2026, 7, 1), today=TODAY).settled == 1


def test_a_month_already_paid_is_refused_and_nothing_is_written(branch):
    person = branch.members[0].person
    profile(person)
    pay(person, first=datetime.date(2026, 4, 1))
    before = (Payment.objects.count(), Assessment.objects.count())
    with pytest.raises(DomainError) as exc:
        pay(person, first=MARCH, n=3)   # March, April (paid), May
    assert exc.value.code == "month_already_paid"
    assert "2026年4月" in exc.value.message and "2026-07-01" in exc.value.message
    assert (Payment.objects.count(), Assessment.objects.count()) == before


def test_beyond_the_prepay_limit_is_refused(branch):
    person = branch.members[0].person
    profile(person)
    with pytest.raises(DomainError) as exc:
        pay(person, first=datetime.date(2027, 6, 1), n=3)   # limit: July 2026 + 12 = July 2027
    assert exc.value.code == "beyond_prepay_limit"
    assert "2027年8月" in exc.value.message and "2027年7月" in exc.value.message and "2026-07-15" in exc.value.message
    assert not Payment.objects.exists() and not Assessment.objects.exists()
    pay(person, first=datetime.date(2027, 7, 1))  # the last month allowed


def test_a_member_outside_the_payers_organization(branch, world):
    person_b = world.b.members[0].person
    profile(person_b)
    with pytest.raises(NotFound):
        pay(person_b, actor=world.a.users["secretary"])
    # visible but not changeable: an auditor of the county is told why
    with pytest.raises(DomainError) as exc:
        pay(world.a.members[0].person, actor=world.a.users["auditor"])
    assert exc.value.code == "member_not_in_org" and "甲园社区党支部" in exc.value.message
    assert not Payment.objects.exists()


def test_months_before_admission_or_without_profile_are_not_payable(branch):
    person = branch.members[0].person
    with pytest.raises(DomainError) as exc:
        pay(person)
    assert exc.value.code == "profile_missing" and "2026年3月" in exc.value.message
    profile(person, on=datetime.date(2026, 4, 1))
    with pytest.raises(DomainError):
        pay(person, n=2)  # March has no profile yet
    assert pay(person, first=datetime.date(2026, 4, 1)).amount == Decimal("81.00")
    candidate = b.member(branch.branch, "甲五", status="candidate", since=datetime.date(2025, 6, 1))
    people_services.change_status(None, candidate, "probationary", datetime.date(2026, 3, 20))
    profile(candidate.person, on=datetime.date(2026, 3, 20))
    with pytest.raises(DomainError) as exc:
        pay(candidate.person, first=datetime.date(2026, 2, 1), n=2)   # February: not yet admitted
    assert exc.value.code == "month_not_owed" and "2026年2月" in exc.value.message
    assert pay(candidate.person, first=datetime.date(2026, 3, 1)).amount == Decimal("81.00")


@pytest.mark.parametrize("income, code, words", [
    ("-1", "income_negative", "不能为负数"),
    ("250000", "income_implausible", "200000"),
])
def test_bad_income_is_refused(branch, income, code, words):
    with pytest.raises(DomainError) as exc:
        profile(branch.members[0].person, income=income)
    assert exc.value.code == code and words in exc.value.message and exc.value.field == "monthly_income"
    assert not DuesProfile.objects.exists()


def test_rural_amount_outside_the_range_is_refused(branch):
    with pytest.raises(DomainError) as exc:
        profile(branch.members[0].person, "rural", None, flat="1.5")
    assert exc.value.code == "flat_amount_out_of_range" and "0.2–1" in exc.value.message
    assert profile(branch.members[0].person, "rural", None).flat_amount == Decimal("0.2")  # the default


def test_a_future_payment_date_is_refused(branch):
    profile(branch.members[0].person)
    with pytest.raises(DomainError) as exc:
        pay(branch.members[0].person, paid_on=datetime.date(2026, 7, 16))
    assert exc.value.code == "date_in_future"

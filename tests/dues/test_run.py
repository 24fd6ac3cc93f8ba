import datetime
from decimal import Decimal

import pytest

from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent
from jiceng.dues import services
from jiceng.dues.models import Assessment
from jiceng.people import services as people_services

from tests import builders as b

from .conftest import TODAY, profile

pytestmark = pytest.mark.django_db
MARCH = datetime.date(2026, 3, 1)


def dues_of(month):
    return {a.person.name: a.due for a in Assessment.objects.filter(month=month).select_related("person")}


def test_run_covers_each_category_of_the_subtree(branch, world):
    one, two, three, four = (m.person for m in branch.members)
    profile(one, "in_service", "5400")
    profile(two, "retired", "6200")
    profile(three, "rural", None, flat="0.5")
    profile(four, "student", None)
    result = services.run_month(None, branch.county, MARCH, today=TODAY)
    assert (result.created, result.missing_profile) == (4, 0)
    assert dues_of(MARCH) == {"甲一": Decimal("81.00"), "甲二": Decimal("62.00"), "甲三": Decimal("0.50"),
                              "甲四": Decimal("0.20")}
    row = Assessment.objects.get(person=one, month=MARCH)
    assert (row.base, row.rate, row.org) == (Decimal("5400.00"), Decimal("0.015"), branch.branch)
    assert not Assessment.objects.filter(person__in=[m.person for m in world.b.members]).exists()


def test_members_without_profile_are_counted_not_assessed(branch):
    profile(branch.members[0].person)
    result = services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert (result.created, result.missing_profile) == (1, 3)


def test_rerun_is_idempotent_and_follows_a_new_profile(branch):
    for m in branch.members:
        profile(m.person, income="3000")
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    ids = set(Assessment.objects.values_list("pk", flat=True))
    again = services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert set(Assessment.objects.values_list("pk", flat=True)) == ids
    # a raise from March on: the re-run updates that one row in place
    profile(branch.members[0].person, income="5400", on=datetime.date(2026, 3, 10))
    third = services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 3)
    assert Assessment.objects.count() == 4 and dues_of(MARCH)["甲一"] == Decimal("81.00")
    # the profile history is kept; February still uses the earlier one
    services.run_month(None, branch.branch, datetime.date(2026, 2, 1), today=TODAY)
    assert dues_of(datetime.date(2026, 2, 1))["甲一"] == Decimal("15.00")


def test_a_paid_month_is_not_changed_by_a_rerun(branch):
    person = branch.members[0].person
    profile(person, income="3000")
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    services.record_payment(None, person, first_month=MARCH, method="cash", paid_on=datetime.date(2026, 3, 5),
                            today=TODAY)
    profile(person, income="12000", on=datetime.date(2026, 3, 1))
    result = services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert result.settled == 1
    assert Assessment.objects.get(person=person, month=MARCH).due == Decimal("15.00")


def test_probationary_member_pays_from_the_admission_day(branch):
    candidate = b.member(branch.branch, "甲五", status="candidate", since=datetime.date(2025, 6, 1))
    people_services.change_status(None, candidate, "probationary", datetime.date(2026, 3, 20))
    candidate.refresh_from_db()
    assert candidate.admitted_on == datetime.date(2026, 3, 20)
    profile(candidate.person, income="4000", on=datetime.date(2026, 3, 20))
    services.run_month(None, branch.branch, datetime.date(2026, 2, 1), today=TODAY)
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert "甲五" not in dues_of(datetime.date(2026, 2, 1))        # a candidate owes nothing
    assert dues_of(MARCH)["甲五"] == Decimal("40.00")               # admitted on 20 March: March is owed


def test_applicants_activists_candidates_and_leavers_owe_nothing(branch):
    for status, name in (("applicant", "甲六"), ("activist", "甲七"), ("candidate", "甲八")):
        b.member(branch.branch, name, status=status, since=datetime.date(2025, 1, 1))
    for m in branch.members:
        profile(m.person)
    people_services.change_status(None, branch.members[3], "left", datetime.date(2026, 1, 10))
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert set(dues_of(MARCH)) == {"甲一", "甲二", "甲三"}
    # January: the leaver was a member until the 10th and owes that month
    services.run_month(None, branch.branch, datetime.date(2026, 1, 1), today=TODAY)
    assert "甲四" in dues_of(datetime.date(2026, 1, 1))


def test_approved_reduction_applies_pending_does_not(branch, world):
    person = branch.members[0].person
    profile(person, income="5400")
    r = services.decide_reduction(world.a.users["secretary"], person, kind="reduce", amount=Decimal("10"),
                                  first_month=MARCH, last_month=datetime.date(2026, 4, 1), reason="大病住院",
                                  decided_on=datetime.date(2026, 2, 20))
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert dues_of(MARCH)["甲一"] == Decimal("81.00")
    with pytest.raises(DomainError) as exc:  # the branch cannot approve its own decision
        services.approve_reduction(world.a.users["secretary"], r, approve=True, on=datetime.date(2026, 2, 25))
    assert exc.value.code == "approval_one_level_up" and "甲园社区" in exc.value.message
    services.approve_reduction(world.a.users["org_admin"], r, approve=True, on=datetime.date(2026, 2, 25))
    r.refresh_from_db()
    assert (r.status, r.approver, r.approver_org) == ("approved", world.a.users["org_admin"], world.a.community)
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert dues_of(MARCH)["甲一"] == Decimal("10.00")
    services.run_month(None, branch.branch, datetime.date(2026, 5, 1), today=TODAY)
    assert dues_of(datetime.date(2026, 5, 1))["甲一"] == Decimal("81.00")


def test_exemption_makes_the_month_nothing_owed(branch, world):
    person = branch.members[0].person
    profile(person, income="5400")
    r = services.decide_reduction(None, person, kind="exempt", first_month=MARCH, last_month=MARCH,
                                  reason="享受最低生活保障", decided_on=datetime.date(2026, 2, 20))
    services.approve_reduction(None, r, approve=True, on=datetime.date(2026, 2, 21))
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert dues_of(MARCH)["甲一"] == Decimal("0.00")


def test_future_month_is_refused_and_the_run_is_audited(branch):
    profile(branch.members[0].person)
    with pytest.raises(DomainError) as exc:
        services.run_month(None, branch.branch, datetime.date(2026, 8, 1), today=TODAY)
    assert exc.value.code == "month_in_future" and "2026-07-15" in exc.value.message
    services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert AuditEvent.objects.filter(action="dues.run_month").count() == 1


def test_secretary_runs_only_their_own_subtree(branch, world):
    from jiceng.core.errors import NotFound

    with pytest.raises(NotFound):
        services.run_month(world.a.users["secretary"], world.b.branch, MARCH, today=TODAY)


def test_the_run_is_set_based(branch, django_assert_max_num_queries):
    extra = [b.member(branch.branch, f"甲{i}号") for i in range(40)]
    for m in branch.members + extra:
        profile(m.person)
    with django_assert_max_num_queries(25):
        result = services.run_month(None, branch.branch, MARCH, today=TODAY)
    assert result.created == 44

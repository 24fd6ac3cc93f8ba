import datetime

import pytest

from jiceng.cadres import services
from jiceng.cadres.models import Candidate, Filing, Station
from jiceng.core.errors import DomainError, NotFound
from jiceng.core.models import AuditEvent

from tests import builders as b

from .matrix import village_of

pytestmark = pytest.mark.django_db
D = datetime.date
DEPARTMENTS = ["discipline", "organization", "political_legal", "petition", "court", "procuratorate", "police",
               "justice"]


@pytest.fixture
def village(world):
    return village_of(world.a)


def test_departments_come_from_policy(village):
    names = [d["name"] for d in services.departments(village, D(2026, 3, 1))]
    assert names == ["纪检", "组织", "政法", "信访", "法院", "检察院", "公安", "司法"]


def test_joint_review_one_failing_department_refuses_entry_until_all_pass(world, village):
    election = services.schedule_election(None, village, D(2026, 3, 1))
    candidate = services.add_candidate(None, election, world.a.members[1].person, Candidate.COMMITTEE)
    with pytest.raises(DomainError) as missing:
        services.enter_election(None, candidate, D(2026, 2, 1))
    assert missing.value.code == "review_incomplete" and "未审查" in missing.value.message

    for code in DEPARTMENTS:
        passed = code != "police"
        services.record_review(None, candidate, code, passed, "无记录" if passed else "涉恶处理未满5年",
                               D(2026, 1, 10))
    with pytest.raises(DomainError) as failing:
        services.enter_election(None, candidate, D(2026, 2, 1))
    assert "未通过：公安" in failing.value.message and "未审查" not in failing.value.message
    candidate.refresh_from_db()
    assert candidate.entered_on is None

    services.record_review(None, candidate, "police", True, "复核：处理已满5年", D(2026, 1, 20))
    services.enter_election(None, candidate, D(2026, 2, 1))
    candidate.refresh_from_db()
    assert candidate.entered_on == D(2026, 2, 1)
    with pytest.raises(DomainError):  # findings are frozen once the candidate entered
        services.record_review(None, candidate, "police", False, "再审", D(2026, 2, 2))
    assert AuditEvent.objects.filter(action="cadres.enter_election").count() == 1


def test_review_refuses_unknown_department_and_empty_reason(world, village):
    election = services.schedule_election(None, village, D(2026, 3, 1))
    candidate = services.add_candidate(None, election, world.a.members[1].person, Candidate.PARTY)
    with pytest.raises(DomainError, match="不是资格联审部门"):
        services.record_review(None, candidate, "tax", True, "ok", D(2026, 1, 1))
    with pytest.raises(DomainError, match="理由"):
        services.record_review(None, candidate, "court", False, "  ", D(2026, 1, 1))
    assert not candidate.reviews.exists()


def test_filing_submitted_returned_then_approved(world, village):
    county_admin, secretary = world.a.users["org_admin"], world.a.users["secretary"]
    township_staff = b.user("township_staff", "secretary", village.parent)
    person = world.a.members[0].person
    filing = services.submit_filing(township_staff, village, person, D(2026, 4, 1))
    assert filing.status == Filing.SUBMITTED
    with pytest.raises(DomainError, match="待县委组织部办理"):
        services.submit_filing(township_staff, village, person, D(2026, 4, 2))
    with pytest.raises(DomainError):  # only the county decides
        services.decide_filing(township_staff, filing, True, "", D(2026, 4, 3))
    with pytest.raises(NotFound):  # a branch secretary elsewhere does not even see the village
        services.decide_filing(secretary, filing, True, "", D(2026, 4, 3))
    with pytest.raises(DomainError, match="理由"):
        services.decide_filing(county_admin, filing, False, "", D(2026, 4, 3))
    returned = services.decide_filing(county_admin, filing, False, "缺少资格联审意见", D(2026, 4, 3))
    assert (returned.status, returned.reason) == (Filing.RETURNED, "缺少资格联审意见")
    with pytest.raises(DomainError, match="已退回"):
        services.decide_filing(county_admin, filing, True, "", D(2026, 4, 4))

    again = services.submit_filing(township_staff, village, person, D(2026, 4, 10))
    approved = services.decide_filing(county_admin, again, True, "", D(2026, 4, 12))
    assert approved.status == Filing.APPROVED and approved.decided_by == county_admin


def test_overlapping_stations_refused(world, village):
    other = b.org(village.parent, "甲山村", "village", "rural")
    person = world.a.members[3].person
    services.station(None, village, person, Station.FIRST_SECRETARY, "县农业农村局", D(2025, 1, 1), D(2026, 12, 31))
    with pytest.raises(DomainError) as overlap:
        services.station(None, other, person, Station.TEAM_MEMBER, "县农业农村局", D(2026, 6, 1), D(2027, 6, 1))
    assert overlap.value.code == "station_overlap" and "甲溪村" in overlap.value.message
    assert Station.objects.filter(person=person).count() == 1
    # right after the first station ends is fine
    services.station(None, other, person, Station.FIRST_SECRETARY, "县农业农村局", D(2027, 1, 1), D(2028, 12, 31))


@pytest.mark.parametrize("end", [D(2025, 6, 30), D(2028, 1, 2)])
def test_station_term_within_policy_years(world, village, end):
    with pytest.raises(DomainError) as term:
        services.station(None, village, world.a.members[3].person, Station.FIRST_SECRETARY, "县委组织部",
                         D(2025, 1, 1), end)
    assert term.value.code == "term_out_of_range" and "1–3 年" in term.value.message


def test_work_log_inside_station(world, village):
    s = services.station(None, village, world.a.members[3].person, Station.FIRST_SECRETARY, "县委组织部",
                         D(2025, 1, 1), D(2025, 12, 31))
    services.log_work(None, s, D(2025, 3, 1), "入户走访12户")
    with pytest.raises(DomainError, match="驻村期间"):
        services.log_work(None, s, D(2026, 1, 1), "期满后")
    assert [log.text for log in s.logs.all()] == ["入户走访12户"]

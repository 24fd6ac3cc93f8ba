"""The due dashboard against a fixture whose next steps and dates were worked out by hand."""

import datetime

import pytest

from jiceng.development import queries, services
from jiceng.development.models import Case
from tests import builders as b

from .conftest import applicant

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2024, 6, 1)


def to_activist(case, talker, mentors, talk_on, activist_on, reviews=()):
    services.record_talk(None, case, on=talk_on, talker=talker)
    services.make_activist(None, case, on=activist_on, mentors=mentors)
    for day in reviews:
        services.record_review(None, case, on=day)


def to_assembly(case, full, applied_on, assembly_on):
    """Through every step up to the assembly's vote, a year and a bit after `applied_on`."""
    to_activist(case, full[0], full[:2], applied_on + datetime.timedelta(days=5),
                applied_on + datetime.timedelta(days=10),
                [applied_on + datetime.timedelta(days=180), applied_on + datetime.timedelta(days=360)])
    candidate_on = applied_on + datetime.timedelta(days=380)
    services.make_candidate(None, case, on=candidate_on)
    services.name_sponsors(None, case, on=candidate_on, sponsors=full[:2])
    services.record_political_review(None, case, on=candidate_on)
    services.record_training(None, case, on=candidate_on, days=3)
    services.record_assembly(None, case, on=assembly_on, present=len(full), yes=len(full))


@pytest.fixture
def fixture(world):
    full = [m.person for m in world.a.members]
    second = b.org(world.a.community, "甲园第二党支部", "branch", "urban_community")
    second_full = [b.member(second, f"甲二{i}", birth=D(1980, 1, 1 + i)).person for i in range(3)]
    a = applicant(world.a.branch, "甲A", D(2024, 5, 20))                       # talk by 06-20
    bb = applicant(world.a.branch, "甲B", D(2024, 3, 1))                       # talk by 04-01: overdue
    c = applicant(world.a.branch, "甲C", D(2023, 1, 5))                        # review by 2024-02-20: overdue
    to_activist(c, full[0], full[:2], D(2023, 1, 20), D(2023, 3, 1), [D(2023, 8, 20)])
    d = applicant(world.a.branch, "甲D", D(2023, 1, 5))                        # candidate from 2024-02-01
    to_activist(d, full[0], full[1:3], D(2023, 1, 10), D(2023, 2, 1), [D(2023, 7, 15), D(2024, 1, 10)])
    e = applicant(second, "甲E", D(2022, 11, 1))                                # approval by 04-15: overdue
    to_assembly(e, second_full, D(2022, 11, 1), D(2024, 1, 15))
    f = applicant(world.a.branch, "甲F", D(2022, 3, 1))                        # convert from 2024-05-01
    to_assembly(f, full, D(2022, 3, 1), D(2023, 5, 1))
    services.approve(None, f, on=D(2023, 6, 1))
    services.take_oath(None, f, on=D(2023, 6, 10))
    g = applicant(world.a.branch, "甲G", D(2021, 1, 4))                        # closed: not listed
    to_assembly(g, full, D(2021, 1, 4), D(2022, 3, 1))
    services.approve(None, g, on=D(2022, 4, 1))
    services.take_oath(None, g, on=D(2022, 4, 2))
    services.convert(None, g, on=D(2023, 3, 2), present=4, yes=4)
    applicant(world.b.branch, "乙H", D(2024, 5, 1))                            # the sibling county
    return world, second


EXPECTED = [  # name, next step, date, deadline, overdue on TODAY
    ("甲D", "candidate", D(2024, 2, 1), False, False),
    ("甲C", "review", D(2024, 2, 20), True, True),
    ("甲B", "talk", D(2024, 4, 1), True, True),
    ("甲E", "approval", D(2024, 4, 15), True, True),
    ("甲F", "convert", D(2024, 5, 1), False, False),
    ("甲A", "talk", D(2024, 6, 20), True, False),
]


def _rows(qs):
    return [(c.person.name, c.next_step, c.due_on, c.deadline, c.deadline and c.due_on < TODAY) for c in qs]


def test_county_dashboard_matches_the_hand_checked_table(fixture):
    world, _ = fixture
    admin = world.a.users["org_admin"]
    assert _rows(queries.due(admin, world.a.county, TODAY)) == EXPECTED
    assert _rows(queries.due(admin, world.a.county, TODAY, overdue=True)) == [r for r in EXPECTED if r[4]]
    assert _rows(queries.due(admin, world.a.county, TODAY, step="talk")) == [EXPECTED[2], EXPECTED[5]]
    assert queries.summary(admin, world.a.county, TODAY) == {
        "talk": (2, 1), "review": (1, 1), "candidate": (1, 0), "approval": (1, 1), "convert": (1, 0)}
    assert Case.objects.filter(person__name="甲G", next_step="", due_on__isnull=True).exists()


def test_each_node_sees_its_own_subtree(fixture):
    world, second = fixture
    admin = world.a.users["org_admin"]
    assert [r[0] for r in _rows(queries.due(admin, second, TODAY))] == ["甲E"]
    secretary = world.a.users["secretary"]  # of the first branch only
    assert [r[0] for r in _rows(queries.due(secretary, world.a.community, TODAY))] == \
        [r[0] for r in EXPECTED if r[0] != "甲E"]
    assert [r[0] for r in _rows(queries.due(world.b.users["org_admin"], world.b.county, TODAY))] == ["乙H"]
    assert not queries.due(world.b.users["org_admin"], world.a.county, TODAY).exists()

"""The demo's development cases: one per development-stage member, consistent with the rules."""

import datetime

import pytest

from jiceng.demo.loader import load
from jiceng.development import queries, rules
from jiceng.development.models import Case
from jiceng.orgs.models import Organization
from jiceng.people.models import Membership
from tests import builders as b

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 30)


def test_demo_opens_a_case_for_every_member_in_development():
    load("small", seed=1, today=TODAY)
    in_development = Membership.objects.filter(status__in=["applicant", "activist", "candidate", "probationary"])
    assert Case.objects.count() == in_development.count() > 20
    for case in Case.objects.select_related("membership"):
        nxt = rules.next_step(case)
        assert (case.next_step, case.due_on) == (nxt.step, nxt.due_on)
        dates = [d for d in (case.applied_on, case.talk_on, case.activist_on, case.candidate_on, case.assembly_on,
                             case.approved_on, case.oath_on) if d]
        assert dates == sorted(dates) and dates[-1] <= TODAY
        assert case.steps.filter(kind="apply", on=case.applied_on).exists()
    county = Organization.objects.get(kind="county")
    admin = b.user("demo_admin", "org_admin", county)
    steps = queries.summary(admin, county, TODAY)
    assert {"talk", "convert"} <= set(steps) and sum(late for _, late in steps.values()) > 0

import datetime

import pytest

from jiceng.demo.loader import load
from jiceng.dues import queries, services
from jiceng.dues.models import Assessment, DuesProfile, Payment
from jiceng.orgs.models import Organization
from jiceng.people.models import Membership

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 30)


def test_demo_dues_match_the_monthly_run():
    load("small", seed=1, today=TODAY)
    party = Membership.objects.filter(status__in=["full", "probationary"])
    assert DuesProfile.objects.count() == party.count()
    assert Assessment.objects.filter(month=datetime.date(2026, 6, 1)).count() == party.count()
    paid = Assessment.objects.filter(paid_on__isnull=False)
    assert 0.7 < paid.count() / Assessment.objects.count() < 0.95
    assert all(p.amount == sum(a.due for a in p.assessments.all()) for p in Payment.objects.all()[:200])
    # what the demo wrote is what the run computes: running June again changes nothing
    county = Organization.objects.get(kind="county")
    result = services.run_month(None, county, datetime.date(2026, 6, 1), today=TODAY)
    assert (result.created, result.updated, result.removed) == (0, 0, 0)
    assert queries.unpaid_runs(county, TODAY)[1]   # a few are flagged for their branches

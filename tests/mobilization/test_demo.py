"""The demo's 双报到 and 下沉 rows: kept counts agree with the rows they count."""

import datetime

import pytest
from django.db.models import Count, F, Q

from jiceng.checkin.models import Claim, Registration, Task
from jiceng.demo.loader import load
from jiceng.mobilization.models import Call, Need

pytestmark = pytest.mark.django_db


def test_demo_counts_agree_with_rows():
    load("small", seed=1, today=datetime.date(2026, 6, 30))
    assert Registration.objects.filter(ended_on__isnull=True).exists() and Call.objects.exists()
    assert not Task.objects.annotate(n=Count("claims", filter=~Q(claims__status=Claim.WITHDRAWN))) \
        .exclude(claimed=F("n")).exists()
    for need in Need.objects.annotate(s=Count("deployments"),
                                      a=Count("deployments", filter=Q(deployments__arrived_at__isnull=False))):
        assert (need.signed, need.arrived) == (need.s, need.a)
        assert need.signed <= need.needed
    assert Claim.objects.filter(status=Claim.CONFIRMED, hours__isnull=False).exists()

"""The national benchmark's data (bench/replicate.py): copies of one county whose kept figures
still equal a recount from the rows."""

import pytest

from bench import replicate
from jiceng.orgs.models import Organization
from jiceng.people.models import MembershipPeriod

pytestmark = pytest.mark.django_db


def test_copies_of_a_county_keep_every_figure_equal_to_a_recount():
    assert replicate.check(copies=2, template="small", log=lambda *_: None) == []
    counties = list(Organization.objects.filter(kind="county").order_by("pk"))
    assert len(counties) == 3 and {c.depth for c in counties} == {3}
    template, copy = counties[0], counties[1]
    assert copy.name != template.name and copy.division_code != template.division_code
    below = Organization.objects.filter(copy.subtree_q())
    assert below.count() == Organization.objects.filter(template.subtree_q()).count()
    # the copy's status spans are its own, and moved back by its number of days
    first = MembershipPeriod.objects.filter(template.subtree_q("org__path")).order_by("pk").first()
    moved = MembershipPeriod.objects.filter(org__in=below).order_by("pk").first()
    assert (first.start - moved.start).days == 37 and moved.person_id != first.person_id

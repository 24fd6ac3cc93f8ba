import datetime

import pytest
from django.db import transaction

from jiceng.demo.loader import load
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization
from jiceng.people.models import Person
from jiceng.core.validators import validate_id_number, validate_phone, id_birth_date, id_gender

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 30)


def _load_and_read(seed):
    with transaction.atomic():
        load("small", seed=seed, today=TODAY)
        orgs = list(Organization.objects.order_by("path").values_list("path", "name", "kind", "division_code"))
        people = [(p.name, p.birth_date, p.gender, p.id_number, p.phone) for p in Person.objects.order_by("pk")]
        transaction.set_rollback(True)
    return orgs, people


def test_same_seed_same_data_other_seed_other_data():
    first, second, other = _load_and_read(3), _load_and_read(3), _load_and_read(4)
    assert first == second
    assert first != other


def test_demo_data_are_valid_and_realistic():
    stats = load("small", seed=1, today=TODAY)
    assert stats.orgs == Organization.objects.count() and stats.people == Person.objects.count()
    assert Organization.objects.filter(kind="county", name="安吉县", division_code="330523").exists()
    assert Organization.objects.filter(kind="city", name="湖州市", division_code="330500").exists()
    assert set(Organization.objects.values_list("kind", flat=True)) >= {
        "province", "city", "county", "street", "township", "community", "village", "grid", "department",
        "unit", "working_committee", "branch", "group"}
    for person in Person.objects.all()[:200]:
        number = validate_id_number(person.id_number)
        assert id_birth_date(number) == person.birth_date and id_gender(number) == person.gender
        validate_phone(person.phone)
    assert rollups.mismatches() == []
    full = rollups.counts(Organization.objects.get(kind="county"))
    party = full["status:full"] + full["status:probationary"]
    assert 0.85 < full["status:full"] / party < 0.97          # most members are full members
    assert 0.6 < full["gender:M"] / party < 0.85             # and most are men, as in the statistics

"""Bad input is refused with its own DomainError code and leaves nothing half-written; the API
returns the same refusals as HTTP 400 {"code", "field", "detail"}."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from stdnum.cn import ric, uscc

from jiceng.core import services as core_services
from jiceng.core.dates import add_years
from jiceng.core.errors import DomainError, NotFound
from jiceng.core.models import AuditEvent, AuditHead, Grant
from jiceng.orgs import services as org_services
from jiceng.orgs.models import NodeCount, Organization
from jiceng.people import services as people_services
from jiceng.people.models import Membership, MembershipPeriod, Person

from .. import builders as b

pytestmark = pytest.mark.django_db

SINCE = datetime.date(2020, 7, 1)


def snapshot():
    return {
        "people": sorted(Person.objects.values_list("id", "name", "gender", "birth_date", "id_number_index")),
        "memberships": sorted(Membership.objects.values_list("id", "person_id", "org_id", "status", "since")),
        "periods": sorted(MembershipPeriod.objects.values_list("id", "status", "start", "end")),
        "counts": sorted(NodeCount.objects.values_list("node_id", "key", "value")),
        "orgs": sorted(Organization.objects.values_list("id", "name", "path", "uscc", "division_code", "child_seq")),
        "grants": sorted(Grant.objects.values_list("user_id", "node_id", "role")),
        "audit": (AuditEvent.objects.count(), AuditHead.objects.values_list("seq", flat=True).first()),
    }


@pytest.fixture
def unchanged(world):
    """Call the returned function with a callable: it must raise DomainError `code` (returned)
    and leave every table as it was."""

    def refused(code, call, exc=DomainError):
        before = snapshot()
        with pytest.raises(exc) as caught:
            call()
        assert caught.value.code == code, caught.value.message
        assert snapshot() == before
        return caught.value

    return refused


def register(branch, id_number, since=SINCE, name="测试人", **extra):
    return people_services.register_member(None, org=branch, status="full", since=since, name=name,
                                           id_number=id_number, **extra)


def valid_id(birth=datetime.date(1985, 3, 14), gender="M"):
    return b.id_number(birth, gender)


def id_ending_in_x():
    for seq in range(1, 1000, 2):
        body = f"330523198806{(seq % 28) + 1:02d}{seq:03d}"
        if ric.calc_check_digit(body + "0") == "X":
            return body + "X"
    raise AssertionError("no number with check digit X found")


# -- ID-card numbers ------------------------------------------------------------------------


def test_invalid_checksum(world, unchanged):
    good = valid_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    e = unchanged("id_number_invalid_checksum", lambda: register(world.a.branch, bad))
    assert e.field == "id_number"


@pytest.mark.parametrize("cut", [-1, 1])
def test_wrong_length(world, unchanged, cut):
    good = valid_id()
    number = good[:-1] if cut < 0 else good + "1"
    e = unchanged("id_number_invalid_length", lambda: register(world.a.branch, number))
    assert str(len(number)) in e.message


def test_empty_and_garbage(world, unchanged):
    unchanged("id_number_required", lambda: register(world.a.branch, "  "))
    body = "33052319851340001"  # month 13, day 40
    unchanged("id_number_invalid_birth_date", lambda: register(world.a.branch, body + ric.calc_check_digit(body + "0")))
    body = "99999919850314001"  # no such region
    unchanged("id_number_invalid_region", lambda: register(world.a.branch, body + ric.calc_check_digit(body + "0")))


def test_lowercase_x_is_accepted_and_normalised(world):
    number = id_ending_in_x()
    m = register(world.a.branch, number[:-1] + "x")
    person = Person.objects.get(pk=m.person_id)
    assert person.id_number == number and person.id_number.endswith("X")
    # the blind index is of the normalised number: the upper-case form is a duplicate
    with pytest.raises(DomainError) as caught:
        register(world.a.branch, number, name="又一人")
    assert caught.value.code == "id_number_duplicate"


def test_full_width_digits_and_spaces_are_accepted(world):
    number = valid_id(datetime.date(1979, 12, 1), "F")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    spaced = f" {full_width[:6]} {full_width[6:14]}\u3000{full_width[14:]} "
    m = register(world.a.branch, spaced)
    person = Person.objects.get(pk=m.person_id)
    assert person.id_number == number
    assert (person.birth_date, person.gender) == (datetime.date(1979, 12, 1), "F")


def test_duplicate(world, unchanged):
    existing = world.a.members[0].person.id_number
    e = unchanged("id_number_duplicate", lambda: register(world.b.branch, existing))
    assert e.field == "id_number"
    # also through an update of another person
    other = world.a.members[1].person
    unchanged("id_number_duplicate", lambda: people_services.update_person(None, other, id_number=existing))


def test_birth_date_contradicting_the_id(world, unchanged):
    number = valid_id(datetime.date(1985, 3, 14))
    e = unchanged("birth_date_mismatch",
                  lambda: register(world.a.branch, number, birth_date=datetime.date(1985, 3, 15)))
    assert e.field == "birth_date" and "1985-03-14" in e.message


def test_gender_contradicting_the_id(world, unchanged):
    number = valid_id(gender="F")
    e = unchanged("gender_mismatch", lambda: register(world.a.branch, number, gender="M"))
    assert e.field == "gender"


def test_update_must_keep_id_birth_date_and_gender_consistent(world, unchanged):
    person = world.a.members[2].person  # born 1972-05-01, male
    new = valid_id(datetime.date(1990, 1, 1), "F")
    unchanged("birth_date_mismatch", lambda: people_services.update_person(None, person, id_number=new))
    unchanged("gender_mismatch", lambda: people_services.update_person(
        None, person, id_number=new, birth_date=datetime.date(1990, 1, 1)))
    unchanged("birth_date_mismatch", lambda: people_services.update_person(
        None, person, birth_date=datetime.date(1972, 5, 2)))


# -- where and when -------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["community", "grid", "group", "county", "street"])
def test_member_in_a_node_that_cannot_hold_members(world, unchanged, where):
    node = getattr(world.a, where)
    e = unchanged("org_cannot_hold_members", lambda: register(node, valid_id()))
    assert e.field == "org" and node.name in e.message


def test_too_young(world, unchanged):
    birth = datetime.date(2002, 8, 20)
    day_before = add_years(birth, 18) - datetime.timedelta(days=1)
    e = unchanged("too_young", lambda: register(world.a.branch, valid_id(birth), since=day_before))
    assert e.field == "since" and "18" in e.message
    unchanged("too_young", lambda: register(world.a.branch, valid_id(datetime.date(2012, 1, 1)),
                                            since=datetime.date(2025, 1, 1)))
    register(world.a.branch, valid_id(birth), since=add_years(birth, 18))  # the 18th birthday itself is fine


def test_status_out_of_order(world, unchanged):
    applicant = people_services.register_member(None, org=world.a.branch, status="applicant", since=SINCE,
                                                name="申请人", id_number=valid_id())
    on = datetime.date(2021, 1, 1)
    for skip in ("candidate", "probationary", "full", "applicant"):
        e = unchanged("status_out_of_order", lambda: people_services.change_status(None, applicant, skip, on))
        assert e.field == "status"
    full = world.a.members[0]
    unchanged("status_out_of_order", lambda: people_services.change_status(None, full, "probationary", on))
    unchanged("status_invalid", lambda: people_services.change_status(None, full, "expelled", on))
    unchanged("date_before_current",
              lambda: people_services.change_status(None, applicant, "activist", SINCE - datetime.timedelta(days=1)))
    people_services.change_status(None, applicant, "activist", on)
    people_services.change_status(None, applicant, "left", datetime.date(2022, 1, 1))
    unchanged("status_closed", lambda: people_services.change_status(None, applicant, "candidate",
                                                                     datetime.date(2022, 2, 1)))


def test_dates_in_the_future(world, unchanged):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    e = unchanged("date_in_future", lambda: register(world.a.branch, valid_id(), since=tomorrow))
    assert e.field == "since"
    e = unchanged("date_in_future", lambda: people_services.change_status(None, world.a.members[0], "left", tomorrow))
    assert e.field == "on"


def test_birth_date_in_the_future_inside_the_id(world, unchanged):
    future = timezone.localdate() + datetime.timedelta(days=400)
    body = f"330523{future:%Y%m%d}001"
    number = body + ric.calc_check_digit(body + "0")
    unchanged("id_number_invalid_birth_date", lambda: register(world.a.branch, number))


def test_second_membership_for_the_same_person(world, unchanged):
    person = world.a.members[0].person
    unchanged("membership_exists", lambda: people_services.register_member(
        None, org=world.b.branch, status="full", since=SINCE, person=person))


# -- grants ---------------------------------------------------------------------------------


def test_grant_by_a_secretary_is_refused(world, unchanged):
    secretary = world.a.users["secretary"]
    newcomer = b.user("newcomer", None, None)
    # the secretary sees their own branch but may not grant in it
    e = unchanged("grant_outside_subtree",
                  lambda: core_services.grant_role(secretary, newcomer, world.a.branch, "grid_worker"))
    assert e.field == "node" and world.a.branch.name in e.message
    # the county above is outside what the secretary sees at all
    unchanged("not_found", lambda: core_services.grant_role(secretary, newcomer, world.a.county, "member"),
              exc=NotFound)


def test_grant_in_the_sibling_county_is_refused(world, unchanged):
    admin = world.a.users["org_admin"]
    newcomer = b.user("newcomer", None, None)
    for node in (world.b.county, world.b.branch, world.province):
        unchanged("not_found", lambda: core_services.grant_role(admin, newcomer, node, "org_admin"), exc=NotFound)
    # an auditor sees the county but may not grant in it
    auditor = world.a.users["auditor"]
    unchanged("grant_outside_subtree",
              lambda: core_services.grant_role(auditor, newcomer, world.a.branch, "secretary"))
    # inside the admin's own subtree the grant goes through
    grant = core_services.grant_role(admin, newcomer, world.a.branch, "secretary")
    assert grant.granted_by == admin
    unchanged("grant_exists", lambda: core_services.grant_role(admin, newcomer, world.a.branch, "secretary"))
    unchanged("role_invalid", lambda: core_services.grant_role(admin, newcomer, world.a.branch, "king"))


# -- organizations ----------------------------------------------------------------------------


def test_invalid_uscc(world, unchanged):
    good = "91330523MA28C1234" + uscc.calc_check_digit("91330523MA28C1234")
    bad = good[:-1] + ("X" if good[-1] != "X" else "Y")
    e = unchanged("uscc_invalid_checksum",
                  lambda: b.org(world.a.county, "某公司党支部", "branch", "non_public_enterprise", uscc=bad))
    assert e.field == "uscc"
    unchanged("uscc_invalid_checksum", lambda: org_services.update_org(None, world.a.branch, uscc=bad))
    unchanged("uscc_invalid_length", lambda: org_services.update_org(None, world.a.branch, uscc=good[:-2]))
    org = b.org(world.a.county, "某公司党支部", "branch", "non_public_enterprise", uscc=good.lower())
    assert org.uscc == good


@pytest.mark.parametrize("code", ["33052", "3305231", "33052a", "3305231011234", "33-052"])
def test_bad_division_code(world, unchanged, code):
    e = unchanged("division_code_invalid", lambda: b.org(world.province, "某县", "county", division_code=code))
    assert e.field == "division_code"
    unchanged("division_code_invalid", lambda: org_services.update_org(None, world.a.county, division_code=code))


def test_good_division_codes(world):
    for code in ("330524", "330524001", "330524001001"):
        assert b.org(world.province, f"县{code}", "county", division_code=code).division_code == code


# -- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.a.users["org_admin"])
    return client


def post_member(api, org, id_number, **extra):
    body = {"org": org.pk, "status": "full", "since": "2020-07-01", "name": "接口新人", "id_number": id_number,
            **extra}
    return api.post("/api/memberships/", body, format="json")


def test_api_registers_a_member(world, api):
    number = valid_id()
    response = post_member(api, world.a.branch, number.lower())
    assert response.status_code == 201, response.json()
    assert Person.objects.get(pk=response.json()["person"]).id_number == number


@pytest.mark.parametrize("case", ["checksum", "length", "birth_date", "gender", "community", "too_young", "future",
                                  "duplicate"])
def test_api_returns_domain_errors_as_400(world, api, case):
    good = valid_id(datetime.date(1985, 3, 14), "M")
    org, number, extra = world.a.branch, good, {}
    if case == "checksum":
        number = good[:-1] + ("0" if good[-1] != "0" else "1")
        expected = ("id_number_invalid_checksum", "id_number")
    elif case == "length":
        number = good[:-1]
        expected = ("id_number_invalid_length", "id_number")
    elif case == "birth_date":
        extra = {"birth_date": "1985-03-15"}
        expected = ("birth_date_mismatch", "birth_date")
    elif case == "gender":
        extra = {"gender": "F"}
        expected = ("gender_mismatch", "gender")
    elif case == "community":
        org = world.a.community
        expected = ("org_cannot_hold_members", "org")
    elif case == "too_young":
        number = valid_id(datetime.date(2010, 1, 1))
        expected = ("too_young", "since")
    elif case == "future":
        extra = {"since": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()}
        expected = ("date_in_future", "since")
    else:
        number = world.b.members[0].person.id_number  # registered in the other county
        expected = ("id_number_duplicate", "id_number")
    before = snapshot()
    response = post_member(api, org, number, **extra)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "field", "detail"}
    assert (body["code"], body["field"]) == expected
    assert body["detail"]
    assert snapshot() == before


def test_api_register_outside_scope_is_404(world, api):
    before = snapshot()
    response = post_member(api, world.b.branch, valid_id())
    assert response.status_code == 404
    assert snapshot() == before


def test_api_grants_outside_the_granters_subtree(world):
    client = APIClient()
    client.force_authenticate(world.a.users["secretary"])
    body = {"username": world.a.users["member"].username, "node": world.a.branch.pk, "role": "secretary"}
    before = snapshot()
    response = client.post("/api/grants/", body, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("grant_outside_subtree", "node")
    client.force_authenticate(world.a.users["org_admin"])
    response = client.post("/api/grants/", {**body, "node": world.b.branch.pk}, format="json")
    assert response.status_code == 404
    assert snapshot() == before
    response = client.post("/api/grants/", body, format="json")
    assert response.status_code == 201


def test_long_standing_member_is_not_refused(world):
    """A member who joined decades ago is registered with the date they joined."""
    m = register(world.a.branch, valid_id(datetime.date(1950, 5, 1)), since=datetime.date(1975, 7, 1))
    assert m.since == datetime.date(1975, 7, 1) and m.full_on == datetime.date(1975, 7, 1)

"""双报到 through the services with a clock: registration, tasks, claims and hours, and each refusal."""

import datetime
from decimal import Decimal

import pytest

from jiceng.checkin import queries, services
from jiceng.checkin.models import Claim, Registration, Task
from jiceng.core.errors import DomainError, NotFound
from jiceng.core.models import AuditEvent
from jiceng.orgs.models import Organization
from jiceng.people.models import Membership

from tests import builders as b

pytestmark = pytest.mark.django_db


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value.message


def task(duty, slots=2, on=None, **kw):
    return services.publish_task(duty.community_secretary, community=duty.community, kind=Task.VOLUNTEER,
                                 title="楼道清扫", on=on or duty.today + datetime.timedelta(days=3), slots=slots,
                                 place="3号楼", today=duty.today, **kw)


def test_service_hours_are_seen_by_the_community_and_the_workplace_branch(world, duty):
    zhang, li = duty.people[:2]
    services.register(duty.users[0], person=zhang, community=duty.community)             # on their phone
    services.register(duty.workplace_secretary, person=li, community=duty.community)     # by their secretary
    assert Membership.objects.get(person=zhang).org == duty.branch  # membership stays at the workplace

    t = task(duty)
    wish = services.publish_task(duty.community_secretary, community=duty.community, kind=Task.WISH,
                                 title="独居老人想要一台收音机", on=duty.today, slots=1, today=duty.today)
    c1 = services.claim(duty.users[0], t, today=duty.today)
    c2 = services.claim(duty.users[1], t, today=duty.today)
    c3 = services.claim(duty.users[0], wish, today=duty.today)
    served = duty.today + datetime.timedelta(days=3)
    services.confirm_service(duty.community_secretary, c1, hours=3, today=served)
    services.confirm_service(duty.community_secretary, c2, hours="2.5", today=served)
    services.confirm_service(duty.community_secretary, c3, hours=1, today=served)

    figures = queries.community_figures(duty.community_secretary, duty.community, served.year)
    assert figures == {"active": 2, "ended": 0, "units": 0, "open_tasks": 2, "hours": Decimal("6.5"),
                            "services": 3, "people": 2}
    names = {r.person.name for r in queries.registrations(duty.community_secretary, duty.community)}
    assert names == {"张文", "李青"}

    rows = {r["person__name"]: (r["hours"], r["services"])
            for r in queries.members_service(duty.workplace_secretary, duty.branch, served.year)}
    assert rows == {"张文": (Decimal("4.0"), 2), "李青": (Decimal("2.5"), 1)}
    assert queries.members_service(duty.workplace_secretary, duty.branch, served.year - 1).count() == 0
    # the member sees their own hours, by year
    mine = list(queries.my_claims(duty.users[0], zhang))
    assert queries.hours_by_year(mine) == [(served.year, Decimal("4.0"), 2)]
    # a secretary of another county sees none of it
    assert not queries.members_service(world.b.users["secretary"], duty.branch, served.year).exists()
    assert AuditEvent.objects.filter(action="checkin.confirm_service").count() == 3


def test_registration_refusals(world, duty):
    zhang = duty.people[0]
    msg = refused("not_a_community", services.register, duty.users[0], person=zhang, community=world.a.street)
    assert "甲城街道" in msg
    refused("not_a_community", services.register, duty.users[0], person=zhang, community=world.a.branch)
    msg = refused("community_out_of_area", services.register, duty.users[0], person=zhang,
                  community=world.b.community)
    assert "乙园社区" in msg and "甲县" in msg
    # the workplace secretary cannot reach beyond the member's county either
    refused("community_out_of_area", services.register, duty.workplace_secretary, person=zhang,
            community=world.b.community)
    # someone else's secretary cannot act for the member at all
    with pytest.raises(NotFound):
        services.register(world.b.users["secretary"], person=zhang, community=world.a.community)
    # another member cannot register someone else
    with pytest.raises(NotFound):
        services.register(duty.users[1], person=zhang, community=world.a.community)
    Organization.objects.filter(pk=duty.community.pk).update(status="dissolved", dissolved_on=datetime.date(2026, 1, 1))
    duty.community.refresh_from_db()
    msg = refused("community_inactive", services.register, duty.users[0], person=zhang, community=duty.community)
    assert "2026-01-01" in msg
    assert not Registration.objects.exists()


def test_one_active_registration_and_history(world, duty):
    zhang = duty.people[0]
    second = b.org(world.a.street, "甲河社区", "community", "urban_community")
    first = services.register(duty.users[0], person=zhang, community=duty.community, on=duty.today)
    msg = refused("already_registered", services.register, duty.users[0], person=zhang, community=second)
    assert duty.today.isoformat() in msg
    services.end_registration(duty.users[0], first, on=duty.today + datetime.timedelta(days=30), reason="搬家")
    services.register(duty.users[0], person=zhang, community=second, on=duty.today + datetime.timedelta(days=31))
    history = list(Registration.objects.filter(person=zhang).order_by("started_on").values_list("community__name",
                                                                                                  "ended_on"))
    assert history == [("甲园社区", duty.today + datetime.timedelta(days=30)), ("甲河社区", None)]
    # the old community keeps the ended registration as history
    assert queries.community_figures(duty.community_secretary, duty.community, duty.today.year)["ended"] == 1


def test_claim_refusals(world, duty):
    for i in range(3):
        services.register(duty.users[i], person=duty.people[i], community=duty.community)
    t = task(duty, slots=1)
    services.claim(duty.users[0], t, today=duty.today)
    msg = refused("already_claimed", services.claim, duty.users[0], t, today=duty.today)
    assert "楼道清扫" in msg
    msg = refused("task_full", services.claim, duty.users[1], t, today=duty.today)
    assert "1 个名额" in msg
    t.refresh_from_db()
    assert t.claimed == 1 and Claim.objects.filter(task=t).count() == 1
    # a withdrawal frees the slot
    services.withdraw(duty.users[0], Claim.objects.get(task=t))
    services.claim(duty.users[1], t, today=duty.today)
    # a past task, a closed task, a member not registered there
    later = t.on + datetime.timedelta(days=1)
    msg = refused("task_past", services.claim, duty.users[2], t, today=later)
    assert t.on.isoformat() in msg
    t2 = task(duty, slots=5)
    services.close_task(duty.community_secretary, t2)
    refused("task_closed", services.claim, duty.users[2], t2, today=duty.today)
    refused("not_registered", services.claim, world.a.users["member"], task(duty), today=duty.today)


def test_task_and_hours_refusals(world, duty):
    services.register(duty.users[0], person=duty.people[0], community=duty.community)
    refused("date_in_past", task, duty, on=duty.today - datetime.timedelta(days=1))
    refused("slots_invalid", task, duty, slots=100000)
    refused("not_a_community", services.publish_task, duty.community_secretary, community=world.a.street,
            kind=Task.VOLUNTEER, title="x", on=duty.today, slots=1, today=duty.today)
    with pytest.raises(NotFound):  # another community's secretary
        services.publish_task(world.b.users["secretary"], community=duty.community, kind=Task.VOLUNTEER,
                              title="x", on=duty.today, slots=1, today=duty.today)
    t = task(duty)
    c = services.claim(duty.users[0], t, today=duty.today)
    msg = refused("hours_invalid", services.confirm_service, duty.community_secretary, c, hours=13, today=t.on)
    assert "12" in msg
    refused("hours_invalid", services.confirm_service, duty.community_secretary, c, hours=0, today=t.on)
    refused("served_in_future", services.confirm_service, duty.community_secretary, c, hours=2, today=duty.today)
    # the workplace secretary cannot confirm hours: the community does
    with pytest.raises(DomainError):
        services.confirm_service(duty.workplace_secretary, c, hours=2, today=t.on)
    c.refresh_from_db()
    assert c.status == Claim.CLAIMED and c.hours is None


def test_partner_units(world, duty):
    unit = services.register_unit(duty.community_secretary, community=duty.community, org=duty.bureau,
                                  resources="会议室\n志愿者 10 人\n", contact="办公室 王主任")
    assert unit.name == "甲县民政局" and unit.resource_list() == ["会议室", "志愿者 10 人"]
    refused("unit_already_registered", services.register_unit, duty.community_secretary,
            community=duty.community, name="甲县民政局")
    refused("name_required", services.register_unit, duty.community_secretary, community=duty.community)
    services.end_unit(duty.community_secretary, unit)
    services.register_unit(duty.community_secretary, community=duty.community, name="甲县民政局")
    assert queries.community_figures(duty.community_secretary, duty.community, duty.today.year)["units"] == 1

"""下沉 through the services with a clock: coverage against need, checked by hand, and each refusal."""

import pytest

from jiceng.core.errors import DomainError, NotFound
from jiceng.mobilization import queries, services
from jiceng.mobilization.models import Call, Deployment, Need

from tests import builders as b

from .conftest import at

pytestmark = pytest.mark.django_db


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value.message


def issue(s, needs, **kw):
    return services.issue_call(s.secretary, caller=s.street, title="疫情防控下沉社区", starts_at=s.starts,
                               ends_at=s.ends, needs=needs, now=at(10, 12), **kw)


def need(call, community, role):
    return Need.objects.get(call=call, community=community, role=role)


def test_coverage_against_need(world, street):
    s = street
    call = issue(s, [(s.garden, "卡口值守", 2), (s.garden, "物资配送", 1), (s.river, "核酸采样协助", 3)])
    gate, supply, swab = need(call, s.garden, "卡口值守"), need(call, s.garden, "物资配送"), \
        need(call, s.river, "核酸采样协助")
    a = world.a
    jia_er = services.sign_up(a.users["member"], gate, now=at(10, 13))            # a resident member volunteers
    jia_yi = services.assign(s.secretary, gate, a.members[0].person, now=at(10, 14))  # the street assigns
    msg = refused("role_full", services.assign, s.secretary, gate, a.members[2].person, now=at(10, 15))
    assert "甲园社区" in msg and "卡口值守" in msg and "2 人" in msg
    services.assign(s.secretary, swab, a.members[2].person, now=at(10, 15))
    cadre = services.sign_up(s.duty.users[0], supply, now=at(10, 16))            # registered via 双报到
    services.arrive(a.users["member"], jia_er, now=at(11, 8, 30))
    services.arrive(s.duty.users[0], cadre, now=at(11, 9))
    refused("already_arrived", services.arrive, s.duty.users[0], cadre, now=at(11, 10))
    msg = refused("call_not_started", services.arrive, s.secretary, jia_yi, now=at(11, 7, 59))
    assert "2026-05-11 08:00" in msg

    needs, totals = queries.coverage(s.secretary, call)
    table = [(n.community.name, n.role, n.needed, n.signed, n.arrived, n.gap) for n in needs]
    assert table == [
        ("甲园社区", "卡口值守", 2, 2, 1, 0),
        ("甲园社区", "物资配送", 1, 1, 1, 0),
        ("甲河社区", "核酸采样协助", 3, 1, 0, 2),
    ]
    assert totals == {"needed": 6, "signed": 4, "arrived": 2, "gap": 2}
    # the kept counts agree with the rows they count
    for n in needs:
        rows = Deployment.objects.filter(need=n, withdrawn_at__isnull=True)
        assert (n.signed, n.arrived) == (rows.count(), rows.filter(arrived_at__isnull=False).count())
    # a community sees the call and its own rows only; 乙县 sees nothing
    river_secretary = b.user("river_a", "secretary", s.river)
    assert [n.role for n in queries.coverage(river_secretary, call)[0]] == ["核酸采样协助"]
    assert not queries.calls_for(world.b.users["org_admin"], s.street).exists()
    # withdrawing before arrival frees the place
    services.withdraw(s.secretary, jia_yi, now=at(11, 10))
    gate.refresh_from_db()
    assert (gate.signed, gate.arrived, gate.gap) == (1, 1, 1)


def test_refusals(world, street):
    s = street
    a = world.a
    msg = refused("community_outside_caller", issue, s, [(s.garden, "卡口值守", 2), (world.b.community, "卡口值守", 1)])
    assert "乙园社区" in msg and "甲城街道" in msg
    refused("not_a_community", issue, s, [(a.branch, "卡口值守", 2)])
    refused("needs_required", issue, s, [])
    refused("head_count_invalid", issue, s, [(s.garden, "卡口值守", 0)])
    refused("need_duplicate", issue, s, [(s.garden, "卡口值守", 1), (s.garden, " 卡口值守", 1)])
    refused("period_invalid", services.issue_call, s.secretary, caller=s.street, title="x", starts_at=s.ends,
            ends_at=s.starts, needs=[(s.garden, "卡口值守", 1)], now=at(10, 12))
    refused("caller_kind_invalid", services.issue_call, None, caller=a.branch, title="x", starts_at=s.starts,
            ends_at=s.ends, needs=[(s.garden, "卡口值守", 1)], now=at(10, 12))
    with pytest.raises(NotFound):  # another county's secretary cannot call in 甲城街道
        services.issue_call(world.b.users["secretary"], caller=s.street, title="x", starts_at=s.starts,
                            ends_at=s.ends, needs=[(s.garden, "卡口值守", 1)], now=at(10, 12))
    assert not Call.objects.exists()

    call = issue(s, [(s.garden, "卡口值守", 1), (s.river, "物资配送", 2)])
    gate, supply = need(call, s.garden, "卡口值守"), need(call, s.river, "物资配送")
    mine = services.sign_up(a.users["member"], gate, now=at(10, 13))
    msg = refused("already_signed", services.sign_up, a.users["member"], supply, now=at(10, 13))
    assert "卡口值守" in msg
    refused("role_full", services.sign_up, s.duty.users[0], gate, now=at(10, 13))
    refused("not_in_reach", services.sign_up, world.b.users["member"], supply, now=at(10, 13))
    msg = refused("call_ended", services.arrive, a.users["member"], mine, now=at(18, 20, 1))
    assert "2026-05-18 20:00" in msg
    refused("call_ended", services.sign_up, s.duty.users[1], supply, now=at(19, 8))
    services.sign_up(s.duty.users[1], supply, now=at(11, 8))
    refused("head_count_invalid", services.set_need, s.secretary, supply, 0)
    services.assign(s.secretary, supply, s.duty.people[2], now=at(11, 9))
    msg = refused("head_count_below_signed", services.set_need, s.secretary, supply, 1)
    assert "2 人" in msg
    services.set_need(s.secretary, supply, 4)
    services.close_call(s.secretary, call)
    refused("call_closed", services.sign_up, s.duty.users[0], supply, now=at(12, 8))
    supply.refresh_from_db()
    assert (supply.needed, supply.signed, supply.arrived) == (4, 2, 0)

import datetime

import pytest

from jiceng.core.errors import DomainError
from jiceng.village import services
from jiceng.village.models import Disclosure, Matter, StepRecord

from tests import builders as b

from .helpers import D, matter, step, village

pytestmark = pytest.mark.django_db


def test_a_matter_goes_through_all_six_steps(world):
    secretary = b.user("cun_sec", "secretary", village(world.a))
    m = matter(world.a, actor=secretary)
    for order in range(1, 7):
        step(m, order, actor=secretary)
    m.refresh_from_db()
    assert m.status == Matter.DONE
    assert StepRecord.objects.filter(matter=m, passed=True).count() == 6
    kinds = list(Disclosure.objects.filter(matter=m).order_by("posted_on").values_list("kind", "keep_until"))
    days = datetime.timedelta
    assert kinds == [("resolution", D + days(days=5 + 30)), ("result", D + days(days=6 + 30))]
    assert services.mandatory("其他", 80000, D) and not services.mandatory("其他", 100, D)


def test_out_of_order_and_skipped_steps_are_refused(world):
    m = matter(world.a)
    with pytest.raises(DomainError, match="不得跳过步骤：须先完成第 1 步") as e:
        step(m, 2)
    assert e.value.code == "step_skipped"
    step(m, 1)
    with pytest.raises(DomainError, match="已完成") as e:
        step(m, 1)
    assert e.value.code == "step_out_of_order"
    assert StepRecord.objects.filter(matter=m).count() == 1


def test_no_quorum_is_refused_and_nothing_written(world):
    m = matter(world.a)
    step(m, 1)
    step(m, 2)
    with pytest.raises(DomainError, match="党员大会到会人数未达到2/3") as e:
        step(m, 3, entitled=30, present=19, yes=19, no=0, abstain=0)
    assert e.value.code == "no_quorum"
    step(m, 3, entitled=30, present=20, yes=11, no=9, abstain=0)  # exactly 2/3 present is enough
    with pytest.raises(DomainError, match="村民会议到会人数未超过1/2"):
        step(m, 4, body="villagers_assembly", entitled=400, present=200, yes=200, no=0, abstain=0)
    assert StepRecord.objects.filter(matter=m).count() == 3


def test_a_failed_vote_returns_or_ends_the_matter(world):
    m = matter(world.a)
    step(m, 1)
    step(m, 2, entitled=7, present=6, yes=3, no=3, abstain=0)  # half is not more than half
    m.refresh_from_db()
    assert (m.status, m.next_order) == (Matter.OPEN, 1)
    for order in (1, 2, 3):
        step(m, order, on=D + datetime.timedelta(days=10 + order))
    step(m, 4, on=D + datetime.timedelta(days=20), entitled=30, present=20, yes=10, no=10, abstain=0)
    m.refresh_from_db()
    assert m.status == Matter.ENDED
    with pytest.raises(DomainError, match="已终止"):
        step(m, 5, on=D + datetime.timedelta(days=21))
    assert not Disclosure.objects.filter(matter=m).exists()


def test_wrong_body_and_missing_counts_are_refused(world):
    m = matter(world.a)
    with pytest.raises(DomainError, match="须由村党组织进行"):
        step(m, 1, body="party_assembly")
    step(m, 1)
    with pytest.raises(DomainError, match="须记录应到"):
        step(m, 2, present=None)


def test_disclosure_cannot_come_down_before_its_period(world):
    m = matter(world.a)
    for order in range(1, 6):
        step(m, order)
    disclosure = Disclosure.objects.get(matter=m)
    with pytest.raises(DomainError, match=f"须公开至 {disclosure.keep_until:%Y-%m-%d}") as e:
        services.take_down(None, disclosure, disclosure.keep_until - datetime.timedelta(days=1))
    assert e.value.code == "period_not_over"
    services.take_down(None, disclosure, disclosure.keep_until)
    assert Disclosure.objects.get(pk=disclosure.pk).taken_down_on == disclosure.keep_until


def test_an_open_objection_holds_the_next_step(world):
    v = village(world.a)
    supervisor = b.user("jiandu", "auditor", v)
    services.appoint_supervisor(None, v, supervisor)
    outsider = b.user("waiju", "auditor", world.a.county)
    m = matter(world.a)
    step(m, 1)
    with pytest.raises(DomainError, match="只有本村村务监督委员会成员"):
        services.object_to(outsider, m, text="?", on=D)
    objection = services.object_to(supervisor, m, text="预算未附明细", on=D + datetime.timedelta(days=1))
    with pytest.raises(DomainError, match="监督意见尚未答复") as e:
        step(m, 2)
    assert e.value.code == "objection_open"
    services.answer_objection(None, objection, text="已补充预算明细", on=D + datetime.timedelta(days=2))
    step(m, 2)
    with pytest.raises(DomainError, match="没有查看权限"):
        services.appoint_supervisor(None, v, b.user("nobody"))

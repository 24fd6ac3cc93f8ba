"""A transfer's validity ends after the policy's months: both ends are reminded before, told when it
has expired, and an expired transfer can no longer be acted on. The daily job runs with a date."""

import datetime

import pytest
from django.utils import timezone

from jiceng.core import schedule
from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent, Notice
from jiceng.people.models import Membership
from jiceng.transfers import services
from jiceng.transfers.models import Transfer
from jiceng.transfers.tasks import expire_and_remind

pytestmark = pytest.mark.django_db
D = datetime.date


def titles(user):
    return sorted(Notice.objects.filter(user=user).values_list("title", flat=True))


def test_reminders_before_and_at_expiry_to_both_ends_and_the_member(world):
    a, z = world.a, world.b
    m = a.members[1]  # has an account (member_甲)
    t = services.send(a.users["secretary"], m, z.branch, D(2025, 9, 1))  # valid to 2025-12-01
    people = [a.users["secretary"], z.users["secretary"], a.users["member"]]
    assert expire_and_remind.call(on="2025-11-23") == 0  # eight days before: not yet
    assert expire_and_remind.call(on="2025-11-24") == 3  # seven days before (policy)
    due = "组织关系转接将于 12月01日 到期：甲二（甲园社区党支部 → 乙园社区党支部）"
    assert all(titles(u) == [due] for u in people)
    assert expire_and_remind.call(on="2025-11-25") == 0  # once
    assert expire_and_remind.call(on="2025-12-01") == 0  # its last day: still pending
    assert Transfer.objects.get(pk=t.pk).status == Transfer.PENDING
    assert expire_and_remind.call(on="2025-12-02") == 3
    expired = "组织关系转接已过期：甲二（甲园社区党支部 → 乙园社区党支部）"
    assert all(titles(u) == sorted([due, expired]) for u in people)
    assert not Notice.objects.filter(user__in=[a.users["org_admin"], z.users["grid_worker"]]).exists()
    t.refresh_from_db()
    assert t.status == Transfer.EXPIRED
    assert AuditEvent.objects.filter(action="transfers.expire", object_id=str(t.pk)).count() == 1
    assert Membership.objects.get(pk=m.pk).org_id == a.branch.pk  # stays with the sender
    with pytest.raises(DomainError) as refused:
        services.accept(z.users["secretary"], t, D(2025, 12, 1))
    assert refused.value.code == "transfer_expired" and "2025-12-01" in refused.value.message
    assert expire_and_remind.call(on="2025-12-03") == 0
    # After expiry the sender may send again.
    assert services.send(a.users["secretary"], m, z.branch, D(2025, 12, 3)).status == Transfer.PENDING


def test_a_letter_out_reminds_the_sender_and_the_member(world):
    a = world.a
    services.issue_letter(a.users["secretary"], a.members[1], "上海市某公司党支部", D(2025, 9, 1))
    assert expire_and_remind.call(on="2025-11-30") == 2
    assert titles(a.users["member"]) == ["组织关系转接将于 12月01日 到期：甲二（甲园社区党支部 → 上海市某公司党支部）"]
    assert "回执" in Notice.objects.get(user=a.users["secretary"]).body


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_is_scheduled(world):
    now = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 30))
    assert "transfers.expire_and_remind" in schedule.enqueue_due(now)
    assert "transfers.expire_and_remind" not in schedule.enqueue_due(now)

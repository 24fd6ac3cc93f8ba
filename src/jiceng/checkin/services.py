"""双报到: every change of registrations, partner units, tasks and claims. One transaction each,
with an audit event. Never a compulsory check-in and never a quota: hours are recorded as facts."""

import decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiceng.core import audit, policy
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can
from jiceng.orgs.kinds import KIND_LABELS
from jiceng.orgs.models import Organization
from jiceng.orgs.services import region_of
from jiceng.people.choices import PARTY_MEMBER_STATUSES
from jiceng.people.models import Membership

from .models import Claim, PartnerUnit, Registration, Task

COMMUNITY_KINDS = {"community", "village"}


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _today(on):
    return on or timezone.localdate()


def _is_self(actor, person):
    return actor is not None and getattr(actor, "person", None) is not None and actor.person.pk == person.pk


def _membership(person):
    m = Membership.objects.filter(person=person).select_related("org").first()
    if m is None or m.status not in PARTY_MEMBER_STATUSES:
        raise DomainError("not_a_member", f"{person.name}不是正式党员或预备党员，不能到社区报到", "person")
    return m


def area_of(branch, on=None):
    """The area a member may choose a community in by themself: the branch's nearest ancestor of
    the policy's kind (the county by default), else its topmost ancestor."""
    kind = policy.get("checkin.self_registration_area", on=_today(on), region=region_of(branch))
    ancestors = list(Organization.objects.filter(path__in=branch.ancestor_paths(include_self=True)).order_by("-depth"))
    return next((a for a in ancestors if a.kind == kind), ancestors[-1])


def communities_for(branch, on=None):
    """Active communities and villages a member of `branch` may register with by themself."""
    area = area_of(branch, on)
    return Organization.objects.filter(area.subtree_q(), kind__in=COMMUNITY_KINDS,
                                       status=Organization.ACTIVE).order_by("path")


def _check_community(actor, membership, community, on):
    if community.kind not in COMMUNITY_KINDS:
        raise DomainError("not_a_community", f"“{community.name}”是{KIND_LABELS.get(community.kind, community.kind)}，"
                          "在职党员只能到居住地的社区或村报到", "community")
    if community.status != Organization.ACTIVE:
        raise DomainError("community_inactive", f"“{community.name}”已于 {community.dissolved_on or '此前'} 撤销，"
                          "不能再到该社区报到", "community")
    if actor is None or can(actor, CHANGE, community):
        return
    area = area_of(membership.org, on)
    if not community.path.startswith(area.path):
        rule = policy.policy("checkin.self_registration_area")
        raise DomainError("community_out_of_area",
                          f"“{community.name}”不在“{area.name}”范围内：本人报到限于所在党支部“{membership.org.name}”"
                          f"所属“{area.name}”的社区、村（{rule.title}）。居住在范围外的，请由该社区的管理员登记",
                          "community")


@transaction.atomic
def register(actor, *, person, community, on=None):
    """A member registers with the community where they live; their membership stays where it is.
    The member acts for themself, or their branch's secretary (or above) for them."""
    on = _today(on)
    membership = _membership(person)
    if not _is_self(actor, person):
        require(actor, CHANGE, membership.org, "该党员")
    if on > timezone.localdate():
        raise DomainError("date_in_future", "报到日期不能晚于今天", "on")
    _check_community(actor, membership, community, on)
    current = Registration.objects.select_for_update().filter(person=person, ended_on__isnull=True) \
        .select_related("community").first()
    if current:
        raise DomainError("already_registered",
                          f"{person.name}已于 {current.started_on:%Y-%m-%d} 到“{current.community.name}”报到；"
                          "一名党员同时只在一个社区报到，换社区请先结束原报到", "community")
    registration = Registration.objects.create(person=person, community=community, started_on=on,
                                               created_by=_user(actor))
    audit.record(actor, "checkin.register", registration,
                 after={"person": person.pk, "community": community.pk, "started_on": on,
                        "branch": membership.org_id})
    return registration


@transaction.atomic
def end_registration(actor, registration, *, on=None, reason=""):
    """End a registration (moved house, retired…); the row stays as history."""
    registration = Registration.objects.select_for_update().select_related("person", "community") \
        .get(pk=registration.pk)
    on = _today(on)
    if not _is_self(actor, registration.person):
        if actor is not None and not can(actor, CHANGE, registration.community):
            require(actor, CHANGE, _membership(registration.person).org, "该党员")
    if registration.ended_on:
        raise DomainError("already_ended", f"该报到已于 {registration.ended_on:%Y-%m-%d} 结束", "on")
    if on < registration.started_on:
        raise DomainError("end_before_start", f"结束日期不能早于报到日期 {registration.started_on:%Y-%m-%d}", "on")
    registration.ended_on, registration.end_reason = on, (reason or "").strip()
    registration.save(update_fields=["ended_on", "end_reason"])
    audit.record(actor, "checkin.end_registration", registration, before={"ended_on": None},
                 after={"ended_on": on, "reason": registration.end_reason})
    return registration


def _require_community(actor, community):
    if community.kind not in COMMUNITY_KINDS:
        raise DomainError("not_a_community", f"“{community.name}”不是社区或村", "community")
    require(actor, CHANGE, community, "该社区")


@transaction.atomic
def register_unit(actor, *, community, name="", org=None, resources="", contact="", on=None):
    """共建单位: a unit registers with the community (recorded by the community), with its resources."""
    _require_community(actor, community)
    on = _today(on)
    name = (name or (org.name if org else "")).strip()
    if not name:
        raise DomainError("name_required", "请填写单位名称或选择单位", "name")
    if community.status != Organization.ACTIVE:
        raise DomainError("community_inactive", f"“{community.name}”已撤销，不能登记共建单位", "community")
    duplicate = PartnerUnit.objects.filter(community=community, ended_on__isnull=True, name=name)
    if duplicate.exists():
        raise DomainError("unit_already_registered", f"“{name}”已在“{community.name}”报到", "name")
    unit = PartnerUnit.objects.create(community=community, org=org, name=name, resources=(resources or "").strip(),
                                      contact=(contact or "").strip(), started_on=on)
    audit.record(actor, "checkin.register_unit", unit,
                 after={"community": community.pk, "org": org.pk if org else None, "name": name,
                        "resources": unit.resource_list(), "started_on": on})
    return unit


@transaction.atomic
def end_unit(actor, unit, *, on=None):
    unit = PartnerUnit.objects.select_for_update().select_related("community").get(pk=unit.pk)
    require(actor, CHANGE, unit.community, "该社区")
    if unit.ended_on:
        raise DomainError("already_ended", f"“{unit.name}”已于 {unit.ended_on:%Y-%m-%d} 结束共建", "on")
    unit.ended_on = _today(on)
    unit.save(update_fields=["ended_on"])
    audit.record(actor, "checkin.end_unit", unit, before={"ended_on": None}, after={"ended_on": unit.ended_on})
    return unit


@transaction.atomic
def publish_task(actor, *, community, kind, title, on, slots, place="", description="", today=None):
    """The community publishes a volunteer task or a resident's small wish with its slots."""
    _require_community(actor, community)
    today = _today(today)
    if kind not in dict(Task.KINDS):
        raise DomainError("task_kind_invalid", f"未知的服务类型：{kind}", "kind")
    if not (title or "").strip():
        raise DomainError("title_required", "请填写标题", "title")
    if on < today:
        raise DomainError("date_in_past", f"服务日期 {on:%Y-%m-%d} 早于今天 {today:%Y-%m-%d}", "on")
    most = policy.get("checkin.max_slots_per_task", on=today, region=region_of(community))
    if not 1 <= slots <= most:
        raise DomainError("slots_invalid", f"名额须在 1 到 {most} 之间", "slots")
    task = Task.objects.create(community=community, kind=kind, title=title.strip(), on=on, slots=slots,
                               place=(place or "").strip(), description=(description or "").strip(),
                               created_by=_user(actor))
    audit.record(actor, "checkin.publish_task", task,
                 after={"community": community.pk, "kind": kind, "title": task.title, "on": on, "slots": slots,
                        "place": task.place})
    return task


@transaction.atomic
def close_task(actor, task):
    task = Task.objects.select_for_update().select_related("community").get(pk=task.pk)
    require(actor, CHANGE, task.community, "该社区")
    if task.status == Task.CLOSED:
        raise DomainError("task_closed", "该项目已关闭", None)
    task.status = Task.CLOSED
    task.save(update_fields=["status"])
    audit.record(actor, "checkin.close_task", task, before={"status": Task.OPEN}, after={"status": Task.CLOSED})
    return task


@transaction.atomic
def claim(actor, task, *, person=None, today=None):
    """A member claims a task of the community they registered with. The slot is taken by one
    conditional UPDATE, so two members claiming the last slot at once cannot both get it."""
    person = person if actor is None else getattr(actor, "person", None)
    if person is None:
        raise DomainError("no_person", "您的账号没有关联党员档案，不能认领", None)
    today = _today(today)
    task = Task.objects.select_related("community").get(pk=task.pk)
    if task.status != Task.OPEN:
        raise DomainError("task_closed", f"“{task.title}”已关闭认领", None)
    if task.on < today:
        raise DomainError("task_past", f"“{task.title}”的服务日期 {task.on:%Y-%m-%d} 已过，不能再认领", None)
    if not Registration.objects.filter(person=person, community=task.community, ended_on__isnull=True).exists():
        raise DomainError("not_registered", f"您尚未到“{task.community.name}”报到，报到后可认领该社区的服务项目", None)
    if Claim.objects.filter(task=task, person=person).exclude(status=Claim.WITHDRAWN).exists():
        raise DomainError("already_claimed", f"您已认领“{task.title}”", None)
    taken = Task.objects.filter(pk=task.pk, status=Task.OPEN, claimed__lt=F("slots")) \
        .update(claimed=F("claimed") + 1)
    if not taken:
        raise DomainError("task_full", f"“{task.title}”的 {task.slots} 个名额已被认领完", None)
    row = Claim.objects.create(task=task, person=person, claimed_at=timezone.now())
    audit.record(actor, "checkin.claim", row, after={"task": task.pk, "person": person.pk})
    return row


@transaction.atomic
def withdraw(actor, claim_row):
    """The member withdraws a claim not yet confirmed; the slot is free again."""
    row = Claim.objects.select_for_update().select_related("task", "person").get(pk=claim_row.pk)
    if not _is_self(actor, row.person) and actor is not None:
        require(actor, CHANGE, row.task.community, "该社区")
    if row.status != Claim.CLAIMED:
        raise DomainError("claim_not_open", f"该认领{row.get_status_display()}，不能退出", None)
    row.status = Claim.WITHDRAWN
    row.save(update_fields=["status"])
    Task.objects.filter(pk=row.task_id).update(claimed=F("claimed") - 1)
    audit.record(actor, "checkin.withdraw", row, before={"status": Claim.CLAIMED}, after={"status": row.status})
    return row


@transaction.atomic
def confirm_service(actor, claim_row, *, hours, served_on=None, today=None):
    """The community confirms the service and its hours (or corrects hours it confirmed)."""
    row = Claim.objects.select_for_update().select_related("task__community", "person").get(pk=claim_row.pk)
    require(actor, CHANGE, row.task.community, "该社区")
    today = _today(today)
    served_on = served_on or row.task.on
    if row.status == Claim.WITHDRAWN:
        raise DomainError("claim_withdrawn", f"{row.person.name}已退出该项目，不能确认服务", None)
    if served_on > today:
        raise DomainError("served_in_future", f"服务日期 {served_on:%Y-%m-%d} 晚于今天，服务后再确认", "served_on")
    try:
        hours = decimal.Decimal(str(hours)).quantize(decimal.Decimal("0.1"))
    except decimal.InvalidOperation:
        raise DomainError("hours_invalid", "服务时长须为数字", "hours") from None
    most = policy.get("checkin.max_hours_per_record", on=served_on, region=region_of(row.task.community))
    if not 0 < hours <= most:
        raise DomainError("hours_invalid", f"一次服务记录的时长须大于 0 且不超过 {most} 小时"
                          f"（{policy.policy('checkin.max_hours_per_record').title}）", "hours")
    before = {"status": row.status, "hours": row.hours, "served_on": row.served_on}
    row.status, row.hours, row.served_on = Claim.CONFIRMED, hours, served_on
    row.confirmed_by, row.confirmed_at = _user(actor), timezone.now()
    row.save(update_fields=["status", "hours", "served_on", "confirmed_by", "confirmed_at"])
    audit.record(actor, "checkin.confirm_service", row, before=before,
                 after={"status": row.status, "hours": hours, "served_on": served_on})
    return row

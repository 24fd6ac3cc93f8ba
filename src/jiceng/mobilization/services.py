"""下沉: every change of calls, needs and deployments. One transaction each, with an audit event.
The counts on each need row move in the same transaction as the change, by conditional UPDATEs,
so a full role cannot be over-filled by sign-ups arriving at the same moment."""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jiceng.checkin.models import Registration
from jiceng.core import audit, policy
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can
from jiceng.orgs.kinds import KIND_LABELS
from jiceng.orgs.models import Organization
from jiceng.orgs.services import region_of
from jiceng.people.models import Person

from .models import Call, Deployment, Need

COMMUNITY_KINDS = {"community", "village"}


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _at(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _check_needs(caller, needs, on):
    """needs: [(community, role, count)]. Each community must lie in the caller's subtree."""
    if not needs:
        raise DomainError("needs_required", "请至少选择一个社区并填写岗位和人数", "communities")
    most = policy.get("mobilization.max_head_count", on=on, region=region_of(caller))
    seen = set()
    for community, role, count in needs:
        role = (role or "").strip()
        if community.kind not in COMMUNITY_KINDS:
            raise DomainError("not_a_community", f"“{community.name}”是{KIND_LABELS.get(community.kind, '')}，"
                              "下沉岗位设在社区或村", "communities")
        if not community.path.startswith(caller.path):
            raise DomainError("community_outside_caller", f"“{community.name}”不在“{caller.name}”辖区内，"
                              "动员令只能调派到本辖区的社区、村", "communities")
        if community.status != Organization.ACTIVE:
            raise DomainError("community_inactive", f"“{community.name}”已撤销", "communities")
        if not role:
            raise DomainError("role_required", "请填写岗位名称（如：卡口值守）", "roles")
        if not 1 <= count <= most:
            raise DomainError("head_count_invalid", f"“{community.name}”{role}的人数须在 1 到 {most} 之间", "count")
        if (community.pk, role) in seen:
            raise DomainError("need_duplicate", f"“{community.name}”的“{role}”重复", "roles")
        seen.add((community.pk, role))


@transaction.atomic
def issue_call(actor, *, caller, title, starts_at, ends_at, needs, description="", now=None):
    """A street, township or county calls members and cadres down to named communities."""
    require(actor, CHANGE, caller, "该单位")
    now = now or timezone.now()
    on = timezone.localtime(starts_at).date()
    kinds = policy.get("mobilization.caller_kinds", on=on, region=region_of(caller))
    if caller.kind not in kinds:
        raise DomainError("caller_kind_invalid", f"“{caller.name}”是{KIND_LABELS.get(caller.kind, '')}，"
                          f"动员令由{'、'.join(KIND_LABELS[k] for k in kinds)}发布", "caller")
    if not (title or "").strip():
        raise DomainError("title_required", "请填写动员令标题", "title")
    if ends_at <= starts_at:
        raise DomainError("period_invalid", f"结束时间 {_at(ends_at)} 须晚于开始时间 {_at(starts_at)}", "ends_at")
    if ends_at <= now:
        raise DomainError("period_past", f"结束时间 {_at(ends_at)} 已过", "ends_at")
    days = policy.get("mobilization.max_days", on=on, region=region_of(caller))
    if ends_at - starts_at > datetime.timedelta(days=days):
        raise DomainError("period_too_long", f"一次动员令最长 {days} 天，更长的请到期后再次发布", "ends_at")
    _check_needs(caller, needs, on)
    call = Call.objects.create(caller=caller, title=title.strip(), description=(description or "").strip(),
                               starts_at=starts_at, ends_at=ends_at, created_by=_user(actor))
    Need.objects.bulk_create([Need(call=call, community=c, role=r.strip(), needed=n) for c, r, n in needs])
    audit.record(actor, "mobilization.issue_call", call,
                 after={"caller": caller.pk, "title": call.title, "starts_at": starts_at, "ends_at": ends_at,
                        "needs": [[c.pk, r.strip(), n] for c, r, n in needs]})
    return call


@transaction.atomic
def set_need(actor, need, needed):
    """The caller changes one head count; never below those already signed up."""
    need = Need.objects.select_for_update().select_related("call__caller", "community").get(pk=need.pk)
    require(actor, CHANGE, need.call.caller, "该动员令")
    most = policy.get("mobilization.max_head_count", on=timezone.localdate(), region=region_of(need.call.caller))
    if not 1 <= needed <= most:
        raise DomainError("head_count_invalid", f"人数须在 1 到 {most} 之间", "needed")
    if needed < need.signed:
        raise DomainError("head_count_below_signed", f"“{need.community.name}”{need.role}已有 {need.signed} 人报名，"
                          "需要人数不能少于已报名人数", "needed")
    before = need.needed
    need.needed = needed
    need.save(update_fields=["needed"])
    audit.record(actor, "mobilization.set_need", need, before={"needed": before}, after={"needed": needed})
    return need


@transaction.atomic
def close_call(actor, call):
    call = Call.objects.select_for_update().select_related("caller").get(pk=call.pk)
    require(actor, CHANGE, call.caller, "该动员令")
    if call.status == Call.CLOSED:
        raise DomainError("call_closed", "该动员令已结束", None)
    call.status = Call.CLOSED
    call.save(update_fields=["status"])
    audit.record(actor, "mobilization.close_call", call, before={"status": Call.OPEN}, after={"status": call.status})
    return call


def eligible_q(caller):
    """People a call reaches: members of the caller's branches, and members registered (双报到)
    with a community in the caller's area."""
    registered = Registration.objects.filter(caller.subtree_q("community__path"), ended_on__isnull=True) \
        .values("person_id")
    return caller.subtree_q("membership__org__path") | Q(pk__in=registered)


def _check_open(call, now):
    if call.status != Call.OPEN:
        raise DomainError("call_closed", f"动员令“{call.title}”已结束", None)
    if now > call.ends_at:
        raise DomainError("call_ended", f"动员令“{call.title}”已于 {_at(call.ends_at)} 结束", None)


def _take(actor, need, person, how, now):
    need = Need.objects.select_related("call__caller", "community").get(pk=need.pk)
    call = need.call
    _check_open(call, now)
    if not Person.objects.filter(eligible_q(call.caller), pk=person.pk).exists():
        raise DomainError("not_in_reach", f"{person.name}不是“{call.caller.name}”辖区的党员，也未到辖区社区报到，"
                          "不在本动员令范围内", "person")
    current = Deployment.objects.filter(call=call, person=person, withdrawn_at__isnull=True) \
        .select_related("need__community").first()
    if current:
        raise DomainError("already_signed", f"{person.name}已报名“{current.need.community.name}”的"
                          f"“{current.need.role}”，同一动员令只能在一个岗位", None)
    taken = Need.objects.filter(pk=need.pk, signed__lt=F("needed")).update(signed=F("signed") + 1)
    if not taken:
        raise DomainError("role_full", f"“{need.community.name}”的“{need.role}”已满 {need.needed} 人", None)
    row = Deployment.objects.create(call=call, need=need, person=person, how=how, signed_at=now,
                                    assigned_by=_user(actor) if how == Deployment.ASSIGNED else None)
    audit.record(actor, f"mobilization.{'sign_up' if how == Deployment.VOLUNTEERED else 'assign'}", row,
                 after={"call": call.pk, "need": need.pk, "person": person.pk, "how": how})
    return row


@transaction.atomic
def sign_up(actor, need, *, person=None, now=None):
    """A member or cadre volunteers for one role in one community."""
    person = person if actor is None else getattr(actor, "person", None)
    if person is None:
        raise DomainError("no_person", "您的账号没有关联人员档案，不能报名", None)
    return _take(actor, need, person, Deployment.VOLUNTEERED, now or timezone.now())


@transaction.atomic
def assign(actor, need, person, *, now=None):
    """The caller assigns a person to a role."""
    require(actor, CHANGE, Need.objects.select_related("call__caller").get(pk=need.pk).call.caller, "该动员令")
    return _take(actor, need, person, Deployment.ASSIGNED, now or timezone.now())


def _may_record(actor, row):
    """The person themself, the caller, or the community where the post is."""
    own = actor is not None and getattr(getattr(actor, "person", None), "pk", None) == row.person_id
    if actor is None or own or can(actor, CHANGE, row.need.community):
        return
    require(actor, CHANGE, row.call.caller, "该动员令")


@transaction.atomic
def arrive(actor, deployment, *, now=None):
    """Record the arrival at the post, once: a fact for coverage, not a daily check-in."""
    row = Deployment.objects.select_for_update().select_related("call__caller", "need__community", "person") \
        .get(pk=deployment.pk)
    _may_record(actor, row)
    now = now or timezone.now()
    call = row.call
    if row.withdrawn_at:
        raise DomainError("withdrawn", f"{row.person.name}已退出该岗位", None)
    if row.arrived_at:
        raise DomainError("already_arrived", f"{row.person.name}已于 {_at(row.arrived_at)} 到岗", None)
    if now < call.starts_at:
        raise DomainError("call_not_started", f"动员令“{call.title}”于 {_at(call.starts_at)} 开始，"
                          "开始后再记录到岗", None)
    if now > call.ends_at:
        raise DomainError("call_ended", f"动员令“{call.title}”已于 {_at(call.ends_at)} 结束，不能再记录到岗", None)
    if call.status != Call.OPEN:
        raise DomainError("call_closed", f"动员令“{call.title}”已结束", None)
    row.arrived_at = now
    row.save(update_fields=["arrived_at"])
    Need.objects.filter(pk=row.need_id).update(arrived=F("arrived") + 1)
    audit.record(actor, "mobilization.arrive", row, after={"arrived_at": now})
    return row


@transaction.atomic
def withdraw(actor, deployment, *, now=None):
    """Leave a post before arriving; the place is free again."""
    row = Deployment.objects.select_for_update().select_related("call__caller", "need__community", "person") \
        .get(pk=deployment.pk)
    _may_record(actor, row)
    if row.withdrawn_at:
        raise DomainError("withdrawn", f"{row.person.name}已退出该岗位", None)
    if row.arrived_at:
        raise DomainError("already_arrived", f"{row.person.name}已到岗，不能退出报名", None)
    row.withdrawn_at = now or timezone.now()
    row.save(update_fields=["withdrawn_at"])
    Need.objects.filter(pk=row.need_id).update(signed=F("signed") - 1)
    audit.record(actor, "mobilization.withdraw", row, after={"withdrawn_at": row.withdrawn_at})
    return row

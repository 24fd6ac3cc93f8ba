"""Party dues: profiles, reductions, the monthly run, payments and the unpaid flag. Every
change here is one transaction with an audit event."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jiceng.core import audit, policy
from jiceng.core.access import require
from jiceng.core.errors import DomainError, NotFound
from jiceng.core.models import Grant
from jiceng.core.notices import notify
from jiceng.core.roles import CHANGE, VIEW
from jiceng.core.scoping import can
from jiceng.orgs.services import region_of
from jiceng.people.choices import PARTY_MEMBER_STATUSES, STATUS_LABELS
from jiceng.people.models import Membership

from . import assess, gateways, months, queries
from .choices import APPROVED, BRANCH_METHODS, CONFIRMED, EXEMPT, PENDING, REDUCE, REJECTED
from .models import Assessment, DuesProfile, Payment, Reduction
from .rates import Rule

SOURCE = "《关于中国共产党党费收缴、使用和管理的规定》"


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _membership(actor, person):
    """The member's membership, locked, after checking the actor may change their branch. A
    member outside the actor's organizations is refused (or not found when not even visible)."""
    membership = Membership.objects.select_for_update().select_related("org", "person") \
        .filter(person=person).first()
    if membership is None:
        raise DomainError("no_membership", f"{person.name} 没有党籍记录，不交纳党费", "person")
    if actor is not None and not can(actor, CHANGE, membership.org):
        if not can(actor, VIEW, membership.org):
            raise NotFound()
        raise DomainError("member_not_in_org",
                          f"{person.name} 的组织关系在“{membership.org.name}”，不在您负责的组织内，不能为其办理党费",
                          "person")
    return membership


def _profile_snapshot(p):
    return {"person": p.person_id, "org": p.org_id, "category": p.category, "monthly_income": p.monthly_income,
            "flat_amount": p.flat_amount, "applies_from": p.applies_from, "note": p.note}


@transaction.atomic
def set_profile(actor, person, *, category, applies_from, monthly_income=None, flat_amount=None, note=""):
    """Record the member's category and income (or flat amount) from `applies_from` on; earlier
    profiles stay as history."""
    membership = _membership(actor, person)
    if membership.status not in PARTY_MEMBER_STATUSES:
        raise DomainError("not_a_party_member",
                          f"{person.name} 目前是{STATUS_LABELS[membership.status]}，只有预备党员和正式党员交纳党费",
                          "category")
    income, flat = Rule(applies_from, region_of(membership.org)).check_profile(
        category, None if monthly_income is None else Decimal(monthly_income),
        None if flat_amount is None else Decimal(flat_amount))
    profile = DuesProfile.objects.create(person=person, org=membership.org, category=category, monthly_income=income,
                                         flat_amount=flat, applies_from=applies_from, note=note,
                                         entered_by=_user(actor))
    audit.record(actor, "dues.set_profile", profile, after=_profile_snapshot(profile))
    return profile


def _reduction_snapshot(r):
    return {"person": r.person_id, "kind": r.kind, "amount": r.amount, "first_month": r.first_month,
            "last_month": r.last_month, "reason": r.reason, "decided_on": r.decided_on, "status": r.status,
            "approver": r.approver_id, "approver_org": r.approver_org_id, "approved_on": r.approved_on}


@transaction.atomic
def decide_reduction(actor, person, *, kind, first_month, last_month, reason, decided_on, amount=None):
    """The branch's decision to reduce or waive a member's dues for some months; it applies
    once one level up approves it."""
    membership = _membership(actor, person)
    first_month, last_month = months.first(first_month), months.first(last_month)
    if kind not in (REDUCE, EXEMPT):
        raise DomainError("reduction_kind_invalid", f"未知的减免类型：{kind}", "kind")
    if last_month < first_month:
        raise DomainError("months_reversed", f"截止月份 {months.label(last_month)} 早于起始月份"
                                             f" {months.label(first_month)}", "last_month")
    if not (reason or "").strip():
        raise DomainError("reason_required", "请填写减免理由（支部决定的依据）", "reason")
    if decided_on > timezone.localdate():
        raise DomainError("date_in_future", "支部决定日期不能晚于今天", "decided_on")
    if kind == REDUCE:
        if amount is None or Decimal(amount) < 0:
            raise DomainError("amount_required", "减交须填写减交后每月交纳的金额（不小于 0 元）", "amount")
        amount = Decimal(amount)
    else:
        amount = None
    if membership.org.parent_id is None:
        raise DomainError("no_upper_level", f"“{membership.org.name}”没有上级组织，无法报批减免", "kind")
    r = Reduction.objects.create(person=person, org=membership.org, kind=kind, amount=amount, first_month=first_month,
                                 last_month=last_month, reason=reason.strip(), decided_on=decided_on,
                                 decided_by=_user(actor))
    audit.record(actor, "dues.decide_reduction", r, after=_reduction_snapshot(r))
    return r


@transaction.atomic
def approve_reduction(actor, reduction, *, approve, on=None):
    """Approval (or refusal) by the organization one level above the deciding branch."""
    r = Reduction.objects.select_for_update(of=("self",)).select_related("org__parent", "person").get(pk=reduction.pk)
    upper = r.org.parent
    if actor is not None and not can(actor, CHANGE, upper):
        require(actor, VIEW, r.org, "该减免")
        raise DomainError("approval_one_level_up",
                          f"党费减免须经“{upper.name}”（上一级党组织）批准，支部不能自行批准"
                          f"（依据{SOURCE}）", "approve")
    if r.status != PENDING:
        raise DomainError("reduction_decided", f"该减免已于 {r.approved_on:%Y-%m-%d} 处理（{r.get_status_display()}）",
                          "approve")
    on = on or timezone.localdate()
    if on < r.decided_on:
        raise DomainError("approval_before_decision",
                          f"批准日期不能早于支部决定日期 {r.decided_on:%Y-%m-%d}", "approve")
    before = _reduction_snapshot(r)
    r.status, r.approver, r.approver_org, r.approved_on = APPROVED if approve else REJECTED, _user(actor), upper, on
    r.save()
    audit.record(actor, "dues.approve_reduction" if approve else "dues.reject_reduction", r, before=before,
                 after=_reduction_snapshot(r))
    return r


@transaction.atomic
def run_month(actor, org, month, today=None):
    """Work out every member's dues for `month` in `org`'s subtree and store one row per member:
    new rows added, changed unpaid rows updated, paid rows left alone. Running it again
    changes nothing that did not change."""
    require(actor, CHANGE, org)
    month, today = months.first(month), today or timezone.localdate()
    if month > months.first(today):
        raise DomainError("month_in_future", f"{months.label(month)}尚未到来，不能核定（今天是 {today:%Y-%m-%d}）；"
                                             f"预交的月份在记录交纳时核定", "month")
    spans = assess.owing(month, path=org.path)
    outcome = assess.compute(month, spans)
    written = assess.write(month, outcome.rows, spans, path=org.path)
    written.missing_profile = len(outcome.missing_profile)
    audit.record(actor, "dues.run_month", org, after={"month": month, **written.__dict__})
    return written


def _check_payable(person, wanted, rows, unprofiled, existing, limit, today):
    for month in wanted:
        old = existing.get(month)
        if old is not None and old.payment_id is not None:
            raise DomainError("month_already_paid",
                              f"{person.name} {months.label(month)}的党费已于 {old.paid_on or old.payment.paid_on:%Y-%m-%d} "
                              f"交纳，不能重复记录", "first_month")
        if month > limit:
            n = policy.get("dues.prepay_months_max", on=today)
            raise DomainError("beyond_prepay_limit",
                              f"{months.label(month)}超出预交期限：自 {today:%Y-%m-%d} 起最多预交 {n} 个月，"
                              f"即至 {months.label(limit)}（依据{policy.policy('dues.prepay_months_max').title}）",
                              "months")
        if month in unprofiled:
            raise DomainError("profile_missing", f"{person.name} {months.label(month)}没有适用的党费基数，"
                                                 f"请先登记党费基数（类别和月收入）", "first_month")
        if month not in rows:
            raise DomainError("month_not_owed",
                              f"{person.name} {months.label(month)}不是应交党费的月份：预备党员自支部大会接收之日起交纳，"
                              f"正式党员按月交纳；请检查党籍状态", "first_month")
        if rows[month].due == 0:
            raise DomainError("month_exempt", f"{person.name} {months.label(month)}已批准免交，无需交纳", "first_month")


@transaction.atomic
def record_payment(actor, person, *, first_month, months_count=1, method, paid_on, reference="", today=None):
    """Record money for one month or several months in a row (ahead of time up to the policy's
    limit). The amount is what the months come to; the gateway confirms it."""
    membership = _membership(actor, person)
    today = today or timezone.localdate()
    first_month = months.first(first_month)
    if method not in dict(BRANCH_METHODS):
        raise DomainError("method_invalid", f"未知的交纳方式：{method}", "method")
    if not 1 <= months_count <= 120:
        raise DomainError("months_invalid", "月数须在 1 至 120 之间", "months")
    if paid_on > today:
        raise DomainError("date_in_future", f"交纳日期 {paid_on:%Y-%m-%d} 晚于今天", "paid_on")
    wanted = [months.add(first_month, i) for i in range(months_count)]
    limit = months.add(months.first(today), policy.get("dues.prepay_months_max", on=today))
    existing = {a.month: a for a in Assessment.objects.select_for_update(of=("self",)).select_related("payment")
                .filter(person=person, month__in=wanted)}
    rows, unprofiled = {}, []
    for month in wanted:
        if month > limit:
            break  # refused below, naming the limit
        outcome = assess.compute(month, assess.owing(month, person_ids=[person.pk]))
        rows.update({month: r for r in outcome.rows.values()})
        unprofiled += [month] * len(outcome.missing_profile)
    _check_payable(person, wanted, rows, set(unprofiled), existing, limit, today)
    gateway = gateways.backend()
    payment = Payment.objects.create(person=person, org=membership.org, amount=sum(r.due for r in rows.values()),
                                     first_month=first_month, months=months_count, method=method, gateway=gateway.name,
                                     reference=reference, paid_on=paid_on, recorded_by=_user(actor))
    for month, row in rows.items():
        old = existing.get(month)
        if old is not None:  # an unpaid row from the run: bring it up to date and attach it
            for f in assess.FIELDS:
                setattr(old, f, getattr(row, f))
            row = old
        row.payment = payment
        row.save()
    audit.record(actor, "dues.record_payment", payment,
                 after={"person": person.pk, "amount": payment.amount, "months": wanted,
                        "method": method, "paid_on": paid_on, "gateway": gateway.name, "reference": reference})
    if gateway.start(payment):
        payment = settle(actor, payment)
    return payment


@transaction.atomic
def settle(actor, payment, reference=""):
    """The money for `payment` arrived: mark it and its months paid."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == CONFIRMED:
        return payment
    if not gateways.backend().confirm(payment, reference):
        raise DomainError("payment_not_confirmed", "收款通道尚未确认到账", "reference")
    payment.status = CONFIRMED
    payment.reference = reference or payment.reference
    payment.save(update_fields=["status", "reference"])
    payment.assessments.update(paid_on=payment.paid_on)
    audit.record(actor, "dues.settle", payment, after={"status": CONFIRMED, "paid_on": payment.paid_on})
    return payment


def notify_unpaid(actor, org, on=None):
    """Tell each branch's secretaries who in it has gone the policy's number of months in a
    row without paying. A flag to look at: nothing about the membership changes."""
    require(actor, CHANGE, org)
    on = on or timezone.localdate()
    n, flagged = queries.unpaid_runs(org, on)
    by_branch = {}
    for row in flagged:
        by_branch.setdefault(row.org_id, []).append(row)
    grants = list(Grant.objects.filter(role="secretary", node_id__in=by_branch).values_list("node_id", "user_id"))
    users = get_user_model().objects.in_bulk({user_id for _, user_id in grants})
    sent = 0
    for node_id, user_id in grants:
        rows = by_branch[node_id]
        names = "、".join(r.name for r in rows[:10]) + ("等" if len(rows) > 10 else "")
        _, created = notify(users[user_id], key=f"dues.unpaid:{node_id}:{months.first(on):%Y-%m}",
                            title=f"{rows[0].org_name}：{len(rows)} 名党员连续 {n} 个月以上未交党费",
                            body=f"{names}。请了解情况、谈心谈话；是否按党章处理须由支部研究决定，系统不作处理。",
                            link=reverse("dues:arrears", args=[node_id]))
        sent += created
    return sent

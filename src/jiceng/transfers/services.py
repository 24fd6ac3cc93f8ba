"""Every change of a transfer goes through these functions.

Rules: a transfer is pending until the receiver accepts it or someone returns it, or
until its validity (policy transfers.validity_months) runs out; the membership stays
with the sender all that time and moves, in one transaction, when the receiver accepts
(people.services.move_membership). At most one transfer of a membership is pending.
A letter out of the system closes the membership ("left") when the sender records the
receipt (回执) from the receiving organization, not when the letter is printed: until
then the member is still the sender's, so they are never in no organization.
"""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiceng.core import audit, policy
from jiceng.core.access import require
from jiceng.core.errors import DomainError, NotFound
from jiceng.core.roles import CHANGE, VIEW
from jiceng.core.scoping import can
from jiceng.orgs.kinds import KIND_LABELS, MEMBER_HOLDING_KINDS
from jiceng.orgs.models import Organization
from jiceng.people import services as people_services
from jiceng.people.choices import PARTY_MEMBER_STATUSES, STATUS_LABELS
from jiceng.people.models import Membership

from .models import Transfer

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper and typed back
CLOSED_VERB = {Transfer.ACCEPTED: "办结（已接收）", Transfer.RETURNED: "退回"}


def add_months(day, months):
    """The same day `months` later; a day the month lacks falls back to its last day."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    return day.replace(year=year, month=month, day=min(day.day, (next_month - datetime.timedelta(days=1)).day))


def validity_rule(on):
    """(months, the rule's title) in force on `on`."""
    return policy.get("transfers.validity_months", on=on), policy.policy("transfers.validity_months").title


def expiry(sent_on):
    """The last day a transfer sent on `sent_on` may be accepted."""
    return add_months(sent_on, validity_rule(sent_on)[0])


def _snapshot(t):
    return {"kind": t.kind, "membership": t.membership_id, "from_org": t.from_org_id, "to_org": t.to_org_id,
            "outside_org": t.outside_org, "status": t.status, "code": t.code, "sent_on": t.sent_on,
            "expires_on": t.expires_on, "decided_on": t.decided_on, "reason": t.reason,
            "return_reason": t.return_reason}


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _not_future(on, field="on"):
    if on > timezone.localdate():
        raise DomainError("date_in_future", "日期不能晚于今天", field)


def _in_transit(pending):
    return DomainError(
        "in_transit",
        f"{pending.membership.person.name} 的组织关系已于 {pending.sent_on:%Y-%m-%d} 转往“{pending.destination_name}”，"
        f"尚在转接中（有效期至 {pending.expires_on:%Y-%m-%d}）：同一党员同时只能办理一项转接，"
        "须待接收、退回或过期后再办理", "person")


def _lock_membership(membership, actor):
    """Lock the membership: two sends of one member queue here, and the second sees the first."""
    # The lock without a join: locked after a concurrent accept moved it, the row is read again
    # as it is now, where a join would be checked against the branch it has left (no row at all).
    Membership.objects.select_for_update().filter(pk=membership.pk).exists()
    membership = Membership.objects.select_related("person", "org").get(pk=membership.pk)
    require(actor, CHANGE, membership.org, "该党员所在党支部")
    if membership.status not in PARTY_MEMBER_STATUSES:
        raise DomainError("not_a_party_member",
                          f"{membership.person.name} 现为{STATUS_LABELS[membership.status]}，"
                          "只有正式党员和预备党员可以转接组织关系", "person")
    pending = Transfer.objects.filter(membership=membership, status=Transfer.PENDING) \
        .select_related("to_org", "membership__person").first()
    if pending:
        raise _in_transit(pending)
    return membership


def _check_sent_on(membership, on):
    _not_future(on)
    if on < membership.since:
        raise DomainError("date_before_current",
                          f"日期早于 {membership.person.name} 当前党籍状态的起始日期 {membership.since:%Y-%m-%d}", "on")


def _create(actor, action, membership, **fields):
    """Save a new pending transfer. The partial unique index refuses a second pending one even
    where the membership lock is not taken first."""
    t = Transfer(membership=membership, created_by=_user(actor), expires_on=expiry(fields["sent_on"]), **fields)
    try:
        with transaction.atomic():
            t.save()
    except IntegrityError:
        pending = Transfer.objects.filter(membership=membership, status=Transfer.PENDING).first()
        if pending is None:
            raise
        raise _in_transit(pending) from None
    audit.record(actor, action, t, after=_snapshot(t))
    return t


def _check_destination(org, to_org):
    if to_org.pk == org.pk:
        raise DomainError("same_org", f"接收组织与转出组织相同（“{org.name}”），无须转接", "to_org")
    if to_org.kind not in MEMBER_HOLDING_KINDS:
        raise DomainError("org_cannot_hold_members",
                          f"“{to_org.name}”是{KIND_LABELS[to_org.kind]}，不能接收党员组织关系，"
                          "请选择党支部或联合党支部（党员组织关系由党支部管理）", "to_org")
    if to_org.status != Organization.ACTIVE:
        raise DomainError("org_dissolved", f"“{to_org.name}”已撤销，不能接收党员组织关系", "to_org")


@transaction.atomic
def send(actor, membership, to_org, on, reason=""):
    """The sending branch sends a member's membership to another branch in the system."""
    membership = _lock_membership(membership, actor)
    to_org = Organization.objects.get(pk=to_org.pk)
    _check_destination(membership.org, to_org)
    _check_sent_on(membership, on)
    return _create(actor, "transfers.send", membership, kind=Transfer.INTERNAL, from_org=membership.org,
                   to_org=to_org, sent_on=on, reason=reason.strip())


def new_code():
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code):
    return (code or "").strip().upper()


@transaction.atomic
def issue_letter(actor, membership, outside_org, on, reason=""):
    """The sending branch issues an introduction letter to an organization outside the system."""
    membership = _lock_membership(membership, actor)
    outside_org = (outside_org or "").strip()
    if not outside_org:
        raise DomainError("outside_org_required", "请填写介绍信去往的党组织名称", "outside_org")
    inside = Organization.objects.filter(name=outside_org, kind__in=MEMBER_HOLDING_KINDS,
                                         status=Organization.ACTIVE).first()
    if inside:
        raise DomainError("destination_in_system",
                          f"“{inside.name}”在本系统内：请用系统内转接，由接收方在系统中接收", "outside_org")
    _check_sent_on(membership, on)
    code = new_code()
    while Transfer.objects.filter(code=code).exists():  # 32^12 codes: a clash is all but impossible
        code = new_code()
    return _create(actor, "transfers.issue_letter", membership, kind=Transfer.LETTER_OUT, from_org=membership.org,
                   outside_org=outside_org, code=code, sent_on=on, reason=reason.strip())


def _lock(transfer):
    return Transfer.objects.select_for_update(of=("self",)) \
        .select_related("membership__person", "from_org", "to_org").get(pk=transfer.pk)


def _check_side(actor, t, org, side):
    """`actor` must be able to change `org`, the side that acts on `t`."""
    if actor is None or can(actor, CHANGE, org):
        return
    if not any(n and can(actor, VIEW, n) for n in (t.from_org, t.to_org)):
        raise NotFound()
    raise DomainError("wrong_side", f"只有{side}“{org.name}”的书记、支委或上级组织部门可以办理此步", None)


def _check_open(t, on):
    """The transfer is pending and `on` is inside its validity."""
    if t.status == Transfer.EXPIRED:
        raise DomainError("transfer_expired", f"该转接已于 {t.expires_on:%Y-%m-%d} 过期，不能再办理；如仍需转接，请转出方重新办理",
                          None)
    if t.status != Transfer.PENDING:
        raise DomainError("transfer_closed",
                          f"该转接已于 {t.decided_on:%Y-%m-%d} {CLOSED_VERB[t.status]}，不能再办理", None)
    _not_future(on)
    if on < t.sent_on:
        raise DomainError("date_before_sent", f"日期早于开具日期 {t.sent_on:%Y-%m-%d}", "on")
    if on > t.expires_on:
        months, title = validity_rule(t.sent_on)
        raise DomainError("transfer_expired",
                          f"该转接自 {t.sent_on:%Y-%m-%d} 开具，有效期 {months} 个月，已于 {t.expires_on:%Y-%m-%d} 到期，"
                          f"{on:%Y-%m-%d} 不能再办理（{title}）；请转出方重新办理", "on")


def _close(actor, action, t, status, on, **fields):
    before = _snapshot(t)
    t.status, t.decided_on, t.decided_by = status, on, _user(actor)
    for name, value in fields.items():
        setattr(t, name, value)
    t.save()
    audit.record(actor, action, t, before=before, after=_snapshot(t))
    return t


@transaction.atomic
def accept(actor, transfer, on):
    """The receiving branch accepts: the membership moves to it, with its history, now."""
    t = _lock(transfer)
    if t.kind != Transfer.INTERNAL:
        raise DomainError("not_internal", "介绍信转接由转出方登记回执，不在系统内接收", None)
    _check_side(actor, t, t.to_org, "接收方")
    _check_open(t, on)
    people_services.move_membership(actor, t.membership, t.to_org, on,
                                    f"组织关系转接 #{t.pk}（{t.from_org.name} → {t.to_org.name}）")
    return _close(actor, "transfers.accept", t, Transfer.ACCEPTED, on)


@transaction.atomic
def return_transfer(actor, transfer, on, reason):
    """The receiving branch returns a transfer in the system, or the sending branch records a
    letter brought back unused; the membership stays where it is."""
    t = _lock(transfer)
    if t.kind == Transfer.LETTER_IN:
        raise DomainError("not_returnable", "凭介绍信转入的党员已登记，不能退回；如有误请办理转出", None)
    if t.kind == Transfer.INTERNAL:
        _check_side(actor, t, t.to_org, "接收方")
    else:
        _check_side(actor, t, t.from_org, "转出方")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", "请填写退回原因", "reason")
    _check_open(t, on)
    return _close(actor, "transfers.return", t, Transfer.RETURNED, on, return_reason=reason)


@transaction.atomic
def confirm_letter(actor, transfer, on):
    """The sending branch records the receipt (回执) of a letter: the member reported to the
    organization outside on `on`, within the letter's validity, and leaves this system."""
    t = _lock(transfer)
    if t.kind != Transfer.LETTER_OUT:
        raise DomainError("not_letter", "只有开具介绍信转出的转接需要登记回执", None)
    _check_side(actor, t, t.from_org, "转出方")
    _check_open(t, on)
    people_services.change_status(actor, t.membership, "left", on,
                                  f"组织关系转出至“{t.outside_org}”（介绍信 {t.code}）")
    return _close(actor, "transfers.confirm_letter", t, Transfer.ACCEPTED, on)


@transaction.atomic
def register_letter(actor, *, org, code, outside_org, letter_date, on, status, reason="", **person_data):
    """A letter from an organization outside the system: the person is registered into `org`
    from `on` (the day they reported), and the letter's code, origin and date are kept."""
    code, outside_org = normalize_code(code), (outside_org or "").strip()
    if not code:
        raise DomainError("code_required", "请填写介绍信编号", "code")
    if not outside_org:
        raise DomainError("outside_org_required", "请填写开具介绍信的党组织", "outside_org")
    if status not in PARTY_MEMBER_STATUSES:
        raise DomainError("not_a_party_member", "凭介绍信转入的须为正式党员或预备党员", "status")
    known = Transfer.objects.filter(code=code).first()
    if known:
        raise DomainError("letter_registered",
                          f"编号为 {code} 的介绍信已于 {(known.decided_on or known.sent_on):%Y-%m-%d} 登记，不能重复登记", "code")
    _not_future(on)
    if letter_date > on:
        raise DomainError("letter_after_report", f"开具日期 {letter_date:%Y-%m-%d} 晚于报到日期 {on:%Y-%m-%d}",
                          "letter_date")
    expires_on = expiry(letter_date)
    if on > expires_on:
        months, title = validity_rule(letter_date)
        raise DomainError("letter_expired",
                          f"介绍信于 {letter_date:%Y-%m-%d} 开具，有效期 {months} 个月，已于 {expires_on:%Y-%m-%d} 过期"
                          f"（{title}）：请持信人回原党组织重新开具", "letter_date")
    membership = people_services.register_member(
        actor, org=org, status=status, since=on, reason=f"凭介绍信 {code} 自“{outside_org}”转入（{letter_date:%Y-%m-%d} 开具）",
        **person_data)
    t = Transfer(kind=Transfer.LETTER_IN, membership=membership, to_org=membership.org, outside_org=outside_org,
                 code=code, sent_on=letter_date, expires_on=expires_on, status=Transfer.ACCEPTED, decided_on=on,
                 reason=(reason or "").strip(), created_by=_user(actor), decided_by=_user(actor))
    try:
        with transaction.atomic():
            t.save()
    except IntegrityError:  # the same letter registered at the same moment elsewhere
        raise DomainError("letter_registered", f"编号为 {code} 的介绍信已登记，不能重复登记", "code") from None
    audit.record(actor, "transfers.register_letter", t, after=_snapshot(t))
    return t


@transaction.atomic
def expire_due(on):
    """The system marks pending transfers whose validity ended before `on` as expired; the
    membership stays with the sender. Returns them."""
    due = list(Transfer.objects.select_for_update(of=("self",)).filter(status=Transfer.PENDING, expires_on__lt=on)
               .select_related("membership__person", "from_org", "to_org").order_by("pk"))
    Transfer.objects.filter(pk__in=[t.pk for t in due]).update(status=Transfer.EXPIRED)
    for t in due:
        audit.record(None, "transfers.expire", t, before={"status": Transfer.PENDING},
                     after={"status": Transfer.EXPIRED, "expires_on": t.expires_on, "on": on})
        t.status = Transfer.EXPIRED
    return due

"""Every change to people and memberships goes through these functions."""

from django.db import transaction
from django.utils import timezone

from jiceng.core import audit, crypto, policy
from jiceng.core.access import require
from jiceng.core.dates import age_on
from jiceng.core.errors import DomainError, NotFound
from jiceng.core.pinyin import keys as pinyin_keys
from jiceng.core.roles import CHANGE, VIEW_SENSITIVE
from jiceng.core.scoping import can
from jiceng.core.validators import id_birth_date, id_gender, validate_id_number, validate_phone
from jiceng.orgs import rollups
from jiceng.orgs.kinds import KIND_LABELS, MEMBER_HOLDING_KINDS
from jiceng.orgs.models import Organization

from .choices import EDUCATION, ETHNICITIES, STATUS_LABELS
from .models import Membership, MembershipPeriod, Person

PERSON_FIELDS = ("name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education", "occupation",
                 "residence")
# The order in which a person moves towards membership; "left" may follow any status.
STATUS_ORDER = ["applicant", "activist", "candidate", "probationary", "full"]
DATE_FIELD = {"applicant": "applied_on", "activist": "activist_on", "candidate": "candidate_on",
              "probationary": "admitted_on", "full": "full_on"}


def _person_snapshot(p):
    return {"name": p.name, "gender": p.gender, "ethnicity": p.ethnicity, "birth_date": p.birth_date,
            "id_number": crypto.mask_id_number(p.id_number) if p.id_number_enc else "",
            "phone": crypto.mask_phone(p.phone) if p.phone_enc else "", "education": p.education,
            "occupation": p.occupation, "residence": p.residence_id}


def _membership_snapshot(m):
    return {"person": m.person_id, "org": m.org_id, "status": m.status, "since": m.since}


def _apply_person_fields(person, data, existing_pk=None):
    """Validate and set fields; ID number, birth date and gender must agree."""
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise DomainError("name_required", "请填写姓名", "name")
        person.name = name
        person.name_initials, person.name_pinyin = pinyin_keys(name)
    if "id_number" in data:
        number = validate_id_number(data["id_number"])
        index = crypto.blind_index(number)
        clash = Person.objects.filter(id_number_index=index).exclude(pk=existing_pk)
        if clash.exists():
            raise DomainError("id_number_duplicate", "该身份证号码已登记，请勿重复录入", "id_number")
        person.id_number_enc, person.id_number_index = crypto.encrypt(number), index
    if "phone" in data:
        phone = validate_phone(data["phone"]) if data["phone"] else ""
        person.phone_enc, person.phone_index = crypto.encrypt(phone), crypto.blind_index(phone) or ""
    for field in ("gender", "birth_date", "ethnicity", "education", "occupation", "residence"):
        if field in data:
            setattr(person, field, data[field])
    if person.ethnicity not in ETHNICITIES:
        raise DomainError("ethnicity_invalid", f"未知的民族：{person.ethnicity}", "ethnicity")
    if person.education and person.education not in dict(EDUCATION):
        raise DomainError("education_invalid", f"未知的学历：{person.education}", "education")
    if person.id_number_enc:
        number = person.id_number
        born, sex = id_birth_date(number), id_gender(number)
        if person.birth_date is None:
            person.birth_date = born
        elif person.birth_date != born:
            raise DomainError("birth_date_mismatch",
                              f"出生日期 {person.birth_date:%Y-%m-%d} 与身份证号码中的 {born:%Y-%m-%d} 不一致", "birth_date")
        if not person.gender:
            person.gender = sex
        elif person.gender != sex:
            raise DomainError("gender_mismatch", "性别与身份证号码不一致", "gender")
    if not person.birth_date:
        raise DomainError("birth_date_required", "请填写出生日期或身份证号码", "birth_date")
    if person.gender not in {"M", "F"}:
        raise DomainError("gender_required", "请填写性别", "gender")


def _membership_keys(m, person=None):
    person = person or m.person
    return rollups.membership_keys(m.status, person.gender, person.birth_date.year, m.org.sector)


@transaction.atomic
def register_member(actor, *, org, status, since, person=None, reason="", **person_data):
    """Enter a person (new or existing) into a branch with a status and its start date."""
    # Lock and re-read: the counts go to the branch's current ancestors and sector.
    org = Organization.objects.select_for_update().get(pk=org.pk)
    require(actor, CHANGE, org, "该党支部")
    if org.kind not in MEMBER_HOLDING_KINDS:
        raise DomainError("org_cannot_hold_members",
                          f"“{org.name}”是{KIND_LABELS[org.kind]}，不能直接管理党员，请选择党支部", "org")
    if status not in STATUS_ORDER:
        raise DomainError("status_invalid", f"未知的党籍状态：{status}", "status")
    if since > timezone.localdate():
        raise DomainError("date_in_future", "起始日期不能晚于今天", "since")
    new_person = person is None
    if new_person:
        person = Person(ethnicity="汉族")
        _apply_person_fields(person, person_data)
    elif person_data:
        raise DomainError("field_unknown", "登记已有人员时不能同时修改其信息", sorted(person_data)[0])
    elif Membership.objects.filter(person=person).exists():
        raise DomainError("membership_exists", f"{person.name} 已有党籍记录，请办理组织关系转接", "person")
    min_age = policy.get("people.applicant_min_age", on=since)
    if age_on(person.birth_date, since) < min_age:
        raise DomainError("too_young", f"{person.name} 在 {since:%Y-%m-%d} 未满 {min_age} 周岁", "since")
    if new_person:
        person.save()
    membership = Membership(person=person, org=org, status=status, since=since)
    setattr(membership, DATE_FIELD[status], since)
    membership.save()
    MembershipPeriod.objects.create(person=person, org=org, status=status, start=since, reason=reason or "登记")
    rollups.apply(org.path, dict.fromkeys(_membership_keys(membership, person), 1))
    # One event: a new person's details travel with their registration.
    audit.record(actor, "people.register_member", membership,
                 after=_membership_snapshot(membership) | ({"person_new": _person_snapshot(person)} if new_person else {}))
    return membership


@transaction.atomic
def change_status(actor, membership, status, on, reason=""):
    """Move a membership to its next status (or to 'left'); the history keeps the span."""
    membership = Membership.objects.select_for_update().select_related("person", "org").get(pk=membership.pk)
    require(actor, CHANGE, membership.org, "该党员所在组织")
    old = membership.status
    if status not in STATUS_LABELS:
        raise DomainError("status_invalid", f"未知的党籍状态：{status}", "status")
    if old == "left":
        raise DomainError("status_closed", "该党籍记录已关闭", "status")
    if status != "left" and STATUS_ORDER.index(status) != STATUS_ORDER.index(old) + 1:
        raise DomainError("status_out_of_order",
                          f"不能从“{STATUS_LABELS[old]}”直接变为“{STATUS_LABELS[status]}”", "status")
    if on < membership.since:
        raise DomainError("date_before_current", f"日期早于当前状态的起始日期 {membership.since:%Y-%m-%d}", "on")
    if on > timezone.localdate():
        raise DomainError("date_in_future", "日期不能晚于今天", "on")
    before = _membership_snapshot(membership)
    old_keys = _membership_keys(membership)
    membership.status, membership.since = status, on
    if status in DATE_FIELD:
        setattr(membership, DATE_FIELD[status], on)
    membership.save()
    MembershipPeriod.objects.filter(person=membership.person, end__isnull=True).update(end=on)
    MembershipPeriod.objects.create(person=membership.person, org=membership.org, status=status, start=on,
                                    reason=reason)
    rollups.apply(membership.org.path, rollups.diff(old_keys, _membership_keys(membership)))
    audit.record(actor, "people.change_status", membership, before=before, after=_membership_snapshot(membership))
    return membership


@transaction.atomic
def move_membership(actor, membership, to_org, on, reason):
    """Move a membership to another branch on `on`, keeping its status: the span at the old
    branch closes and one opens at the new, and the counts leave the old branch's ancestors
    for the new one's, all in one transaction. Only jiceng.transfers calls it, when the
    receiver accepts a transfer the sender made: the receiver's rights are checked here, the
    sender's consent is the transfer."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("person").get(pk=membership.pk)
    # Both branches locked in one order, so crossing transfers cannot deadlock; re-read, the
    # counts go to their current ancestors.
    # FOR NO KEY UPDATE: the rows are not changed, and other transactions' foreign-key checks
    # (FOR KEY SHARE, at their commit) must not wait on them.
    orgs = {o.pk: o for o in Organization.objects.select_for_update(no_key=True)
            .filter(pk__in=[membership.org_id, to_org.pk]).order_by("pk")}
    membership.org, to_org = orgs[membership.org_id], orgs[to_org.pk]
    require(actor, CHANGE, to_org, "接收党支部")
    person = membership.person
    if to_org.kind not in MEMBER_HOLDING_KINDS:
        raise DomainError("org_cannot_hold_members",
                          f"“{to_org.name}”是{KIND_LABELS[to_org.kind]}，不能直接管理党员，请选择党支部", "to_org")
    if to_org.status != Organization.ACTIVE:
        raise DomainError("org_dissolved", f"“{to_org.name}”已撤销，不能接收党员", "to_org")
    if to_org.pk == membership.org_id:
        raise DomainError("same_org", f"{person.name} 的党籍已在“{to_org.name}”，无须转接", "to_org")
    if membership.status == "left":
        raise DomainError("status_closed", "该党籍记录已关闭", "status")
    current = MembershipPeriod.objects.filter(person=person, end__isnull=True).order_by("-start").first()
    start = current.start if current else membership.since
    if on < start:
        raise DomainError("date_before_current",
                          f"日期早于在“{membership.org.name}”的当前记录起始日期 {start:%Y-%m-%d}", "on")
    if on > timezone.localdate():
        raise DomainError("date_in_future", "日期不能晚于今天", "on")
    before, old_org, old_keys = _membership_snapshot(membership), membership.org, _membership_keys(membership)
    membership.org, membership.group = to_org, None
    membership.save(update_fields=["org", "group"])
    if current:  # the old span keeps why it began and says why it ended
        limit = MembershipPeriod._meta.get_field("reason").max_length
        current.end, current.reason = on, "；".join(filter(None, [current.reason, f"转出：{reason}"]))[:limit]
        current.save(update_fields=["end", "reason"])
    MembershipPeriod.objects.create(person=person, org=to_org, status=membership.status, start=on,
                                    reason=f"转入：{reason}")
    rollups.apply_all([(old_org.path, dict.fromkeys(old_keys, -1)),
                       (to_org.path, dict.fromkeys(_membership_keys(membership), 1))])
    audit.record(actor, "people.move_membership", membership, before=before,
                 after=_membership_snapshot(membership) | {"reason": reason})
    return membership


def _person_nodes(person, lock=False):
    nodes = [person.residence] if person.residence_id else []
    memberships = Membership.objects.filter(person=person).select_related("org")
    membership = (memberships.select_for_update() if lock else memberships).first()
    if membership:
        nodes.append(membership.org)
    return nodes, membership


@transaction.atomic
def update_person(actor, person, **data):
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise DomainError("field_unknown", f"未知字段：{', '.join(sorted(unknown))}", sorted(unknown)[0])
    person = Person.objects.select_for_update().get(pk=person.pk)
    nodes, membership = _person_nodes(person, lock=True)  # locks the branch too: its counts change
    if actor is not None and not any(can(actor, CHANGE, n) for n in nodes):
        raise NotFound()
    before = _person_snapshot(person)
    old_keys = _membership_keys(membership, Person(gender=person.gender, birth_date=person.birth_date)) \
        if membership else []
    _apply_person_fields(person, data, existing_pk=person.pk)
    person.save()
    if membership:
        rollups.apply(membership.org.path, rollups.diff(old_keys, _membership_keys(membership, person)))
    audit.record(actor, "people.update", person, before=before, after=_person_snapshot(person))
    return person


@transaction.atomic
def reveal_id_number(actor, person):
    """The unmasked ID-card number, for a role that may see it; every reveal is audited."""
    nodes, _ = _person_nodes(person)
    if actor is None or not (actor.is_superuser or any(can(actor, VIEW_SENSITIVE, n) for n in nodes)):
        raise DomainError("permission_denied", "您的角色不能查看完整身份证号码")
    audit.record(actor, "people.reveal_id_number", person)
    return person.id_number

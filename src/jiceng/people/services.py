"""Every change to people and memberships goes through these functions."""

from collections import Counter
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from jiceng.core import audit, bulk, crypto, policy
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


def _membership_keys(m, person=None, status=None, sector=None):
    person = person or m.person
    return rollups.membership_keys(status or m.status, person.gender, person.birth_date.year,
                                   sector or m.org.sector, person.education, person.ethnicity)


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
    rollups.apply(org.path, dict.fromkeys(_membership_keys(membership, person), 1), on=since)
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
    # The open span may be younger than the status (a transfer since): a change before it would
    # leave a span that ends before it starts.
    current = MembershipPeriod.objects.filter(person=membership.person, end__isnull=True).order_by("-start").first()
    start = max(membership.since, current.start) if current else membership.since
    if on < start:
        raise DomainError("date_before_current", f"日期早于当前记录的起始日期 {start:%Y-%m-%d}", "on")
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
    rollups.apply(membership.org.path, rollups.diff(old_keys, _membership_keys(membership)), on=on)
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
                       (to_org.path, dict.fromkeys(_membership_keys(membership), 1))], on=on)
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
    old = Person(gender=person.gender, birth_date=person.birth_date, education=person.education,
                 ethnicity=person.ethnicity)
    _apply_person_fields(person, data, existing_pk=person.pk)
    person.save()
    if membership:
        rollups.apply(membership.org.path, rollups.diff(_membership_keys(membership, old),
                                                        _membership_keys(membership, person)))
        # A correction of who the person is holds for every past span too.
        periods = MembershipPeriod.objects.filter(person=person).values_list("org__path", "status", "start", "end",
                                                                              "org__sector")
        rollups.apply_history(rollups.period_history(periods, lambda status, sector: rollups.diff(
            _membership_keys(membership, old, status, sector), _membership_keys(membership, person, status, sector))))
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


# Rosters (jiceng.exchange): the rules of register_member, update_person, change_status and
# move_membership for many rows in one transaction. A row is a dict of cleaned values: "row"
# (its number in the file), the PERSON_FIELDS given, "org" (a branch), "status" and the dates
# of the statuses it passed (applied_on … full_on).

def check_member_row(data, org, today):
    """register_member's checks on one row, without a query; the first failure as a DomainError.
    Returns the birth date and gender its ID-card number gives."""
    if org.kind not in MEMBER_HOLDING_KINDS:
        raise DomainError("org_cannot_hold_members",
                          f"“{org.name}”是{KIND_LABELS[org.kind]}，不能直接管理党员，请选择党支部", "org")
    if org.status != Organization.ACTIVE:
        raise DomainError("org_dissolved", f"“{org.name}”已撤销，不能登记党员", "org")
    status = data["status"]
    if status not in STATUS_ORDER:
        raise DomainError("status_invalid", f"未知的党籍状态：{status}", "status")
    since = data.get(DATE_FIELD[status])
    if since is None:
        label = Membership._meta.get_field(DATE_FIELD[status]).verbose_name
        raise DomainError("since_required", f"{STATUS_LABELS[status]}须填写{label}", DATE_FIELD[status])
    earlier = None
    for field in DATE_FIELD.values():
        day = data.get(field)
        if day is None:
            continue
        if day > today:
            raise DomainError("date_in_future", f"{day:%Y-%m-%d} 晚于今天", field)
        if earlier and day < earlier[1]:
            names = [Membership._meta.get_field(f).verbose_name for f in (field, earlier[0])]
            raise DomainError("dates_out_of_order", f"{names[0]} {day:%Y-%m-%d} 早于{names[1]} {earlier[1]:%Y-%m-%d}",
                              field)
        earlier = (field, day)
    if data.get("ethnicity", "汉族") not in ETHNICITIES:
        raise DomainError("ethnicity_invalid", f"未知的民族：{data['ethnicity']}", "ethnicity")
    if data.get("education") and data["education"] not in dict(EDUCATION):
        raise DomainError("education_invalid", f"未知的学历：{data['education']}", "education")
    born, sex = id_birth_date(data["id_number"]), id_gender(data["id_number"])
    if data.get("birth_date") and data["birth_date"] != born:
        raise DomainError("birth_date_mismatch",
                          f"出生日期 {data['birth_date']:%Y-%m-%d} 与身份证号码中的 {born:%Y-%m-%d} 不一致", "birth_date")
    if data.get("gender") and data["gender"] != sex:
        raise DomainError("gender_mismatch", "性别与身份证号码不一致", "gender")
    first = next(data[f] for f in DATE_FIELD.values() if data.get(f))
    min_age = policy.get("people.applicant_min_age", on=first)
    if age_on(born, first) < min_age:
        raise DomainError("too_young", f"{data['name']} 在 {first:%Y-%m-%d} 未满 {min_age} 周岁", DATE_FIELD[status])
    return born, sex


def plan_member_rows(actor, rows, today):
    """[(row, person or None, plan or DomainError)] for a batch of rows: what importing each
    would do ("create", "update" or "unchanged", and the changes), judged against the people
    already registered (same ID-card number = same person). Writes nothing."""
    indexes = [crypto.blind_index(r["id_number"]) for r in rows]
    existing = {p.id_number_index: p for p in Person.objects.filter(id_number_index__in=indexes)
                .select_related("membership__org")}
    out = []
    for r, index in zip(rows, indexes):
        r["id_number_index"] = index
        person = existing.get(index)
        try:
            r["birth_date"], r["gender"] = check_member_row(r, r["org"], today)
            out.append((r, person, _member_plan(actor, r, person)))
        except DomainError as error:
            out.append((r, person, error))
    return out


def _member_plan(actor, r, person):
    if person is None:
        return {"action": "create"}
    membership = getattr(person, "membership", None)
    where = membership.org if membership else person.residence
    if actor is not None and where is not None and not can(actor, CHANGE, where):
        raise DomainError("person_outside_scope", "该身份证号码已登记在您权限范围以外的组织，请办理组织关系转接", "id_number")
    changes = {f: r[f] for f in ("name", "ethnicity", "education", "occupation") if r.get(f) and r[f] != getattr(person, f)}
    if r.get("phone") and r["phone"] != person.phone:
        changes["phone"] = r["phone"]
    plan = {"person": changes}
    if membership is None:
        plan["register"] = True
    else:
        old, new = membership.status, r["status"]
        if old == "left":
            raise DomainError("status_closed", f"{person.name} 的党籍记录已关闭", "status")
        if new != old:
            if STATUS_ORDER.index(new) < STATUS_ORDER.index(old):
                raise DomainError("status_backwards", f"系统中 {person.name} 已是“{STATUS_LABELS[old]}”，"
                                  f"花名册中为“{STATUS_LABELS[new]}”，党籍状态不能倒退", "status")
            if STATUS_ORDER.index(new) != STATUS_ORDER.index(old) + 1:
                raise DomainError("status_out_of_order",
                                  f"不能从“{STATUS_LABELS[old]}”直接变为“{STATUS_LABELS[new]}”", "status")
            plan["status"] = (new, r[DATE_FIELD[new]])
        if membership.org_id != r["org"].pk:
            plan["move"] = r["org"]
    plan["action"] = "update" if plan["person"] or len(plan) > 1 else "unchanged"
    return plan


def _periods(r):
    """(status, start, end) for each status the row gives a date for, up to its current one."""
    steps = [(s, r[DATE_FIELD[s]]) for s in STATUS_ORDER[:STATUS_ORDER.index(r["status"]) + 1]
             if r.get(DATE_FIELD[s])]
    return [(s, start, steps[i + 1][1] if i + 1 < len(steps) else None) for i, (s, start) in enumerate(steps)]


@transaction.atomic
def import_members(actor, rows, *, reason="花名册导入", batch_size=2000, progress=None, refused=None):
    """Register or update every row of `rows` (an iterable, consumed in batches so memory
    stays flat), all in this one transaction: new people, memberships and status spans go in
    as tuples (core.bulk; encrypted, blind-indexed, as register_member writes them), an audit
    event per row with record_all per batch, the daily changes summed across batches
    (rollups.DailyChanges) and the current counts in one rollups.apply_all at the end. A
    row that would change an existing member goes through update_person, change_status or
    move_membership. The first row that breaks a rule stops it all: nothing is written; or,
    given `refused`, it is handed to refused(row, DomainError) and left out."""
    today = timezone.localdate()
    counts, current, allowed = Counter(), Counter(), set()
    history = rollups.DailyChanges()
    batch = []

    def flush():
        for r, person, plan in plan_member_rows(actor, batch, today):
            if isinstance(plan, DomainError):
                if refused is None:
                    plan.message = f"第 {r['row']} 行：{plan.message}"
                    raise plan
                refused(r, plan)
                r["_new"] = False
                continue
            if r["org"].pk not in allowed:
                require(actor, CHANGE, r["org"], "该党支部")
                allowed.add(r["org"].pk)
            counts[plan["action"]] += 1
            r["_new"] = plan["action"] == "create"
            if plan["action"] == "update":
                _update_member(actor, r, person, plan, reason, today)
        _create_members(actor, [r for r in batch if r["_new"]], reason, current, history)
        if progress:
            progress(len(batch))
        batch.clear()

    for r in rows:
        batch.append(r)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    history.write()
    rollups.apply_all([(path, {key: n}) for (path, key), n in sorted(current.items()) if n])
    return counts


def _update_member(actor, r, person, plan, reason, today):
    if plan["person"]:
        update_person(actor, person, **plan["person"])
    if plan.get("register"):
        register_member(actor, org=r["org"], status=r["status"], since=r[DATE_FIELD[r["status"]]], person=person,
                        reason=reason)
        return
    membership = person.membership
    if "status" in plan:
        membership = change_status(actor, membership, *plan["status"], reason=reason)
    if "move" in plan:
        move_membership(actor, membership, plan["move"], today, reason)


def _create_members(actor, rows, reason, current, history):
    """Insert the rows' people, memberships and spans (core.bulk: tuples, keys reserved up
    front); add their keys to `current` ({(path, key): n}) and their spans' changes to
    `history` (rollups.DailyChanges); one audit event per row, as register_member writes."""
    if not rows:
        return
    now = timezone.now()
    person_ids = bulk.reserve_ids(Person, len(rows))
    membership_ids = bulk.reserve_ids(Membership, len(rows))
    people, memberships, periods, entries = [], [], [], []
    for r, pk, mpk in zip(rows, person_ids, membership_ids):
        number, phone, name = r["id_number"], r.get("phone") or "", r["name"]
        gender, born = r["gender"], r["birth_date"]  # check_member_row filled them from the number
        ethnicity, education = r.get("ethnicity") or "汉族", r.get("education") or ""
        occupation = r.get("occupation") or ""
        initials, full = _pinyin(name)
        people.append((pk, name, initials, full, gender, ethnicity, born, crypto.encrypt(number),
                       r["id_number_index"], crypto.encrypt(phone), crypto.blind_index(phone) or "", education,
                       occupation, now))
        org, status = r["org"], r["status"]
        since = r[DATE_FIELD[status]]
        memberships.append((mpk, pk, org.pk, status, *(r.get(f) for f in DATE_FIELD.values()), since))
        for status_, start, end in _periods(r):
            periods.append((pk, org.pk, status_, start, end, reason))
            keys = _roster_keys(status_, gender, born.year, org.sector, education, ethnicity)
            history.add(org.path, start, keys, 1)
            if end:
                history.add(org.path, end, keys, -1)
            else:
                for key in keys:
                    current[(org.path, key)] += 1
        person = {"name": name, "gender": gender, "ethnicity": ethnicity, "birth_date": born,
                  "id_number": crypto.mask_id_number(number), "phone": crypto.mask_phone(phone),
                  "education": education, "occupation": occupation, "residence": None}
        entries.append(audit.Entry(actor, "people.register_member", object_type=_MEMBERSHIP_LABEL, object_id=mpk,
                                   after={"person": pk, "org": org.pk, "status": status, "since": since,
                                          "person_new": person}))
    bulk.insert(Person, _PERSON_COLUMNS, people)
    bulk.insert(Membership, _MEMBERSHIP_COLUMNS, memberships)
    bulk.insert(MembershipPeriod, ("person", "org", "status", "start", "end", "reason"), periods)
    audit.record_all(entries)


_PERSON_COLUMNS = ("id", "name", "name_initials", "name_pinyin", "gender", "ethnicity", "birth_date", "id_number_enc",
                   "id_number_index", "phone_enc", "phone_index", "education", "occupation", "created_at")
_MEMBERSHIP_COLUMNS = ("id", "person", "org", "status", *DATE_FIELD.values(), "since")
_MEMBERSHIP_LABEL = Membership._meta.label_lower


@lru_cache(maxsize=4096)
def _roster_keys(*fields):
    """A roster's members share a few hundred combinations of the fields their keys come from."""
    return tuple(rollups.membership_keys(*fields))


@lru_cache(maxsize=4096)
def _pinyin(name):
    """Names repeat across a roster: their pinyin keys are worked out once."""
    return pinyin_keys(name)


@transaction.atomic
def record_card_printed(actor, person, full_id):
    """A record card is personal data leaving the system: audited like an export."""
    audit.record(actor, "people.card_pdf", person, after={"full_id": full_id})

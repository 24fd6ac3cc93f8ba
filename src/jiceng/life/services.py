"""Recording organizational life. Every change here is one transaction with an audit event."""

import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone

from jiceng.core import audit, policy, uploads
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.orgs.kinds import BRANCH_KINDS
from jiceng.orgs.services import region_of
from jiceng.people.models import Person
from jiceng.people.queries import memberships_on

from . import absences, counters
from .choices import ATTENDANCE_LABELS, KIND_LABELS, PRESENT
from .models import Amendment, Attachment, Attendance, Meeting, Talk, Vote

EDITABLE = ("held_on", "starts_at", "place", "topic", "host", "recorder", "agenda", "minutes", "decisions")
CHECKIN_SALT = "jiceng.life.checkin"


def _user(actor):
    """The account to keep as author; None for the system."""
    return actor if actor is not None and actor.is_authenticated else None


def _snapshot(m):
    return {f: getattr(m, f"{f}_id" if f in {"host", "recorder"} else f) for f in EDITABLE} | {
        "kind": m.kind, "org": m.org_id, "group": m.group_id, "status": m.status}


def _check_org_and_kind(org, kind, group):
    if org.kind not in BRANCH_KINDS:
        raise DomainError("org_not_branch", f"“{org.name}”不是党支部，组织生活记在党支部名下", "org")
    if kind not in KIND_LABELS or kind == "talk":
        raise DomainError("meeting_kind_invalid", f"未知的会议类型：{kind}", "kind")
    if kind == "group_meeting":
        if not org.children.filter(kind="group").exists():
            raise DomainError("no_groups", f"“{org.name}”没有设党小组，不能记录党小组会", "kind")
        if group is None or group.parent_id != org.pk or group.kind != "group":
            raise DomainError("group_required", f"请选择“{org.name}”下的党小组", "group")
    elif group is not None:
        raise DomainError("group_not_allowed", "只有党小组会需要选择党小组", "group")


def _check_date(held_on):
    if held_on > timezone.localdate():
        raise DomainError("date_in_future", "会议日期不能晚于今天；未召开的会议请作为计划保存", "held_on")


def _check_people(org, held_on, person_ids, field):
    members = memberships_on(org, held_on)
    strangers = [pid for pid in person_ids if pid not in members]
    if strangers:
        names = "、".join(Person.objects.filter(pk__in=strangers).values_list("name", flat=True)[:5])
        raise DomainError("not_a_member_on_date",
                          f"{names} 在 {held_on:%Y-%m-%d} 不是“{org.name}”的党员，不能记入本次会议", field)
    return members


def _write_attendance(meeting, attendance):
    """Set each person's attendance ({person_id: status}): changed rows updated, new ones
    created, in two statements rather than one per person."""
    unknown = set(attendance.values()) - set(ATTENDANCE_LABELS)
    if unknown:
        raise DomainError("attendance_status_invalid", f"未知的出席情况：{', '.join(sorted(unknown))}", "attendance")
    rows = {a.person_id: a for a in meeting.attendance.filter(person_id__in=attendance)}
    changed = [rows[pid] for pid, status in attendance.items() if pid in rows and rows[pid].status != status]
    for row in changed:
        row.status = attendance[row.person_id]
    Attendance.objects.bulk_update(changed, ["status"])
    Attendance.objects.bulk_create([Attendance(meeting=meeting, person_id=pid, status=status)
                                    for pid, status in attendance.items() if pid not in rows])
    if meeting.status == Meeting.HELD:
        absences.attendance_written(meeting, attendance)


def _save_votes(meeting, votes, attendance, members, region):
    if not votes:
        return
    if meeting.kind != "general_assembly":
        raise DomainError("vote_not_allowed", "表决只在支部党员大会上进行", "votes")
    fraction = policy.get("life.vote_quorum", on=meeting.held_on, region=region)
    entitled = sum(1 for status in members.values() if status == "full")
    present = sum(1 for pid, s in attendance.items() if s == PRESENT and members.get(pid) == "full")
    if not present > fraction * entitled:
        raise DomainError(
            "quorum_not_met",
            f"到会有表决权的正式党员 {present} 人，未超过应到 {entitled} 人的{fraction:.0%}，不能表决"
            f"（预备党员没有表决权）", "votes")
    rows = []
    for i, v in enumerate(votes, 1):
        yes, no, abstain = (int(v.get(k) or 0) for k in ("yes", "no", "abstain"))
        if min(yes, no, abstain) < 0 or yes + no + abstain > present:
            raise DomainError("vote_count_invalid",
                              f"第 {i} 项表决：票数合计 {yes + no + abstain} 超过到会有表决权党员 {present} 人", "votes")
        if not (v.get("motion") or "").strip():
            raise DomainError("vote_motion_required", f"第 {i} 项表决：请填写表决事项", "votes")
        rows.append(Vote(meeting=meeting, motion=v["motion"].strip(), yes=yes, no=no, abstain=abstain,
                         entitled=entitled, present_voting=present, passed=yes * 2 > entitled))
    Vote.objects.bulk_create(rows)


@transaction.atomic
def record_meeting(actor, *, org, kind, held_on, topic, attendance=None, votes=None, group=None, **fields):
    """Record a held meeting with its attendance ({person_id: status}) and any votes."""
    require(actor, CHANGE, org, "该党支部")
    _check_org_and_kind(org, kind, group)
    _check_date(held_on)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise DomainError("field_unknown", f"未知字段：{', '.join(sorted(unknown))}", sorted(unknown)[0])
    if not (topic or "").strip():
        raise DomainError("topic_required", "请填写会议主题", "topic")
    attendance = {int(k): v for k, v in (attendance or {}).items()}
    people = set(attendance) | {p.pk for p in (fields.get("host"), fields.get("recorder")) if p}
    members = _check_people(org, held_on, people, "attendance")
    with counters.counted(org, kind, held_on):
        meeting = Meeting.objects.create(org=org, kind=kind, held_on=held_on, topic=topic.strip(), group=group,
                                         created_by=_user(actor), **fields)
    _write_attendance(meeting, attendance)
    _save_votes(meeting, votes or [], attendance, members, region_of(org))
    audit.record(actor, "life.record_meeting", meeting,
                 after=_snapshot(meeting) | {"attendance": attendance, "votes": votes or []})
    return meeting


@transaction.atomic
def plan_meeting(actor, *, org, kind, held_on, topic, group=None, **fields):
    """Put a meeting on the calendar; it is recorded as held later (hold_meeting)."""
    require(actor, CHANGE, org, "该党支部")
    _check_org_and_kind(org, kind, group)
    if held_on < timezone.localdate():
        raise DomainError("plan_in_past", "计划日期不能早于今天；已召开的会议请直接记录", "held_on")
    unknown = set(fields) - {"starts_at", "place", "agenda", "host", "recorder"}
    if unknown:
        raise DomainError("field_unknown", f"未知字段：{', '.join(sorted(unknown))}", sorted(unknown)[0])
    if not (topic or "").strip():
        raise DomainError("topic_required", "请填写会议主题", "topic")
    meeting = Meeting.objects.create(org=org, kind=kind, held_on=held_on, topic=topic.strip(), group=group,
                                     status=Meeting.PLANNED, created_by=_user(actor), **fields)
    audit.record(actor, "life.plan_meeting", meeting, after=_snapshot(meeting))
    return meeting


@transaction.atomic
def hold_meeting(actor, meeting, *, attendance=None, votes=None, **fields):
    """Record a planned meeting as held: its actual date, minutes, attendance and votes.
    Presence that members confirmed by QR on the day is kept unless overridden here."""
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    require(actor, CHANGE, meeting.org, "该党支部")
    if meeting.status != Meeting.PLANNED:
        raise DomainError("already_held", "这次会议已记录为召开，请修改或补正原记录", "held_on")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise DomainError("field_unknown", f"未知字段：{', '.join(sorted(unknown))}", sorted(unknown)[0])
    for field, value in fields.items():
        setattr(meeting, field, value)
    _check_date(meeting.held_on)
    confirmed = dict(meeting.attendance.values_list("person_id", "status"))
    attendance = confirmed | {int(k): v for k, v in (attendance or {}).items()}
    people = set(attendance) | {p.pk for p in (meeting.host, meeting.recorder) if p}
    members = _check_people(meeting.org, meeting.held_on, people, "attendance")
    meeting.status = Meeting.HELD
    with counters.counted(meeting.org, meeting.kind, meeting.held_on):
        meeting.save()
    _write_attendance(meeting, attendance)
    _save_votes(meeting, votes or [], attendance, members, region_of(meeting.org))
    audit.record(actor, "life.hold_meeting", meeting,
                 after=_snapshot(meeting) | {"attendance": attendance, "votes": votes or []})
    return meeting


def lock_date(meeting):
    days = policy.get("life.edit_lock_days", on=meeting.held_on, region=region_of(meeting.org))
    return meeting.held_on + datetime.timedelta(days=days)


def is_locked(meeting, today=None):
    """Held records lock after the policy's days; a plan never does."""
    return meeting.status == Meeting.HELD and (today or timezone.localdate()) > lock_date(meeting)


def _apply(meeting, changes, attendance):
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError("field_unknown", f"不能修改字段：{', '.join(sorted(unknown))}", sorted(unknown)[0])
    if "held_on" in changes:
        _check_date(changes["held_on"])
    old_day = meeting.held_on
    for field, value in changes.items():
        setattr(meeting, field, value)
    _check_people(meeting.org, meeting.held_on,
                  set(attendance or {}) | set(meeting.attendance.values_list("person_id", flat=True)), "attendance")
    with counters.counted(meeting.org, meeting.kind, old_day, meeting.held_on):
        meeting.save()
    if meeting.held_on != old_day:  # the order of everyone's meetings may have changed
        absences.refresh(meeting.attendance.values_list("person_id", flat=True))
    if attendance:
        _write_attendance(meeting, attendance)


@transaction.atomic
def update_meeting(actor, meeting, attendance=None, **changes):
    """Edit within the lock period; later corrections go through amend_meeting."""
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    require(actor, CHANGE, meeting.org, "该党支部")
    if is_locked(meeting):
        raise DomainError("record_locked",
                          f"会议记录已于 {lock_date(meeting):%Y-%m-%d} 锁定，如需更正请填写补正记录（保留原记录）", "held_on")
    before = _snapshot(meeting)
    _apply(meeting, changes, {int(k): v for k, v in (attendance or {}).items()})
    audit.record(actor, "life.update_meeting", meeting, before=before,
                 after=_snapshot(meeting) | {"attendance": attendance or {}})
    return meeting


@transaction.atomic
def amend_meeting(actor, meeting, reason, attendance=None, **changes):
    """Correct a locked record: the original stays in an Amendment, and the change is audited."""
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    require(actor, CHANGE, meeting.org, "该党支部")
    if not (reason or "").strip():
        raise DomainError("reason_required", "请填写更正原因", "reason")
    attendance = {int(k): v for k, v in (attendance or {}).items()}
    before = _snapshot(meeting) | {"attendance": dict(meeting.attendance.values_list("person_id", "status"))}
    _apply(meeting, changes, attendance)
    after = _snapshot(meeting) | {"attendance": dict(meeting.attendance.values_list("person_id", "status"))}
    amendment = Amendment.objects.create(meeting=meeting, reason=reason.strip(), before=audit.jsonable(before),
                                         after=audit.jsonable(after),
                                         by=_user(actor))
    audit.record(actor, "life.amend_meeting", meeting, before=before, after=after | {"reason": reason})
    return amendment


@transaction.atomic
def add_attachment(actor, meeting, upload, caption=""):
    require(actor, CHANGE, meeting.org, "该党支部")
    if is_locked(meeting):
        raise DomainError("record_locked", f"会议记录已于 {lock_date(meeting):%Y-%m-%d} 锁定，不能再添加附件", "file")
    # Photos of the meeting and scans of the signed attendance sheet: images or PDF only.
    kind = uploads.check(upload, uploads.IMAGES | {"pdf"}, policy.get("life.attachment_max_mb", on=meeting.held_on),
                         "file", allowed_text="照片（JPG、PNG、WebP）或扫描件（PDF）")
    attachment = Attachment(meeting=meeting, caption=caption.strip())
    attachment.file.save(f"{meeting.pk}-{timezone.now():%Y%m%d%H%M%S}.{kind}", upload, save=True)
    audit.record(actor, "life.add_attachment", meeting, after={"attachment": attachment.pk, "file": attachment.file.name,
                                                               "caption": attachment.caption})
    return attachment


@transaction.atomic
def record_talk(actor, *, org, held_on, leader, member, topic="", notes=""):
    require(actor, CHANGE, org, "该党支部")
    if org.kind not in BRANCH_KINDS:
        raise DomainError("org_not_branch", f"“{org.name}”不是党支部", "org")
    _check_date(held_on)
    if leader.pk == member.pk:
        raise DomainError("talk_same_person", "谈话双方不能是同一人", "member")
    _check_people(org, held_on, {leader.pk, member.pk}, "member")
    talk = Talk.objects.create(org=org, held_on=held_on, leader=leader, member=member, topic=topic, notes=notes,
                               created_by=_user(actor))
    counters.talk_recorded(talk)
    audit.record(actor, "life.record_talk", talk, after={"org": org.pk, "held_on": held_on, "leader": leader.pk,
                                                          "member": member.pk, "topic": topic})
    return talk


# -- self check-in by QR code: a convenience, never a requirement ---------------------

def checkin_token(meeting):
    return signing.TimestampSigner(salt=CHECKIN_SALT).sign(str(meeting.pk))


def _window(meeting):
    minutes = policy.get("life.checkin_window_minutes", on=meeting.held_on, region=region_of(meeting.org))
    start = datetime.datetime.combine(meeting.held_on, meeting.starts_at or datetime.time(0, 0),
                                      tzinfo=timezone.get_current_timezone())
    return (start - datetime.timedelta(minutes=minutes["before"]),
            start + datetime.timedelta(minutes=minutes["after"] if meeting.starts_at else 24 * 60))


@transaction.atomic
def confirm_presence(user, token, now=None):
    """A member confirms their own presence from the QR code shown at the meeting."""
    now = now or timezone.now()
    try:
        meeting_id = int(signing.TimestampSigner(salt=CHECKIN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise DomainError("checkin_token_invalid", "二维码无效，请重新扫描会场展示的二维码") from None
    meeting = Meeting.objects.select_related("org").get(pk=meeting_id)
    opens, closes = _window(meeting)
    if not opens <= now <= closes:
        raise DomainError("checkin_outside_window",
                          f"扫码确认时间为 {timezone.localtime(opens):%m-%d %H:%M} 至 {timezone.localtime(closes):%m-%d %H:%M}，"
                          "现在不在此时间内，请向记录人说明")
    person = getattr(user, "person", None)
    members = memberships_on(meeting.org, meeting.held_on)
    if person is None or person.pk not in members:
        raise DomainError("checkin_not_member", "您不是本次会议所在党支部的党员，无需在此确认")
    row = Attendance.objects.select_for_update().filter(meeting=meeting, person=person).first()
    if row and row.self_confirmed_at:
        raise DomainError("checkin_twice", f"您已于 {timezone.localtime(row.self_confirmed_at):%H:%M} 确认过出席，无需重复扫码")
    if row is None:
        row = Attendance(meeting=meeting, person=person)
    row.status, row.self_confirmed_at = PRESENT, now
    row.save()
    if meeting.status == Meeting.HELD:
        absences.attendance_written(meeting, {person.pk: PRESENT})
    audit.record(user, "life.confirm_presence", meeting, after={"person": person.pk})
    return meeting



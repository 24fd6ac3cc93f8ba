"""Every step of a development case (发展党员). Each function locks the case, refuses a step
taken out of order or too early (naming the rule and the date), records the step with its
people and documents, moves the membership's status through `people.services.change_status`,
stores the next step and its date on the case, and writes one audit event."""

from django.db import transaction
from django.utils import timezone

from jiceng.core import audit, policy, uploads
from jiceng.core.access import require
from jiceng.core.dates import add_years, age_on
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.validators import id_birth_date, validate_id_number
from jiceng.orgs.services import region_of
from jiceng.people import services as people_services
from jiceng.people.models import Membership
from jiceng.people.queries import memberships_on

from . import rules
from .choices import STEP_LABELS
from .models import Case, Document, Step

DATES = ("applied_on", "talk_on", "activist_on", "last_review_on", "candidate_on", "sponsors_on",
         "political_review_on", "training_on", "assembly_on", "approved_on", "oath_on", "probation_ends_on",
         "closed_on", "due_on")
DOCUMENT_TYPES = uploads.IMAGES | {"pdf"}


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _snapshot(case):
    return {f: getattr(case, f) for f in DATES} | {
        "membership": case.membership_id, "reviews": case.reviews, "extensions": case.extensions,
        "outcome": case.outcome, "next_step": case.next_step, "deadline": case.deadline}


def _check_documents(documents, on):
    """The type of each document (read from its bytes), before anything is written."""
    max_mb = rules.value("attachment_max_mb", on)
    return [uploads.check(f, DOCUMENT_TYPES, max_mb, "documents", what=f"材料“{f.name}”",
                          allowed_text="照片（JPG、PNG、WebP）或扫描件（PDF）") for f in documents]


def _check_date(on, kind, not_before=None, because=""):
    label = STEP_LABELS[kind]
    if on > timezone.localdate():
        raise DomainError("date_in_future", f"{label}的日期不能晚于今天", "on")
    if not_before and on < not_before:
        raise DomainError("date_too_early", f"{label}的日期不能早于{because} {not_before:%Y-%m-%d}", "on")


def _require_step(case, done, kind, missing_kind):
    """Refuse `kind` while the step `missing_kind` has not been taken."""
    if not done:
        raise DomainError("step_out_of_order",
                          f"{case.person.name} 尚未{STEP_LABELS[missing_kind]}，不能{STEP_LABELS[kind]}", "on")


def _once(case, done_on, kind):
    if done_on:
        raise DomainError("step_already_taken", f"{case.person.name} 已于 {done_on:%Y-%m-%d} {STEP_LABELS[kind]}", "on")


def _full_members(case, people, on, key, what):
    """Mentors or sponsors: the number the policy asks for, each a full member, not the person."""
    wanted = rules.value(key, on, region_of(case.membership.org))
    low, high = (wanted["min"], wanted["max"]) if isinstance(wanted, dict) else (wanted, wanted)
    people = list(dict.fromkeys(people))
    count = f"{low}" if low == high else f"{low}至{high}"
    if not low <= len(people) <= high:
        raise DomainError(f"{key}_count", f"须确定 {count} 名{what}，现为 {len(people)} 名（依据{rules.source(key)}）",
                          key)
    if any(p.pk == case.person_id for p in people):
        raise DomainError(f"{key}_self", f"{what}不能是本人", key)
    full = set(Membership.objects.filter(person__in=people, status="full").values_list("person_id", flat=True))
    strangers = [p.name for p in people if p.pk not in full]
    if strangers:
        raise DomainError(f"{key}_not_full", f"{'、'.join(strangers)} 不是正式党员，不能担任{what}"
                          f"（依据{rules.source(key)}）", key)
    return people


def _vote(case, on, present, yes, no=0, abstain=0):
    """A decision of the branch general assembly: the quorum of `life.vote_quorum` (members
    entitled to vote are the branch's full members on that day), then a majority of them."""
    org = case.membership.org
    fraction = policy.get("life.vote_quorum", on=on, region=region_of(org))
    entitled = sum(1 for status in memberships_on(org, on).values() if status == "full")
    present, yes, no, abstain = (int(x or 0) for x in (present, yes, no, abstain))
    if min(present, yes, no, abstain) < 0 or present > entitled:
        raise DomainError("vote_count_invalid",
                          f"到会有表决权党员 {present} 人不合理：{on:%Y-%m-%d} 本支部有表决权的正式党员 {entitled} 人",
                          "present")
    if not present > fraction * entitled:
        raise DomainError("quorum_not_met",
                          f"到会有表决权的正式党员 {present} 人，未超过应到 {entitled} 人的{fraction:.0%}，"
                          f"支部大会不能表决（预备党员没有表决权，依据{rules.source('life.vote_quorum')}）", "present")
    if yes + no + abstain > present:
        raise DomainError("vote_count_invalid", f"票数合计 {yes + no + abstain} 超过到会有表决权党员 {present} 人", "yes")
    if not yes > fraction * entitled:
        raise DomainError("vote_not_passed",
                          f"赞成 {yes} 票，未超过应到会有表决权党员 {entitled} 人的{fraction:.0%}，决议未通过", "yes")
    return {"entitled": entitled, "present": present, "yes": yes, "no": no, "abstain": abstain}


def _lock(actor, case):
    case = Case.objects.select_for_update().select_related("person", "membership__org").get(pk=case.pk)
    require(actor, CHANGE, case.membership.org, "该党员所在党支部")
    if case.closed_on:
        raise DomainError("case_closed", f"{case.person.name} 的发展档案已于 {case.closed_on:%Y-%m-%d} 结束"
                                         f"（{case.get_outcome_display()}）", "on")
    return case


def _record(actor, case, kind, on, *, kinds, documents=(), people=(), body=None, details=None, note=""):
    """Write the step and its documents, the next step onto the case, and the audit event."""
    before = _snapshot(case) if case.pk else None
    region = region_of(case.membership.org)
    rules.set_next(case, region)
    case.save()
    step = Step.objects.create(case=case, kind=kind, on=on, body=body, details=details or {},
                               note=(note or "").strip(), recorded_by=_user(actor))
    if people:
        step.people.set(people)
    for i, (upload, ext) in enumerate(zip(documents, kinds), 1):
        document = Document(step=step, caption=upload.name[:200])
        document.file.save(f"{case.pk}-{kind}-{timezone.now():%Y%m%d%H%M%S}-{i}.{ext}", upload, save=True)
    audit.record(actor, f"development.{kind}", case, before=before, after=_snapshot(case) | {
        "step": step.pk, "on": on, "people": [p.pk for p in people], "body": body.pk if body else None,
        "details": step.details, "documents": len(kinds)})
    return step


def _check_age(applied_on, person, person_data):
    birth = person.birth_date if person else person_data.get("birth_date")
    if not birth and person_data.get("id_number"):
        birth = id_birth_date(validate_id_number(person_data["id_number"]))
    minimum = policy.get("people.applicant_min_age", on=applied_on)
    if birth and age_on(birth, applied_on) < minimum:
        name = person.name if person else person_data.get("name", "")
        raise DomainError("too_young", f"{name} 在 {applied_on:%Y-%m-%d} 未满 {minimum} 周岁，"
                                       f"{add_years(birth, minimum):%Y-%m-%d} 起方可申请入党"
                                       f"（依据{rules.source('people.applicant_min_age')}）", "applied_on")


@transaction.atomic
def apply(actor, *, org, applied_on, note="", documents=(), person=None, **person_data):
    """A new applicant hands in the application: registered as 入党申请人 and the case opened."""
    _check_age(applied_on, person, person_data)
    kinds = _check_documents(documents, applied_on)
    membership = people_services.register_member(actor, org=org, status="applicant", since=applied_on,
                                                 person=person, reason="递交入党申请书", **person_data)
    case = Case(person=membership.person, membership=membership, applied_on=applied_on)
    _record(actor, case, "apply", applied_on, kinds=kinds, documents=documents, note=note)
    return case


@transaction.atomic
def open_case(actor, membership, note="", documents=()):
    """Open the case of an applicant registered before (on the people pages)."""
    membership = Membership.objects.select_for_update().select_related("person", "org").get(pk=membership.pk)
    require(actor, CHANGE, membership.org, "该党员所在党支部")
    if membership.status != "applicant":
        raise DomainError("not_an_applicant", f"{membership.person.name} 现为{membership.get_status_display()}，"
                                              "只能为入党申请人建立发展档案", "person")
    if Case.objects.filter(membership=membership).exists():
        raise DomainError("case_exists", f"{membership.person.name} 已有发展档案", "person")
    applied_on = membership.applied_on or membership.since
    kinds = _check_documents(documents, applied_on)
    case = Case(person=membership.person, membership=membership, applied_on=applied_on)
    _record(actor, case, "apply", applied_on, kinds=kinds, documents=documents, note=note)
    return case


@transaction.atomic
def record_talk(actor, case, *, on, talker, note="", documents=()):
    """派人谈话: due within the policy's months of the application; a late talk is still
    recorded (the dashboard has shown it overdue), an early one is impossible."""
    case = _lock(actor, case)
    _once(case, case.talk_on, "talk")
    _check_date(on, "talk", case.applied_on, "递交入党申请书的日期")
    if talker.pk == case.person_id:
        raise DomainError("talker_self", "谈话人不能是申请人本人", "talker")
    kinds = _check_documents(documents, on)
    limit = rules.next_step(case, region_of(case.membership.org)).latest
    case.talk_on = on
    return _record(actor, case, "talk", on, kinds=kinds, documents=documents, people=[talker], note=note,
                   details={"late": on > limit, "due_by": limit.isoformat()})


@transaction.atomic
def make_activist(actor, case, *, on, mentors, note="", documents=()):
    """确定为入党积极分子, with the mentors (培养联系人) named."""
    case = _lock(actor, case)
    _once(case, case.activist_on, "activist")
    _require_step(case, case.talk_on, "activist", "talk")
    _check_date(on, "activist", case.talk_on, "谈话日期")
    mentors = _full_members(case, mentors, on, "mentors", "培养联系人")
    kinds = _check_documents(documents, on)
    people_services.change_status(actor, case.membership, "activist", on, reason="确定为入党积极分子")
    case.activist_on = on
    return _record(actor, case, "activist", on, kinds=kinds, documents=documents, people=mentors, note=note)


@transaction.atomic
def record_review(actor, case, *, on, note="", documents=()):
    """党支部对入党积极分子的定期考察."""
    case = _lock(actor, case)
    _require_step(case, case.activist_on, "review", "activist")
    if case.candidate_on:
        raise DomainError("step_out_of_order", f"{case.person.name} 已于 {case.candidate_on:%Y-%m-%d} 确定为发展对象，"
                                               "入党积极分子考察已结束", "on")
    since = case.last_review_on or case.activist_on
    _check_date(on, "review", since, "上一次考察日期" if case.last_review_on else "确定为入党积极分子的日期")
    kinds = _check_documents(documents, on)
    limit = rules.review_due(case, region_of(case.membership.org))
    case.reviews, case.last_review_on = case.reviews + 1, on
    return _record(actor, case, "review", on, kinds=kinds, documents=documents, note=note,
                   details={"late": on > limit, "due_by": limit.isoformat()})


@transaction.atomic
def make_candidate(actor, case, *, on, note="", documents=()):
    """确定为发展对象: after the policy's training period, with a review in every period."""
    case = _lock(actor, case)
    _once(case, case.candidate_on, "candidate")
    _require_step(case, case.activist_on, "candidate", "activist")
    _check_date(on, "candidate", case.last_review_on, "最近一次考察日期")
    region = region_of(case.membership.org)
    eligible = rules.candidate_from(case, region)
    if on < eligible:
        months = rules.value("activist_min_months", case.activist_on, region)
        raise DomainError("too_early", f"须在 {eligible:%Y-%m-%d} 及以后方可确定为发展对象（{case.activist_on:%Y-%m-%d} "
                                       f"确定为入党积极分子，培养考察须满 {months} 个月，依据"
                                       f"{rules.source('activist_min_months')}）", "on")
    needed = rules.reviews_needed(case, on, region)
    if case.reviews < needed:
        every = rules.value("review_every_months", case.activist_on, region)
        raise DomainError("reviews_missing", f"入党积极分子考察记录 {case.reviews} 次，至 {on:%Y-%m-%d} 应有 {needed} 次"
                                             f"（每 {every} 个月考察一次，依据{rules.source('review_every_months')}），"
                                             "请先补记考察", "on")
    kinds = _check_documents(documents, on)
    people_services.change_status(actor, case.membership, "candidate", on, reason="确定为发展对象")
    case.candidate_on = on
    return _record(actor, case, "candidate", on, kinds=kinds, documents=documents, note=note)


def _candidate_step(actor, case, kind, on):
    case = _lock(actor, case)
    _once(case, getattr(case, f"{kind}_on"), kind)
    _require_step(case, case.candidate_on, kind, "candidate")
    _check_date(on, kind, case.candidate_on, "确定为发展对象的日期")
    return case


@transaction.atomic
def name_sponsors(actor, case, *, on, sponsors, note="", documents=()):
    """确定入党介绍人."""
    case = _candidate_step(actor, case, "sponsors", on)
    sponsors = _full_members(case, sponsors, on, "sponsors", "入党介绍人")
    kinds = _check_documents(documents, on)
    case.sponsors_on = on
    return _record(actor, case, "sponsors", on, kinds=kinds, documents=documents, people=sponsors, note=note)


@transaction.atomic
def record_political_review(actor, case, *, on, note="", documents=()):
    """政治审查: its conclusion in the note, the review materials as documents."""
    case = _candidate_step(actor, case, "political_review", on)
    kinds = _check_documents(documents, on)
    case.political_review_on = on
    return _record(actor, case, "political_review", on, kinds=kinds, documents=documents, note=note)


@transaction.atomic
def record_training(actor, case, *, on, days=None, hours=None, note="", documents=()):
    """短期集中培训, ended on `on`: at least the policy's days or its class hours."""
    case = _candidate_step(actor, case, "training", on)
    minimum = rules.value("training_minimum", on, region_of(case.membership.org))
    days, hours = days or 0, hours or 0
    if days < minimum["days"] and hours < minimum["hours"]:
        raise DomainError("training_too_short",
                          f"集中培训 {days} 天、{hours} 学时，须不少于 {minimum['days']} 天或 {minimum['hours']} 个学时"
                          f"（依据{rules.source('training_minimum')}）", "days")
    kinds = _check_documents(documents, on)
    case.training_on = on
    return _record(actor, case, "training", on, kinds=kinds, documents=documents, note=note,
                   details={"days": days, "hours": hours})


@transaction.atomic
def record_assembly(actor, case, *, on, present, yes, no=0, abstain=0, note="", documents=()):
    """支部大会讨论接收 the candidate as a probationary member."""
    case = _lock(actor, case)
    _once(case, case.assembly_on, "assembly")
    _require_step(case, case.candidate_on, "assembly", "candidate")
    for kind in ("sponsors", "political_review", "training"):
        _require_step(case, getattr(case, f"{kind}_on"), "assembly", kind)
    ready = max(case.candidate_on, case.sponsors_on, case.political_review_on, case.training_on)
    _check_date(on, "assembly", ready, "发展对象各项考察完成的日期")
    votes = _vote(case, on, present, yes, no, abstain)
    kinds = _check_documents(documents, on)
    case.assembly_on = on
    return _record(actor, case, "assembly", on, kinds=kinds, documents=documents, note=note, details=votes)


@transaction.atomic
def approve(actor, case, *, on, body=None, special_reason="", note="", documents=()):
    """上级党委审批: within the policy's months of the assembly, or up to its longer limit
    in a special case with the reason stated. Probation counts from the assembly's vote."""
    case = _lock(actor, case)
    _once(case, case.approved_on, "approval")
    _require_step(case, case.assembly_on, "approval", "assembly")
    _check_date(on, "approval", case.assembly_on, "支部大会通过的日期")
    region = region_of(case.membership.org)
    normal, special = rules.approval_limits(case, region)
    limits = rules.value("approval_within_months", case.assembly_on, region)
    if on > special:
        raise DomainError("approval_late", f"支部大会于 {case.assembly_on:%Y-%m-%d} 通过，上级党委审批最迟须在 "
                                           f"{special:%Y-%m-%d} 前完成（特殊情况也不得超过 {limits['special']} 个月，"
                                           f"依据{rules.source('approval_within_months')}），已逾期", "on")
    if on > normal and not (special_reason or "").strip():
        raise DomainError("approval_late", f"上级党委审批应在 {normal:%Y-%m-%d} 前完成（支部大会通过后 {limits['normal']}"
                                           f" 个月内，依据{rules.source('approval_within_months')}）；"
                                           "因特殊情况延长审批的，请注明原因", "special_reason")
    if body is not None and not (body.kind in {"committee", "working_committee"}
                                 and case.membership.org.path.startswith(body.path)):
        raise DomainError("body_invalid", f"“{body.name}”不是该党支部的上级党委", "body")
    kinds = _check_documents(documents, on)
    people_services.change_status(actor, case.membership, "probationary", case.assembly_on,
                                  reason="上级党委批准为预备党员")
    case.approved_on = on
    case.probation_ends_on = rules.add_months(case.assembly_on, rules.value("probation_months", case.assembly_on,
                                                                            region))
    return _record(actor, case, "approval", on, kinds=kinds, documents=documents, body=body, note=note,
                   details={"special_reason": special_reason.strip()} if special_reason.strip() else {})


@transaction.atomic
def take_oath(actor, case, *, on, note="", documents=()):
    """入党宣誓."""
    case = _lock(actor, case)
    _once(case, case.oath_on, "oath")
    _require_step(case, case.approved_on, "oath", "approval")
    _check_date(on, "oath", case.approved_on, "上级党委批准的日期")
    kinds = _check_documents(documents, on)
    case.oath_on = on
    return _record(actor, case, "oath", on, kinds=kinds, documents=documents, note=note)


def _probation_ended(case, kind, on):
    if on < case.probation_ends_on:
        raise DomainError("too_early", f"预备期至 {case.probation_ends_on:%Y-%m-%d} 期满，期满后方可讨论{STEP_LABELS[kind]}"
                                       f"（预备期自支部大会通过之日 {case.assembly_on:%Y-%m-%d} 算起，依据"
                                       f"{rules.source('probation_months')}）", "on")


@transaction.atomic
def convert(actor, case, *, on, present, yes, no=0, abstain=0, note="", documents=()):
    """转为正式党员, decided by the branch assembly when probation has ended."""
    case = _lock(actor, case)
    _require_step(case, case.approved_on, "convert", "approval")
    _require_step(case, case.oath_on, "convert", "oath")
    _check_date(on, "convert", case.oath_on, "入党宣誓的日期")
    _probation_ended(case, "convert", on)
    votes = _vote(case, on, present, yes, no, abstain)
    kinds = _check_documents(documents, on)
    people_services.change_status(actor, case.membership, "full", on, reason="预备期满转为正式党员")
    case.closed_on, case.outcome = on, "full"
    return _record(actor, case, "convert", on, kinds=kinds, documents=documents, note=note, details=votes)


@transaction.atomic
def extend(actor, case, *, on, months, present, yes, no=0, abstain=0, note="", documents=()):
    """延长预备期: once only, by one of the policy's lengths, when probation has ended."""
    case = _lock(actor, case)
    _require_step(case, case.approved_on, "extend", "approval")
    region = region_of(case.membership.org)
    allowed = rules.value("extensions_allowed", case.assembly_on, region)
    if case.extensions >= allowed:
        last = case.steps.filter(kind="extend").order_by("-on").first()
        raise DomainError("extension_exhausted",
                          f"预备期只能延长 {allowed} 次，已于 {last.on:%Y-%m-%d} 延长 {last.details.get('months')} 个月"
                          f"（依据{rules.source('extensions_allowed')}）", "months")
    lengths = rules.value("extension_months", case.assembly_on, region)
    if months not in lengths:
        raise DomainError("extension_length", f"延长预备期只能为 {'或'.join(map(str, lengths))} 个月"
                                              f"（依据{rules.source('extension_months')}）", "months")
    _check_date(on, "extend", case.approved_on, "上级党委批准的日期")
    _probation_ended(case, "extend", on)
    votes = _vote(case, on, present, yes, no, abstain)
    kinds = _check_documents(documents, on)
    previous_end = case.probation_ends_on
    case.extensions += 1
    case.probation_ends_on = rules.add_months(previous_end, months)
    return _record(actor, case, "extend", on, kinds=kinds, documents=documents, note=note,
                   details=votes | {"months": months, "from": previous_end.isoformat(),
                                   "to": case.probation_ends_on.isoformat()})


@transaction.atomic
def cancel(actor, case, *, on, present, yes, no=0, abstain=0, note="", documents=()):
    """取消预备党员资格: the membership ends ("left")."""
    case = _lock(actor, case)
    _require_step(case, case.approved_on, "cancel", "approval")
    if not (note or "").strip():
        raise DomainError("reason_required", "请写明取消预备党员资格的原因", "note")
    _check_date(on, "cancel", case.approved_on, "上级党委批准的日期")
    votes = _vote(case, on, present, yes, no, abstain)
    kinds = _check_documents(documents, on)
    people_services.change_status(actor, case.membership, "left", on, reason=f"取消预备党员资格：{note.strip()}"[:200])
    case.closed_on, case.outcome = on, "cancelled"
    return _record(actor, case, "cancel", on, kinds=kinds, documents=documents, note=note, details=votes)


TAKE = {"talk": record_talk, "activist": make_activist, "review": record_review, "candidate": make_candidate,
        "sponsors": name_sponsors, "political_review": record_political_review, "training": record_training,
        "assembly": record_assembly, "approval": approve, "oath": take_oath, "convert": convert, "extend": extend,
        "cancel": cancel}


def take(actor, case, kind, **fields):
    """The service for step `kind` (the pages' one door to the functions above)."""
    return TAKE[kind](actor, case, **fields)

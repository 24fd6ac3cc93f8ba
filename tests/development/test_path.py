"""A whole development path, application to full membership, driven through the services
with dates as the clock; each refusal names its rule and the date that blocks it, and writes
nothing."""

import datetime

import pytest

from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent
from jiceng.development import services
from jiceng.development.models import Case, Document, Step
from jiceng.people.models import Membership, MembershipPeriod

from .conftest import applicant

pytestmark = pytest.mark.django_db
D = datetime.date


def _rows():
    return (Case.objects.count(), Step.objects.count(), Document.objects.count(), AuditEvent.objects.count(),
            MembershipPeriod.objects.count(), list(Membership.objects.order_by("pk").values_list("status", "since")))


def refused(code, call, *args, **kwargs):
    before = _rows()
    with pytest.raises(DomainError) as err:
        call(*args, **kwargs)
    assert err.value.code == code, err.value.message
    assert _rows() == before, "a refused step wrote something"
    return err.value.message


def fresh(case):
    return Case.objects.get(pk=case.pk)


def test_full_path_from_application_to_full_membership(branch, full):
    case = applicant(branch, "甲申", D(2022, 3, 1))
    assert (case.next_step, case.due_on, case.deadline) == ("talk", D(2022, 4, 1), True)
    assert case.membership.status == "applicant"

    # Out of order: nobody becomes an activist before the talk.
    msg = refused("step_out_of_order", services.make_activist, None, case, on=D(2022, 3, 10), mentors=full[:2])
    assert "尚未派人谈话" in msg
    services.record_talk(None, case, on=D(2022, 3, 20), talker=full[0], note="了解入党动机")
    assert fresh(case).next_step == "activist"

    msg = refused("mentors_count", services.make_activist, None, case, on=D(2022, 6, 1), mentors=full[:3])
    assert "1至2 名培养联系人" in msg and "第十一条" in msg
    services.make_activist(None, case, on=D(2022, 6, 1), mentors=full[:2])
    case = fresh(case)
    assert case.membership.status == "activist" and case.membership.activist_on == D(2022, 6, 1)
    assert (case.next_step, case.due_on, case.deadline) == ("review", D(2022, 12, 1), True)

    services.record_review(None, case, on=D(2022, 11, 20), note="表现良好")
    assert (fresh(case).next_step, fresh(case).due_on) == ("review", D(2023, 5, 20))
    # One review in the first year is not enough even when the year is over.
    msg = refused("reviews_missing", services.make_candidate, None, case, on=D(2023, 6, 10))
    assert "考察记录 1 次，至 2023-06-10 应有 2 次" in msg and "第十二条" in msg
    services.record_review(None, case, on=D(2023, 5, 20))
    case = fresh(case)
    assert (case.next_step, case.due_on, case.deadline) == ("candidate", D(2023, 6, 1), False)

    # Too early: a year of training and observation first.
    msg = refused("too_early", services.make_candidate, None, case, on=D(2023, 5, 31))
    assert msg.startswith("须在 2023-06-01 及以后方可确定为发展对象") and "第十四条" in msg
    services.make_candidate(None, case, on=D(2023, 6, 10))
    case = fresh(case)
    assert case.membership.status == "candidate" and case.next_step == "sponsors"

    # Out of order: the assembly waits for sponsors, political review and training.
    msg = refused("step_out_of_order", services.record_assembly, None, case, on=D(2023, 8, 1), present=4, yes=4)
    assert "尚未确定入党介绍人" in msg
    msg = refused("sponsors_count", services.name_sponsors, None, case, on=D(2023, 6, 20), sponsors=full[:1])
    assert "须确定 2 名入党介绍人" in msg
    services.name_sponsors(None, case, on=D(2023, 6, 20), sponsors=full[:2])
    services.record_political_review(None, case, on=D(2023, 7, 1), note="政治审查合格")
    msg = refused("training_too_short", services.record_training, None, case, on=D(2023, 7, 5), days=2, hours=16)
    assert "须不少于 3 天或 24 个学时" in msg
    services.record_training(None, case, on=D(2023, 7, 5), hours=24)
    case = fresh(case)
    assert (case.next_step, case.due_on, case.deadline) == ("assembly", D(2023, 7, 5), False)

    # No quorum: 2 of the 4 full members present is not more than half.
    msg = refused("quorum_not_met", services.record_assembly, None, case, on=D(2023, 8, 1), present=2, yes=2)
    assert "未超过应到 4 人的50%" in msg
    refused("vote_not_passed", services.record_assembly, None, case, on=D(2023, 8, 1), present=3, yes=2, no=1)
    services.record_assembly(None, case, on=D(2023, 8, 1), present=3, yes=3)
    case = fresh(case)
    assert (case.next_step, case.due_on, case.deadline) == ("approval", D(2023, 11, 1), True)
    assert case.membership.status == "candidate"  # a probationary member only once approved

    refused("step_out_of_order", services.take_oath, None, case, on=D(2023, 8, 5))
    # Approval late: past three months without a reason, past six months in any case.
    msg = refused("approval_late", services.approve, None, case, on=D(2023, 11, 2))
    assert "应在 2023-11-01 前完成" in msg and "请注明原因" in msg
    msg = refused("approval_late", services.approve, None, case, on=D(2024, 2, 2), special_reason="待补充政审材料")
    assert "最迟须在 2024-02-01 前完成" in msg
    services.approve(None, case, on=D(2023, 10, 15))
    case = fresh(case)
    membership = case.membership
    assert membership.status == "probationary" and membership.admitted_on == D(2023, 8, 1)  # probation from the vote
    assert case.probation_ends_on == D(2024, 8, 1) and case.next_step == "oath"

    services.take_oath(None, case, on=D(2023, 10, 20))
    case = fresh(case)
    assert (case.next_step, case.due_on, case.deadline) == ("convert", D(2024, 8, 1), False)

    msg = refused("too_early", services.convert, None, case, on=D(2024, 7, 31), present=4, yes=4)
    assert "预备期至 2024-08-01 期满" in msg
    services.extend(None, case, on=D(2024, 8, 5), months=6, present=4, yes=3, note="需进一步考察")
    case = fresh(case)
    assert case.probation_ends_on == D(2025, 2, 1) and case.next_step == "convert"
    # Extension twice is refused.
    msg = refused("extension_exhausted", services.extend, None, case, on=D(2025, 2, 5), months=6, present=4, yes=4)
    assert "只能延长 1 次，已于 2024-08-05 延长 6 个月" in msg
    refused("too_early", services.convert, None, case, on=D(2025, 1, 15), present=4, yes=4)
    services.convert(None, case, on=D(2025, 2, 10), present=4, yes=4)

    case = fresh(case)
    assert (case.outcome, case.closed_on, case.next_step, case.due_on) == ("full", D(2025, 2, 10), "", None)
    assert case.membership.status == "full" and case.membership.full_on == D(2025, 2, 10)
    spans = list(MembershipPeriod.objects.filter(person=case.person).values_list("status", "start", "end"))
    assert spans == [("applicant", D(2022, 3, 1), D(2022, 6, 1)), ("activist", D(2022, 6, 1), D(2023, 6, 10)),
                     ("candidate", D(2023, 6, 10), D(2023, 8, 1)), ("probationary", D(2023, 8, 1), D(2025, 2, 10)),
                     ("full", D(2025, 2, 10), None)]
    kinds = list(case.steps.values_list("kind", flat=True))
    assert kinds == ["apply", "talk", "activist", "review", "review", "candidate", "sponsors", "political_review",
                     "training", "assembly", "approval", "oath", "extend", "convert"]
    assert set(case.steps.get(kind="sponsors").people.all()) == set(full[:2])
    assert case.steps.get(kind="assembly").details == {"entitled": 4, "present": 3, "yes": 3, "no": 0, "abstain": 0}
    assert AuditEvent.objects.filter(action__startswith="development.").count() == len(kinds)
    refused("case_closed", services.record_review, None, case, on=D(2025, 3, 1))


def test_cancellation_ends_membership(branch, full):
    case = applicant(branch, "甲消", D(2022, 1, 10))
    services.record_talk(None, case, on=D(2022, 1, 20), talker=full[0])
    services.make_activist(None, case, on=D(2022, 2, 1), mentors=full[:1])
    for day in (D(2022, 7, 1), D(2022, 12, 20)):
        services.record_review(None, case, on=day)
    services.make_candidate(None, case, on=D(2023, 2, 1))
    services.name_sponsors(None, case, on=D(2023, 2, 2), sponsors=full[2:])
    services.record_political_review(None, case, on=D(2023, 2, 3))
    services.record_training(None, case, on=D(2023, 2, 4), days=3)
    services.record_assembly(None, case, on=D(2023, 3, 1), present=4, yes=4)
    services.approve(None, case, on=D(2023, 8, 1), special_reason="上级党委换届")  # 5 months: special case
    assert fresh(case).steps.get(kind="approval").details == {"special_reason": "上级党委换届"}
    refused("reason_required", services.cancel, None, case, on=D(2023, 9, 1), present=4, yes=4)
    services.cancel(None, case, on=D(2023, 9, 1), present=4, yes=4, note="不履行党员义务")
    case = fresh(case)
    assert (case.outcome, case.next_step, case.membership.status) == ("cancelled", "", "left")


def test_applicant_under_age_is_refused_with_the_day_they_may_apply(branch):
    before = _rows()
    with pytest.raises(DomainError) as err:
        applicant(branch, "甲少", D(2024, 3, 1), birth=D(2006, 9, 1))
    assert err.value.code == "too_young"
    assert "2024-03-01 未满 18 周岁，2024-09-01 起方可申请入党" in err.value.message and "章程" in err.value.message
    assert _rows() == before


def test_late_talk_is_recorded_as_late_and_future_dates_are_refused(branch, full):
    case = applicant(branch, "甲迟", D(2024, 1, 10))
    refused("date_in_future", services.record_talk, None, case, on=D(2999, 1, 1), talker=full[0])
    refused("date_too_early", services.record_talk, None, case, on=D(2024, 1, 9), talker=full[0])
    step = services.record_talk(None, case, on=D(2024, 3, 1), talker=full[0])
    assert step.details == {"late": True, "due_by": "2024-02-10"}


def test_mentors_must_be_full_members_other_than_the_person(branch, full):
    case = applicant(branch, "甲导", D(2024, 1, 10))
    other = applicant(branch, "甲另", D(2024, 1, 10))
    services.record_talk(None, case, on=D(2024, 1, 20), talker=full[0])
    msg = refused("mentors_not_full", services.make_activist, None, case, on=D(2024, 2, 1),
                  mentors=[full[0], other.person])
    assert "甲另 不是正式党员" in msg
    refused("mentors_self", services.make_activist, None, case, on=D(2024, 2, 1), mentors=[case.person])


def test_documents_are_checked_by_their_bytes(branch, full):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = applicant(branch, "甲档", D(2024, 1, 10),
                     documents=[SimpleUploadedFile("申请书.pdf", b"%PDF-1.4 application")])
    document = Document.objects.get(step__case=case)
    assert document.caption == "申请书.pdf" and document.file.read().startswith(b"%PDF")
    msg = refused("attachment_type", services.record_talk, None, case, on=D(2024, 1, 20), talker=full[0],
                  documents=[SimpleUploadedFile("谈话.pdf", b"MZ not a pdf")])
    assert "谈话.pdf" in msg


def test_open_case_for_an_applicant_registered_on_the_people_pages(branch):
    from tests import builders as b

    m = b.member(branch, "甲旧", status="applicant", since=D(2024, 5, 1), birth=D(2001, 1, 1))
    case = services.open_case(None, m)
    assert (case.applied_on, case.next_step, case.due_on) == (D(2024, 5, 1), "talk", D(2024, 6, 1))
    refused("case_exists", services.open_case, None, m)
    full = b.member(branch, "甲全", birth=D(1990, 1, 1))
    refused("not_an_applicant", services.open_case, None, full)


def test_secretary_of_another_county_cannot_take_steps(world, branch, full):
    from jiceng.core.errors import NotFound

    case = applicant(branch, "甲权", D(2024, 1, 10))
    with pytest.raises(NotFound):
        services.record_talk(world.b.users["secretary"], case, on=D(2024, 1, 20), talker=full[0])
    services.record_talk(world.a.users["secretary"], case, on=D(2024, 1, 20), talker=full[0])

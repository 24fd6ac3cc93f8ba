"""Every change of a village matter: proposing it, recording each step in order, publishing,
residents' questions, supervision. Each validates first and writes in one transaction."""

import datetime

from django.db import transaction

from jiceng.core import audit, crypto, policy
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE, VIEW
from jiceng.core.scoping import can

from .models import (BODIES, VOTED, Disclosure, Matter, Objection, Question, StepRecord, Supervisor, Template,
                     TemplateStep)
from .procedure import DEFAULT_NAME, DEFAULT_STEPS

BODY_LABELS = dict(BODIES)


def default_template():
    """四议两公开, made on first use so that every database ships it."""
    template, created = Template.objects.get_or_create(name=DEFAULT_NAME, defaults={"is_default": True})
    if created:
        TemplateStep.objects.bulk_create([TemplateStep(template=template, **s) for s in DEFAULT_STEPS])
    return template


def _village(node):
    if node.kind != "village":
        raise DomainError("not_a_village", "村级重大事项只能在“村”类型的组织下提出", "village")


def propose(actor, village, *, title, kind, proposed_on, amount=None, description="", template=None):
    require(actor, CHANGE, village, "该村")
    _village(village)
    kinds = policy.get("village.major_matters", on=proposed_on)
    if kind not in kinds:
        raise DomainError("unknown_kind", f"事项类别须为政策所列重大事项之一：{'、'.join(kinds)}", "kind")
    with transaction.atomic():
        matter = Matter.objects.create(village=village, template=template or default_template(), title=title,
                                       kind=kind, amount=amount, description=description, proposed_on=proposed_on)
        audit.record(actor, "village.propose", matter, after={"title": title, "kind": kind, "amount": amount})
    return matter


def mandatory(kind, amount, on):
    """Must this matter go through 四议两公开? (a listed kind, or money at or above the threshold)"""
    return kind in policy.get("village.major_matters", on=on) or (
        amount is not None and amount >= policy.get("village.mandatory_amount", on=on))


def _meets(count, total, rule):
    """count/total meets `rule` ({num, den, above}) — integers only, no floats."""
    lhs, rhs = count * rule["den"], total * rule["num"]
    return lhs > rhs if rule["above"] else lhs >= rhs


def _share(rule):
    return f"{'超过' if rule['above'] else '达到'}{rule['num']}/{rule['den']}"


def open_objections(matter):
    return matter.objections.filter(answered_on__isnull=True)


def record_step(actor, matter, *, order, body, held_on, minutes, entitled=None, present=None, yes=None, no=None,
                abstain=None):
    """Record step `order` of the matter. Out of order, skipped, without quorum, or held by an open
    objection: refused, nothing written. A failed vote is recorded and ends or returns the matter."""
    require(actor, CHANGE, matter.village, "该村")
    step = matter.template.steps.filter(order=order).first()
    if matter.status != Matter.OPEN:
        raise DomainError("matter_closed", f"该事项已{matter.get_status_display()}，不能再记录步骤", None)
    if step is None:
        raise DomainError("no_such_step", f"程序“{matter.template.name}”没有第 {order} 步", "order")
    expected = matter.template.steps.get(order=matter.next_order)
    if order > matter.next_order:
        raise DomainError("step_skipped", f"不得跳过步骤：须先完成第 {expected.order} 步“{expected.label}”"
                                          f"（{matter.template.name}须按顺序进行）", "order")
    if order < matter.next_order:
        raise DomainError("step_out_of_order", f"第 {order} 步“{step.label}”已完成，当前应进行第 {expected.order} 步"
                                               f"“{expected.label}”", "order")
    if body not in step.body_codes:
        names = "或".join(BODY_LABELS[b] for b in step.body_codes)
        raise DomainError("wrong_body", f"第 {order} 步“{step.label}”须由{names}进行", "body")
    if open_objections(matter).exists():
        raise DomainError("objection_open", "村务监督委员会对该事项提出的监督意见尚未答复，答复前不得进行下一步", None)
    last = matter.records.order_by("-held_on", "-id").first()
    if last and held_on < last.held_on:
        raise DomainError("date_before_previous", f"日期不得早于上一步的日期 {last.held_on:%Y-%m-%d}", "held_on")
    passed = True
    if body in VOTED:
        passed = _vote(body, held_on, entitled, present, yes, no, abstain)
    with transaction.atomic():
        record = StepRecord.objects.create(matter=matter, step=step, body=body, held_on=held_on, minutes=minutes,
                                           entitled=entitled, present=present, yes=yes, no=no, abstain=abstain,
                                           passed=passed)
        before = {"status": matter.status, "next_order": matter.next_order}
        if not passed and step.on_fail == TemplateStep.END:
            matter.status = Matter.ENDED
        elif not passed:
            matter.next_order = step.return_to
        elif matter.template.steps.filter(order__gt=order).exists():
            matter.next_order = matter.template.steps.filter(order__gt=order).order_by("order").first().order
        else:
            matter.status = Matter.DONE
        matter.save(update_fields=["status", "next_order"])
        if step.discloses:
            days = policy.get("village.disclosure_days", on=held_on)
            Disclosure.objects.create(matter=matter, village=matter.village, kind=step.discloses, text=minutes,
                                      posted_on=held_on, keep_until=held_on + datetime.timedelta(days=days))
        audit.record(actor, "village.record_step", matter, before=before,
                     after={"order": order, "body": body, "passed": passed, "status": matter.status,
                            "next_order": matter.next_order, "record": record.pk})
    return record


def _vote(body, on, entitled, present, yes, no, abstain):
    """Validate the counts and the quorum (refused without it); return whether the vote passed."""
    counts = (entitled, present, yes, no, abstain)
    if any(c is None for c in counts):
        raise DomainError("counts_required", f"{BODY_LABELS[body]}须记录应到、实到人数和同意、反对、弃权票数", "present")
    if present > entitled:
        raise DomainError("present_over_entitled", "实到人数不能超过应到人数", "present")
    if yes + no + abstain > present:
        raise DomainError("votes_over_present", "同意、反对、弃权票数之和不能超过实到人数", "yes")
    rule = policy.get(f"village.{body}", on=on)
    title = policy.policy(f"village.{body}").title
    if not _meets(present, entitled, rule["quorum"]):
        raise DomainError("no_quorum", f"{BODY_LABELS[body]}到会人数未{_share(rule['quorum'])}（应到 {entitled}、"
                                       f"实到 {present}），会议无效，不能表决。依据：{title}", "present")
    return _meets(yes, present, rule["majority"])


def take_down(actor, disclosure, on):
    require(actor, CHANGE, disclosure.village, "该村")
    if disclosure.taken_down_on:
        raise DomainError("already_down", "该公开已撤下", None)
    if on < disclosure.keep_until:
        raise DomainError("period_not_over", f"须公开至 {disclosure.keep_until:%Y-%m-%d}，此前不得撤下"
                                             f"（公开期不少于 {(disclosure.keep_until - disclosure.posted_on).days} 天）",
                          "on")
    with transaction.atomic():
        disclosure.taken_down_on = on
        disclosure.save(update_fields=["taken_down_on"])
        audit.record(actor, "village.take_down", disclosure, after={"taken_down_on": on})
    return disclosure


def ask(disclosure, *, text, on, phone=""):
    """A resident's question (no account: the actor is the public)."""
    if disclosure.taken_down_on or on < disclosure.posted_on:
        raise DomainError("not_on_board", "该公开不在公开栏上，不能提问", None)
    with transaction.atomic():
        question = Question.objects.create(disclosure=disclosure, text=text.strip(), asked_on=on,
                                           phone_enc=crypto.encrypt(phone.strip()) if phone.strip() else "")
        audit.record(None, "village.ask", question, after={"disclosure": disclosure.pk})
    return question


def answer(actor, question, *, text, on):
    require(actor, CHANGE, question.disclosure.village, "该村")
    if question.answered_on:
        raise DomainError("already_answered", "该问题已答复", "text")
    with transaction.atomic():
        question.answer, question.answered_on = text.strip(), on
        question.save(update_fields=["answer", "answered_on"])
        audit.record(actor, "village.answer", question, after={"answered_on": on})
    return question


def appoint_supervisor(actor, village, user):
    """Record a member of the 村务监督委员会. What they see comes from their grant on the village
    (given by whoever manages grants), so they must hold one that allows viewing."""
    require(actor, CHANGE, village, "该村")
    _village(village)
    if not can(user, VIEW, village):
        raise DomainError("no_view_grant", f"{user.username} 在该村没有查看权限：请先授予“审计（只读）”角色", "user")
    with transaction.atomic():
        supervisor, _ = Supervisor.objects.get_or_create(village=village, user=user)
        audit.record(actor, "village.appoint_supervisor", supervisor, after={"user": user.username})
    return supervisor


def is_supervisor(user, village):
    return user.is_authenticated and Supervisor.objects.filter(village=village, user=user).exists()


def object_to(actor, matter, *, text, on):
    require(actor, VIEW, matter.village, "该村")
    if not is_supervisor(actor, matter.village):
        raise DomainError("not_supervisor", "只有本村村务监督委员会成员可以提出监督意见", None)
    with transaction.atomic():
        objection = Objection.objects.create(matter=matter, raised_by=actor, raised_on=on, text=text.strip())
        audit.record(actor, "village.object", objection, after={"matter": matter.pk})
    return objection


def answer_objection(actor, objection, *, text, on):
    require(actor, CHANGE, objection.matter.village, "该村")
    if objection.answered_on:
        raise DomainError("already_answered", "该监督意见已答复", "text")
    with transaction.atomic():
        objection.answer, objection.answered_on = text.strip(), on
        objection.save(update_fields=["answer", "answered_on"])
        audit.record(actor, "village.answer_objection", objection, after={"answered_on": on})
    return objection

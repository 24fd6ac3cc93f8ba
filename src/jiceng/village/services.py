"""Every change of a village matter: proposing it, recording each step in order, publishing,
residents' questions, supervision. Each validates first and writes in one transaction."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiceng.core import audit, crypto, policy
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE, VIEW
from jiceng.core.scoping import can, granted_paths

from .models import (BODIES, VOTED, Disclosure, Matter, Objection, Question, StepRecord, Supervisor, Template,
                     TemplateStep)
from .procedure import DEFAULT_NAME, DEFAULT_STEPS, LIGHT_NAME, LIGHT_STEPS, missing_steps

BODY_LABELS = dict(BODIES)


def _shipped(name, steps, is_default=False):
    """A template that ships with the code, made on first use so that every database has it."""
    template, created = Template.objects.get_or_create(name=name, defaults={"is_default": is_default})
    if created:
        TemplateStep.objects.bulk_create([TemplateStep(template=template, **s) for s in steps])
    return template


def default_template():
    """四议两公开."""
    return _shipped(DEFAULT_NAME, DEFAULT_STEPS, is_default=True)


def templates():
    """Every template to choose from, the shipped ones made if missing; the default first."""
    default_template()
    _shipped(LIGHT_NAME, LIGHT_STEPS)
    return Template.objects.order_by("-is_default", "name")


def _village(node):
    if node.kind != "village":
        raise DomainError("not_a_village", "村级重大事项只能在“村”类型的组织下提出", "village")


def matter_kinds(on):
    """What may be proposed: the policy's major matters (四议两公开 by kind) and the ordinary ones."""
    return policy.get("village.major_matters", on=on) + policy.get("village.ordinary_matters", on=on)


AMOUNT_LIMIT = Decimal("1e12")  # the column holds 14 digits, two after the point


def _amount(amount):
    """The matter's money as Decimal (None when not about money); refused when not a sum of money."""
    if amount is None or amount == "":
        return None
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError("amount_invalid", f"涉及金额须为数字（元），“{amount}”不是", "amount") from None
    if not amount.is_finite():
        raise DomainError("amount_invalid", "涉及金额须为数字（元）", "amount")
    if amount < 0:
        raise DomainError("amount_negative", f"涉及金额不能为负数（填写的是 {amount} 元）", "amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError("amount_precision", "涉及金额最多精确到分（两位小数）", "amount")
    if amount >= AMOUNT_LIMIT:
        raise DomainError("amount_too_large", "涉及金额超出可记录的上限（不足一万亿元）", "amount")
    return amount


def mandatory_reasons(kind, amount, on):
    """Why this matter must go through 四议两公开 under the policy in force on `on`: (short, full)
    for a listed kind and for money at or above the threshold, the full one naming the rule."""
    reasons = []
    if kind in policy.get("village.major_matters", on=on):
        reasons.append(("重大事项类别", f"事项类别“{kind}”属政策所列重大事项"
                                      f"（依据：{policy.policy('village.major_matters').title}）"))
    threshold = policy.get("village.mandatory_amount", on=on)
    if amount is not None and amount >= threshold:
        reasons.append((f"金额达 {threshold} 元", f"涉及金额 {amount} 元达到 {threshold} 元"
                                                 f"（依据：{policy.policy('village.mandatory_amount').title}）"))
    return reasons


def mandatory(kind, amount, on):
    """The full reasons joined; "" when 四议两公开 is not mandatory for this matter."""
    return "；".join(full for _, full in mandatory_reasons(kind, amount, on))


def propose(actor, village, *, title, kind, proposed_on, amount=None, description="", template=None):
    """A new matter under `template` (四议两公开 when none). A matter the policy makes mandatory is
    refused under a template that lacks any of the 四议两公开 steps, naming the rule and the steps."""
    require(actor, CHANGE, village, "该村")
    _village(village)
    title = (title or "").strip()
    if not title:
        raise DomainError("title_required", "请填写事项名称", "title")
    if proposed_on is None:
        raise DomainError("date_required", "请填写提出日期", "proposed_on")
    kinds = matter_kinds(proposed_on)
    if kind not in kinds:
        raise DomainError("unknown_kind", f"事项类别须为政策所列事项之一：{'、'.join(kinds)}", "kind")
    amount = _amount(amount)
    template = template or default_template()
    reason = mandatory(kind, amount, proposed_on)
    missing = missing_steps(list(template.steps.all())) if reason else []
    if missing:
        raise DomainError("procedure_too_light", f"该事项必须经四议两公开：{reason}。所选程序“{template.name}”缺少"
                                                 f"{'、'.join(missing)}，请选用“{DEFAULT_NAME}”程序", "template")
    with transaction.atomic():
        matter = Matter.objects.create(village=village, template=template, title=title, kind=kind, amount=amount,
                                       description=(description or "").strip(), proposed_on=proposed_on)
        audit.record(actor, "village.propose", matter,
                     after={"title": title, "kind": kind, "amount": amount, "template": template.name,
                            "mandatory": reason})
    return matter


def _meets(count, total, rule):
    """count/total meets `rule` ({num, den, above}) — integers only, no floats."""
    lhs, rhs = count * rule["den"], total * rule["num"]
    return lhs > rhs if rule["above"] else lhs >= rhs


def _share(rule):
    return f"{'超过' if rule['above'] else '达到'}{rule['num']}/{rule['den']}"


def open_objections(matter):
    return matter.objections.filter(answered_on__isnull=True)


def _locked(obj):
    """`obj`'s row read again and locked until the transaction ends: checks made on it hold for
    the write that follows (two requests cannot both pass them)."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def record_step(actor, matter, *, order, body, held_on, minutes, entitled=None, present=None, yes=None, no=None,
                abstain=None):
    """Record step `order` of the matter. Out of order, skipped, without quorum, or held by an open
    objection: refused, nothing written. A failed vote is recorded and ends or returns the matter."""
    require(actor, CHANGE, matter.village, "该村")
    with transaction.atomic():
        locked = _locked(matter)
        step = _check_step(locked, order, body, held_on)
        passed = _vote(body, held_on, entitled, present, yes, no, abstain) if body in VOTED else True
        record = StepRecord.objects.create(matter=locked, step=step, body=body, held_on=held_on, minutes=minutes,
                                           entitled=entitled, present=present, yes=yes, no=no, abstain=abstain,
                                           passed=passed)
        before = {"status": locked.status, "next_order": locked.next_order}
        following = locked.template.steps.filter(order__gt=order).order_by("order").first()
        if not passed and step.on_fail == TemplateStep.END:
            locked.status = Matter.ENDED
        elif not passed:
            locked.next_order = step.return_to
        elif following:
            locked.next_order = following.order
        else:
            locked.status = Matter.DONE
        locked.save(update_fields=["status", "next_order"])
        if step.discloses:
            days = policy.get("village.disclosure_days", on=held_on)
            Disclosure.objects.create(matter=locked, village_id=locked.village_id, kind=step.discloses, text=minutes,
                                      posted_on=held_on, keep_until=held_on + datetime.timedelta(days=days))
        audit.record(actor, "village.record_step", locked, before=before,
                     after={"order": order, "body": body, "passed": passed, "status": locked.status,
                            "next_order": locked.next_order, "record": record.pk})
    matter.status, matter.next_order = locked.status, locked.next_order
    return record


def _check_step(matter, order, body, held_on):
    """The template step `order` if it may be recorded now on the (locked) matter; else refused."""
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
    return step


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
    with transaction.atomic():
        locked = _locked(disclosure)
        if locked.taken_down_on:
            raise DomainError("already_down", f"该公开已于 {locked.taken_down_on:%Y-%m-%d} 撤下", None)
        if on < locked.keep_until:
            raise DomainError("period_not_over", f"须公开至 {locked.keep_until:%Y-%m-%d}，此前不得撤下"
                                                 f"（公开期不少于 {(locked.keep_until - locked.posted_on).days} 天）",
                              "on")
        locked.taken_down_on = on
        locked.save(update_fields=["taken_down_on"])
        audit.record(actor, "village.take_down", locked, after={"taken_down_on": on})
    disclosure.taken_down_on = on
    return locked


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
    return _answer(actor, question, question.disclosure.village, "该问题", "village.answer", text, on)


def _answer(actor, row, village, what, event, text, on):
    """Answer a question or an objection once: the row is locked, so of two answers at the same
    time the second sees the first."""
    require(actor, CHANGE, village, "该村")
    with transaction.atomic():
        locked = _locked(row)
        if locked.answered_on:
            raise DomainError("already_answered", f"{what}已于 {locked.answered_on:%Y-%m-%d} 答复", "text")
        locked.answer, locked.answered_on = text.strip(), on
        locked.save(update_fields=["answer", "answered_on"])
        audit.record(actor, event, locked, after={"answered_on": on})
    return locked


# The 村务监督委员会: its members are recorded by the township (or higher), not by the village
# committee it supervises.

def _registrar(village):
    return village.parent or village


def appoint_supervisor(actor, village, user, on=None):
    """Record a member of the 村务监督委员会 from `on`. What they see comes from their grant on the
    village (given by whoever manages grants): it must allow viewing the village and nothing outside it."""
    _village(village)
    require(actor, CHANGE, _registrar(village), "该村所属乡镇（街道）")
    on = on or timezone.localdate()
    if not can(user, VIEW, village):
        raise DomainError("no_view_grant", f"{user.username} 在该村没有查看权限：请先授予本村“审计（只读）”角色", "user")
    wider = [p for p in granted_paths(user, VIEW) if not p.startswith(village.path)]
    if wider:
        raise DomainError("grant_too_wide", f"{user.username} 的查看权限超出本村：村务监督委员会成员只应看到本村村务，"
                                            "请只保留其在本村的“审计（只读）”角色", "user")
    with transaction.atomic():
        current = Supervisor.objects.select_for_update().filter(village=village, user=user, ended_on__isnull=True)
        if current.exists():
            raise DomainError("already_supervisor", f"{user.username} 已是本村村务监督委员会成员"
                                                    f"（自 {current.get().appointed_on:%Y-%m-%d} 起）", "user")
        try:
            with transaction.atomic():
                supervisor = Supervisor.objects.create(village=village, user=user, appointed_on=on,
                                                       appointed_by=actor if actor and actor.is_authenticated else None)
        except IntegrityError:  # appointed by someone else at the same moment
            raise DomainError("already_supervisor", f"{user.username} 已是本村村务监督委员会成员", "user") from None
        audit.record(actor, "village.appoint_supervisor", supervisor,
                     after={"user": user.username, "appointed_on": on})
    return supervisor


def end_supervisor(actor, supervisor, *, on, reason, today=None):
    """End a member's term (kept, with the date, the reason and who ended it). From then on they
    can no longer object; their view grant is withdrawn by whoever manages grants."""
    require(actor, CHANGE, _registrar(supervisor.village), "该村所属乡镇（街道）")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", "请填写离任原因", "reason")
    today = today or timezone.localdate()
    if on > today:
        raise DomainError("end_in_future", f"离任日期不得晚于今天（{today:%Y-%m-%d}）", "on")
    with transaction.atomic():
        locked = _locked(supervisor)
        if locked.ended_on:
            raise DomainError("already_ended", f"{locked.user.username} 已于 {locked.ended_on:%Y-%m-%d} 离任", None)
        if on < locked.appointed_on:
            raise DomainError("end_before_start", f"离任日期不得早于任职日期 {locked.appointed_on:%Y-%m-%d}", "on")
        locked.ended_on, locked.end_reason = on, reason
        locked.ended_by = actor if actor and actor.is_authenticated else None
        locked.save(update_fields=["ended_on", "end_reason", "ended_by"])
        audit.record(actor, "village.end_supervisor", locked, before={"ended_on": None},
                     after={"user": locked.user.username, "ended_on": on, "reason": reason})
    return locked


def is_supervisor(user, village):
    return user.is_authenticated and Supervisor.objects.filter(village=village, user=user,
                                                               ended_on__isnull=True).exists()


def object_to(actor, matter, *, text, on):
    require(actor, VIEW, matter.village, "该村")
    if not is_supervisor(actor, matter.village):
        raise DomainError("not_supervisor", "只有本村村务监督委员会成员（现任）可以提出监督意见", None)
    with transaction.atomic():
        objection = Objection.objects.create(matter=matter, raised_by=actor, raised_on=on, text=text.strip())
        audit.record(actor, "village.object", objection, after={"matter": matter.pk})
    return objection


def answer_objection(actor, objection, *, text, on):
    return _answer(actor, objection, objection.matter.village, "该监督意见", "village.answer_objection", text, on)

"""A member's record card (党员档案卡; 基本信息卡 for someone not yet a party member) as PDF:
who they are, their membership dates, status history, posts, development steps, transfers
and the year's dues, each read through the viewer's scope."""

from decimal import Decimal

from django.utils import timezone
from reportlab.platypus import Spacer

from jiceng.core import pdf
from jiceng.core.scoping import scope

from . import queries
from .choices import PARTY_MEMBER_STATUSES


def _day(d):
    return f"{d:%Y-%m-%d}" if d else "—"


def _development(user, person):
    from jiceng.development import queries as development_queries

    case = development_queries.of_person(user, person)
    if case is None:
        return []
    return [(s.get_kind_display(), _day(s.on), s.note) for s in development_queries.timeline(case)]


def _transfers(user, person):
    from jiceng.transfers import queries as transfer_queries

    rows = transfer_queries.visible(user).filter(membership__person=person).order_by("sent_on", "id")
    return [(t.get_kind_display(), t.from_org.name if t.from_org else t.outside_org,
             t.to_org.name if t.to_org else t.outside_org, _day(t.sent_on), t.get_status_display(),
             _day(t.decided_on)) for t in rows]


def _dues(user, person, year):
    from jiceng.dues.models import Assessment

    rows = list(scope(user, Assessment.objects.filter(person=person, month__year=year)).order_by("month"))
    if not rows:
        return None
    due = sum((a.due for a in rows), Decimal("0"))
    paid = sum((a.due for a in rows if a.paid_on), Decimal("0"))
    unpaid = [f"{a.month.month}月" for a in rows if not a.paid_on and a.due]
    return [("核定月数", f"{len(rows)} 个月"), ("应交合计", f"{due:.2f} 元"), ("已交合计", f"{paid:.2f} 元"),
            ("未交月份", "、".join(unpaid) or "无")]


def card_pdf(user, person, id_number):
    """The card's PDF bytes; `id_number` is what the viewer may see (masked or revealed)."""
    membership = getattr(person, "membership", None)
    party = membership is not None and membership.status in PARTY_MEMBER_STATUSES
    title = f"{person.name} {'党员档案卡' if party else '基本信息卡'}"
    today = timezone.localdate()
    basics = [("姓名", person.name), ("性别", person.get_gender_display()), ("民族", person.ethnicity),
              ("出生日期", _day(person.birth_date)), ("身份证号码", id_number), ("学历", person.get_education_display()),
              ("职业", person.occupation)]
    if membership is not None:
        basics += [("所在党支部", membership.org.name),
                   ("党籍状态", f"{membership.get_status_display()}（自 {_day(membership.since)}）"),
                   ("申请入党日期", _day(membership.applied_on)), ("确定积极分子日期", _day(membership.activist_on)),
                   ("确定发展对象日期", _day(membership.candidate_on)),
                   ("接收为预备党员日期", _day(membership.admitted_on)), ("转为正式党员日期", _day(membership.full_on))]
    story = [pdf.para(title, pdf.TITLE), pdf.para("基本信息", pdf.HEADING), pdf.key_value_table(basics, 40 * pdf.mm)]
    history = [(h.get_status_display(), h.org.name, _day(h.start), _day(h.end) if h.end else "至今", h.reason)
               for h in queries.history(user, person)]
    story += [pdf.para("党籍状态历史", pdf.HEADING),
              pdf.grid_table(["状态", "组织", "起", "止", "原因"], history or [("无记录", "", "", "", "")])]
    posts = [(p.org.name, p.get_title_display(), _day(p.term_start), _day(p.ended_on or p.term_end))
             for p in person.posts.select_related("org").order_by("term_start", "id")]
    if posts:
        story += [pdf.para("任职", pdf.HEADING), pdf.grid_table(["组织", "职务", "任期开始", "离任或届满"], posts)]
    steps = _development(user, person)
    if steps:
        story += [pdf.para("发展党员步骤", pdf.HEADING), pdf.grid_table(["步骤", "日期", "说明"], steps)]
    transfers = _transfers(user, person)
    if transfers:
        story += [pdf.para("组织关系转接", pdf.HEADING),
                  pdf.grid_table(["方式", "转出", "转入", "开具日期", "状态", "办结日期"], transfers)]
    dues = _dues(user, person, today.year)
    story += [pdf.para(f"{today.year}年党费", pdf.HEADING),
              pdf.key_value_table(dues, 40 * pdf.mm) if dues else pdf.para("本年度无党费核定记录")]
    story += [Spacer(1, 4 * pdf.mm), pdf.para(f"打印日期：{_day(today)}")]
    return title, pdf.render(story, title)

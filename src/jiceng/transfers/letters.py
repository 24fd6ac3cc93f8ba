"""The introduction letter (介绍信) for a transfer out of the system, as a PDF: the letter
with its verification code and a QR code of the verification page, and the receipt
(回执) the receiving organization fills in and sends back."""

import segno
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from jiceng.core import pdf
from jiceng.core.dates import age_on

from . import services

QR_MODULE = 0.9 * mm


def qr_drawing(text):
    """The QR code of `text` as vector squares (segno's matrix), so no image library is needed."""
    qr = segno.make(text, error="m")
    border = 2
    size = (len(qr.matrix) + 2 * border) * QR_MODULE
    drawing = Drawing(size, size)
    for y, row in enumerate(qr.matrix):
        for x, dark in enumerate(row):
            if dark:
                drawing.add(Rect((x + border) * QR_MODULE, size - (y + border + 1) * QR_MODULE, QR_MODULE, QR_MODULE,
                                 fillColor=colors.black, strokeColor=None))
    return drawing


def letter_pdf(t, verify_url, id_number):
    """`id_number` as the viewer may see it (masked, or revealed and audited by the caller)."""
    person, membership = t.membership.person, t.membership
    months = services.validity_rule(t.sent_on)[0]
    title = "中国共产党党员组织关系介绍信"
    status = "预备党员" if membership.status == "probationary" else "正式党员"
    story = [
        pdf.para(title, pdf.TITLE),
        pdf.para(f"编号（验证码）：{t.code}"),
        pdf.para(f"{t.outside_org}：", pdf.HEADING),
        pdf.para(f"    {person.name} 同志（{person.get_gender_display()}，{age_on(person.birth_date, t.sent_on)} 岁，"
                 f"{person.ethnicity}），系中共{status}，身份证号码 {id_number}，"
                 f"由 {t.from_org.name} 转到 {t.outside_org}，请接转组织关系。"),
        pdf.para(f"    本介绍信有效期至 {t.expires_on:%Y年%m月%d日}（自开具之日起 {months} 个月）。"),
        Spacer(1, 4 * mm),
        pdf.key_value_table([
            ("姓名", person.name), ("党籍状态", status), ("转出党支部", t.from_org.name), ("去往", t.outside_org),
            ("转接原因", t.reason), ("开具日期", f"{t.sent_on:%Y年%m月%d日}"), ("有效期至", f"{t.expires_on:%Y年%m月%d日}"),
            ("验证码", t.code),
        ]),
        Spacer(1, 4 * mm),
        qr_drawing(verify_url),
        pdf.para(f"扫码或访问 {verify_url} 核验本介绍信"),
        pdf.para(f"{t.from_org.name}（盖章）　　{t.sent_on:%Y年%m月%d日}"),
        pdf.para("回执（由接收党组织填写后寄回转出党支部）", pdf.HEADING),
        pdf.para(f"{t.from_org.name}：　　{person.name} 同志的党员组织关系已转达我处，特此回复。"
                 f"（介绍信编号 {t.code}）"),
        pdf.para("接收党组织（盖章）　　　　年　　月　　日"),
    ]
    return pdf.render(story, title)

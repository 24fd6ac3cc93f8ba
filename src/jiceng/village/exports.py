"""The poster of a disclosure for the physical board (A4, the same CJK font as every PDF here)."""

from jiceng.core import pdf


def poster_pdf(disclosure, board_url):
    m = disclosure.matter
    title = f"{disclosure.village.name}村务公开"
    story = [
        pdf.para(title, pdf.TITLE),
        pdf.para(f"{m.title}（{disclosure.get_kind_display()}）", pdf.HEADING),
        pdf.key_value_table([
            ("事项类别", m.kind),
            ("涉及金额", f"{m.amount} 元" if m.amount is not None else "—"),
            ("张贴日期", f"{disclosure.posted_on:%Y-%m-%d}"),
            ("公开至少至", f"{disclosure.keep_until:%Y-%m-%d}"),
        ]),
        pdf.para("公开内容", pdf.HEADING),
        pdf.para(disclosure.text),
        pdf.para("有疑问请在网上公开栏留言，村里公开答复：", pdf.HEADING),
        pdf.para(board_url),
    ]
    return pdf.render(story, title)

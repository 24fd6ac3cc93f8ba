"""Printable PDFs with Chinese text. ReportLab's built-in CID font STSong-Light needs no
font file, so a fresh machine prints the same pages; Chinese lines wrap anywhere."""

import io

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=8 * mm)
HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=13, leading=18, spaceBefore=6 * mm, spaceAfter=2 * mm)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")


def para(text, style=BODY):
    safe = (str(text or "—").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "<br/>"))
    return Paragraph(safe, style)


def key_value_table(rows, label_width=28 * mm):
    table = Table([[para(k), para(v)] for k, v in rows], colWidths=[label_width, None])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def grid_table(header, rows, col_widths=None):
    """A table with a header row; each cell wraps (Chinese text wraps anywhere)."""
    table = Table([[para(h) for h in header]] + [[para(v) for v in row] for row in rows], colWidths=col_widths,
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def render(story, title):
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm)

    def footer(canvas, document):
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(A4[0] / 2, 8 * mm, f"{title}　第 {document.page} 页")  # STSong has no U+00B7

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

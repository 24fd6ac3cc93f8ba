"""Read a list page's table and its xlsx back, as a person would see them."""

import datetime
import html
import io
import re

from openpyxl import load_workbook

from jiceng.people import services as people_services

from .. import builders as b

ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
TAG = re.compile(r"<[^>]+>")


def page_table(response):
    """(headers, rows) of the page's list table, as text."""
    body = response.content.decode()
    table = body[body.index('<table class="rows listing">'):]
    table = table[:table.index("</table>")]
    rows = [[html.unescape(TAG.sub("", c)).strip() for c in CELL.findall(r)] for r in ROW.findall(table)]
    header, body_rows = rows[0], rows[1:]
    return header, [r for r in body_rows if len(r) == len(header)]


def xlsx_table(response):
    """(headers, rows) of the downloaded workbook's first sheet, values as the page writes them."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(raw), read_only=True).worksheets[0]
    rows = [[_text(c) for c in row] for row in ws.iter_rows()]
    return rows[0], rows[1:]


def _text(cell):
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if "h" in cell.number_format else f"{value:%Y-%m-%d}"
    if cell.number_format == "0.00":
        return f"{value:.2f}"
    return str(value)


def add_roster(world):
    """甲县 grows a rural township with a village branch and a history to ask about:
    甲四 moves from 甲园 to 甲村 on 2025-06-01; 甲六 becomes probationary on 2025-03-01;
    甲七 applies on 2025-05-01; 甲八 leaves on 2025-09-01."""
    a = world.a
    township = b.org(a.county, "甲镇", "township", "rural", founded_on=datetime.date(1990, 1, 1))
    village = b.org(township, "甲村", "village", "rural", founded_on=datetime.date(1990, 1, 1))
    vbranch = b.org(village, "甲村党支部", "branch", "rural", founded_on=datetime.date(2020, 1, 1))
    late = b.org(township, "甲镇新党支部", "branch", "rural", founded_on=datetime.date(2026, 3, 1))
    b.org(township, "甲镇老党支部", "branch", "rural", founded_on=datetime.date(2000, 1, 1),
          dissolved_on=datetime.date(2024, 6, 30), status="dissolved")
    five = b.member(vbranch, "甲五", birth=datetime.date(1990, 2, 2), gender="F", since=datetime.date(2010, 7, 1),
                    education="undergraduate", ethnicity="畲族")
    six = b.member(vbranch, "甲六", status="candidate", birth=datetime.date(1998, 8, 8),
                   since=datetime.date(2024, 1, 1), education="college")
    people_services.change_status(None, six, "probationary", datetime.date(2025, 3, 1))
    seven = b.member(vbranch, "甲七", status="applicant", birth=datetime.date(2000, 1, 1),
                     since=datetime.date(2025, 5, 1))
    eight = b.member(vbranch, "甲八", birth=datetime.date(1960, 6, 6), since=datetime.date(2012, 1, 1))
    people_services.change_status(None, eight, "left", datetime.date(2025, 9, 1), "去世")
    people_services.move_membership(None, a.members[3], vbranch, datetime.date(2025, 6, 1), "工作调动")
    a.township, a.village, a.vbranch, a.late = township, village, vbranch, late
    a.more = {"five": five, "six": six, "seven": seven, "eight": eight}
    return a

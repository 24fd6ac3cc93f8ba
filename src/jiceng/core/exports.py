"""Lists that go to Excel. A list declares its columns once (header and value function); the
page's table and the xlsx are both made from that declaration, so they cannot drift.

The xlsx is written row by row (openpyxl write_only, into a temporary file) so a county's
roster does not sit in memory; every export is an audit event, since rosters are personal data.
ID-card numbers are masked, as on the pages, unless the viewer asked for full values
(`ids=full`) and their role may see them (VIEW_SENSITIVE) — which the event records.
"""

import datetime
import tempfile
from decimal import Decimal

from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from . import audit, crypto
from .roles import VIEW_SENSITIVE
from .scoping import can

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="F2DEDE")
MONEY = "0.00"


class Column:
    """header: the column's title; value(row): the raw value (text, number, date or None);
    link(row): where the page's cell links (optional); width: in characters, for the xlsx;
    money: a Decimal shown with two places on the page and in the xlsx;
    id_number: the value is an ID-card number, masked unless full values are allowed."""

    def __init__(self, header, value, *, link=None, width=12, money=False, id_number=False):
        self.header, self.value, self.link, self.width = header, value, link, width
        self.money, self.id_number = money, id_number

    def cell(self, row, full_ids=False):
        value = self.value(row)
        if self.id_number and not full_ids:
            return crypto.mask_id_number(value) if value else ""
        return value


def text(value):
    """A raw value as the page shows it (the xlsx keeps dates and numbers typed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return f"{_local(value):%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


class Listing:
    """A list's columns, declared once. `name` goes into the audit event, `title` into the
    file name and the sheet; `row_class(row)` marks a page row (e.g. "overdue")."""

    def __init__(self, name, title, columns, row_class=None):
        self.name, self.title, self.columns, self.row_class = name, title, columns, row_class

    @property
    def headers(self):
        return [c.header for c in self.columns]

    @property
    def has_id_numbers(self):
        return any(c.id_number for c in self.columns)

    def values(self, row, full_ids=False):
        """The xlsx row: typed values; a moment in local time (Excel has no time zones)."""
        return [_local(v) if isinstance(v, datetime.datetime) else v
                for v in (c.cell(row, full_ids) for c in self.columns)]

    def page_rows(self, rows):
        """[{"cells": [(text, url or None, css class)], "cls": …}] for the page's table (always
        masked); dates, numbers, ID numbers and short words stay on one line, numbers right."""
        return [{"cells": [_page_cell(c, row) for c in self.columns],
                 "cls": self.row_class(row) if self.row_class else ""} for row in rows]

    def context(self, request, rows, node):
        """What templates/core/listing.html needs."""
        return {"listing": self, "listing_rows": self.page_rows(rows),
                "export_full": self.has_id_numbers and can(request.user, VIEW_SENSITIVE, node)}

    def full_ids(self, request, node):
        return (request.GET.get("ids") == "full" and self.has_id_numbers
                and can(request.user, VIEW_SENSITIVE, node))

    def filename(self, node, on=None):
        return "_".join(filter(None, [node.name if node else "", self.title,
                                      f"{on or timezone.localdate():%Y%m%d}"])) + ".xlsx"

    def xlsx(self, request, rows, node, *, on=None, filters=None):
        """The whole list as an xlsx download; `rows` is iterated once (pass a queryset's
        .iterator() for a large list). The export is audited with its filters and row count.
        `node`: the organization the list is of (None for a list over all the user's scope)."""
        full = node is not None and self.full_ids(request, node)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(self.title[:31])
        for i, column in enumerate(self.columns):
            ws.column_dimensions[get_column_letter(i + 1)].width = column.width
        ws.freeze_panes = "A2"
        header = []
        for h in self.headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
            header.append(cell)
        ws.append(header)
        money = [i for i, c in enumerate(self.columns) if c.money]
        count = 0
        for row in rows:
            values = self.values(row, full)
            for i in money:
                if values[i] is not None:
                    values[i] = WriteOnlyCell(ws, value=values[i])
                    values[i].number_format = MONEY
            ws.append(values)
            count += 1
        out = tempfile.TemporaryFile()
        wb.save(out)
        with transaction.atomic():
            audit.record(request.user, "export.xlsx", node, after={
                "list": self.name, "filters": {k: text(v) for k, v in (filters or {}).items() if v not in ("", None)},
                "rows": count, "full_ids": full})
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename=self.filename(node, on), content_type=XLSX)


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment


def _page_cell(column, row):
    value = column.cell(row)
    shown = f"{value:.2f}" if column.money and value is not None else text(value)
    number = isinstance(value, (int, Decimal)) and not isinstance(value, bool)
    whole = column.id_number or isinstance(value, datetime.date) or len(shown) <= 6
    return shown, column.link(row) if column.link else None, "num nowrap" if number else "nowrap" if whole else ""


def wants_xlsx(request):
    return request.GET.get("format") == "xlsx"


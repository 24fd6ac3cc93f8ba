"""The statistics workbook in the layout of the yearly tables: a title row, the filler and the
date 截至YYYY年12月31日 and the unit, a two-row header with merged cells, the figures, the
notes; a 核对 sheet with the year's balance and every disagreement; a hidden 来源 sheet
giving, for every figure, the list that reproduces it."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import checks, figures

HEADER_ROWS = (3, 4)
FIRST_ROW = 5  # first figure row of a table sheet
SOURCE_SHEET = "来源"
CHECK_SHEET = "核对"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
FLAG_FILL = PatternFill("solid", fgColor="F8D7DA")


def sheet_title(table):
    return f"{table.number} {table.title}"[:31]


def cell_ref(row_index, column_index):
    """The sheet coordinate of a table's figure (row and column indexes of the table)."""
    return f"{get_column_letter(column_index + 2)}{FIRST_ROW + row_index}"


def header_spans(columns):
    """[(first column index, last column index, group label)] of the upper header row; a
    column without a group spans both header rows (group label "")."""
    spans = []
    for j, column in enumerate(columns):
        if column.group and spans and spans[-1][2] == column.group and spans[-1][1] == j - 1:
            spans[-1] = (spans[-1][0], j, column.group)
        else:
            spans.append((j, j, column.group))
    return spans


def _title_rows(ws, width, title, report, unit):
    last = get_column_letter(width)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=16), Alignment(horizontal="center")
    ws.row_dimensions[1].height = 30
    third = max(1, width // 3)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=third)
    ws.cell(2, 1, f"填报单位：{report.node.name}")
    mid_end = max(third + 1, width - 1)
    ws.merge_cells(start_row=2, start_column=third + 1, end_row=2, end_column=mid_end)
    ws.cell(2, third + 1, f"截至{report.day.year}年12月31日").alignment = Alignment(horizontal="center")
    ws.cell(2, width, f"单位：{unit}").alignment = Alignment(horizontal="right")


def _table_sheet(wb, index, table, report, findings, base_url):
    ws = wb.create_sheet(sheet_title(table))
    width = 1 + len(table.columns)
    _title_rows(ws, width, f"{report.node.name}{table.title}统计表（{table.number}）", report, table.unit)
    top, sub = HEADER_ROWS
    ws.merge_cells(start_row=top, start_column=1, end_row=sub, end_column=1)
    ws.cell(top, 1, "项目")
    for first, last, group in header_spans(table.columns):
        if group:
            ws.merge_cells(start_row=top, start_column=first + 2, end_row=top, end_column=last + 2)
            ws.cell(top, first + 2, group)
            for j in range(first, last + 1):
                ws.cell(sub, j + 2, table.columns[j].label)
        else:
            ws.merge_cells(start_row=top, start_column=first + 2, end_row=sub, end_column=first + 2)
            ws.cell(top, first + 2, table.columns[first].label)
    for r in HEADER_ROWS:
        ws.row_dimensions[r].height = 36
        for c in range(1, width + 1):
            cell = ws.cell(r, c)
            cell.font, cell.alignment, cell.border, cell.fill = Font(bold=True), CENTER, BOX, HEAD_FILL
    flagged = {(f.cell[1], f.cell[2]) for f in findings if f.cell and f.cell[0] == index}
    for i, row in enumerate(table.rows):
        label = ws.cell(FIRST_ROW + i, 1, row.label)
        label.border, label.font = BOX, Font(bold=i == 0)
        for j, figure in enumerate(row.cells):
            cell = ws.cell(FIRST_ROW + i, j + 2, figure.value)
            cell.border, cell.alignment = BOX, Alignment(horizontal="right")
            if base_url:
                cell.hyperlink = base_url + figure.url
            if (i, j) in flagged:
                cell.fill = FLAG_FILL
    notes_row = FIRST_ROW + len(table.rows) + 1
    for k, note in enumerate(["说明：", *[f"{n}. {text}" for n, text in enumerate(table.notes, 1)],
                              f"本表由系统依据党籍状态历史和组织树生成于 {timezone.localdate():%Y-%m-%d}；"
                              f"每个数字对应的名单见隐藏的“{SOURCE_SHEET}”表。"]):
        ws.merge_cells(start_row=notes_row + k, start_column=1, end_row=notes_row + k, end_column=width)
        ws.cell(notes_row + k, 1, note).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[notes_row + k].height = 30 if len(note) > 60 else 18
    ws.column_dimensions["A"].width = 14
    for j in range(len(table.columns)):
        ws.column_dimensions[get_column_letter(j + 2)].width = 9
    ws.freeze_panes = ws.cell(FIRST_ROW, 2)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{top}:{sub}"


def _check_sheet(wb, report, movements, findings):
    ws = wb.create_sheet(CHECK_SHEET)
    _title_rows(ws, 8, f"{report.node.name}党内统计核对表（{report.year}年）", report, "人")
    rows = [("上年末党员数", movements.opening)]
    rows += [(f"增加：{movements.LABELS[k]}", movements.counts[k]) for k in movements.IN]
    rows += [(f"减少：{movements.LABELS[k]}", movements.counts[k]) for k in movements.OUT]
    rows += [("按记录应有年末党员数", movements.expected), ("实际年末党员数（表一合计）", movements.closing),
             ("差额", movements.difference)]
    ws.cell(4, 1, "一、党员增减平衡").font = Font(bold=True)
    for k, (label, n) in enumerate(rows):
        ws.cell(5 + k, 1, label).border = BOX
        ws.merge_cells(start_row=5 + k, start_column=1, end_row=5 + k, end_column=4)
        ws.cell(5 + k, 5, n).border = BOX
    at = 5 + len(rows) + 1
    ws.cell(at, 1, "二、不一致的单元格和数字" + ("" if findings else "：无")).font = Font(bold=True)
    head = ["序号", "表", "位置", "单元格", "数值", "应为", "差额", "说明"]
    if findings:
        for c, text in enumerate(head, 1):
            cell = ws.cell(at + 1, c, text)
            cell.font, cell.alignment, cell.border, cell.fill = Font(bold=True), CENTER, BOX, HEAD_FILL
        for k, f in enumerate(findings, 1):
            ref = f"'{sheet_title(report.tables[f.cell[0]])}'!{cell_ref(*f.cell[1:])}" if f.cell else ""
            values = [k, f.table, f.where, ref, f.value, f.expected, f.difference,
                      ("已解释：" if f.explained else "未解释：") + f.explanation]
            for c, value in enumerate(values, 1):
                cell = ws.cell(at + 1 + k, c, value)
                cell.border, cell.alignment = BOX, Alignment(wrap_text=True, vertical="top")
    for letter, w in zip("ABCDEFGH", (6, 18, 36, 22, 8, 8, 8, 60)):
        ws.column_dimensions[letter].width = w


def _source_sheet(wb, report, base_url):
    ws = wb.create_sheet(SOURCE_SHEET)
    ws.append(["工作表", "单元格", "行", "列", "数值", "名单（可复现该数字的筛选）"])
    for table in report.tables:
        for i, row in enumerate(table.rows):
            for j, (column, figure) in enumerate(zip(table.columns, row.cells)):
                label = f"{column.group}·{column.label}" if column.group else column.label
                ws.append([sheet_title(table), cell_ref(i, j), row.label, label, figure.value, base_url + figure.url])
    ws.sheet_state = "hidden"


def render(report, movements, findings, base_url=""):
    wb = Workbook()
    wb.remove(wb.active)
    for index, table in enumerate(report.tables):
        _table_sheet(wb, index, table, report, findings, base_url)
    _check_sheet(wb, report, movements, findings)
    _source_sheet(wb, report, base_url)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def build(node, year, base_url=""):
    """The whole workbook of `node`'s subtree for `year`, as xlsx bytes."""
    report = figures.compute(node, year)
    movements = checks.flows(node, year)
    return render(report, movements, checks.run(report, movements), base_url)


def filename(node, year):
    return f"{node.name}-{year}年党内统计.xlsx"

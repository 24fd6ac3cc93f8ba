"""The row-by-row report as a workbook, written in openpyxl's write-only mode (streamed)."""

import io

from openpyxl import Workbook

HEADER = ["行号", "列", "内容", "问题", "建议"]


def workbook(problems):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("导入检查报告")
    for letter, width in zip("ABCDE", (8, 16, 24, 50, 40)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append(HEADER)
    for p in problems:
        ws.append([p.row, p.column, p.value, p.reason, p.suggestion])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

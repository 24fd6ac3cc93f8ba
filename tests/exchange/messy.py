"""Rosters as people really keep them, built with openpyxl for the tests."""

import datetime
import itertools

from openpyxl import Workbook
from stdnum.cn import ric

_seq = itertools.count(100)


def ident(birth, gender="M", region="330521", check=None, exact_float=False):
    """A valid ID-card number; check="X" finds one whose check digit is X, exact_float one that
    a spreadsheet's number (a double) holds without loss."""
    while True:
        n = next(_seq) % 500
        body = f"{region}{birth:%Y%m%d}{n * 2 + (1 if gender == 'M' else 0):03d}"
        digit = ric.calc_check_digit(body + "0")
        if (check is None or digit == check) and (
                not exact_float or (digit != "X" and int(float(body + digit)) == int(body + digit))):
            return body + digit


def fullwidth(text):
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def workbook(path, title, header, rows, merges=(), header_row=3):
    """A sheet with a merged title on row 1, a note on row 2, the header on `header_row`."""
    wb = Workbook()
    ws = wb.active
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.cell(2, 1, "填报单位（盖章）：　　　　填报日期：2026年11月")
    for col, value in enumerate(header, 1):
        ws.cell(header_row, col, value)
    for r, row in enumerate(rows, header_row + 1):
        for col, value in enumerate(row, 1):
            if value is not None:
                ws.cell(r, col, value)
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


HEADER = ["序号", "名字", "公民身份号码", "性 别", "民族", "出生年月", "文化程度", "入党时间", "转正日期", "人员类别",
          "所在党组织", "联系电话", "备注"]


def member_row(n, name, number, gender, birth, admitted, full=None, status="正式党员", branch=None, phone=None,
               ethnicity="汉族", education="本科"):
    return [n, name, number, gender, ethnicity, birth, education, admitted, full, status, branch, phone, None]

"""The progress bar's total: a roster's rows counted before it is read."""

from openpyxl import Workbook

from jiceng.exchange import imports


def _roster(path, rows, write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("花名册") if write_only else wb.active
    ws.append(["姓名", "公民身份号码", "所在党支部"])
    for i in range(rows):
        ws.append([f"张{i}", f"33052119800101{i:04d}", f"第{i % 7 + 1}党支部"])
    wb.save(path)
    return path


def test_a_sheet_with_its_dimension_gives_its_last_row(tmp_path):
    assert imports.estimate_rows(_roster(tmp_path / "a.xlsx", 3000, write_only=False), "xlsx") == 3001


def test_a_sheet_without_a_dimension_is_estimated_from_its_first_rows(tmp_path):
    """openpyxl's write-only mode (as some systems' exports) writes no <dimension>: the bar's
    total comes from the sheet's size, not 0 (which showed every row read as 100 %)."""
    path = _roster(tmp_path / "b.xlsx", 3000, write_only=True)
    assert 0.9 * 3001 <= imports.estimate_rows(path, "xlsx") <= 1.1 * 3001


def test_a_csv_counts_its_lines(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("姓名,公民身份号码\n" + "".join(f"张{i},33052119800101{i:04d}\n" for i in range(250)))
    assert imports.estimate_rows(path, "csv") == 251

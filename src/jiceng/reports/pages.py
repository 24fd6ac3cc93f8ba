"""What the pages need besides the figures: the year asked for, the filters of a cell's link,
and the tables laid out as HTML header rows."""

from jiceng.core.errors import DomainError
from jiceng.orgs.figures import AGE_BANDS
from jiceng.orgs.kinds import KIND_LABELS, SECTOR_LABELS
from jiceng.people.choices import EDUCATION, GENDERS, STATUS_LABELS

from .figures import ORG_KINDS
from .workbook import cell_ref, header_spans, sheet_title

FIRST_YEAR = 1921
TABLES = {"members": "表一 党员基本情况", "development": "表二 发展党员情况", "organizations": "表三 党组织情况",
          "coverage": "表四 非公有制企业和社会组织党组织覆盖情况"}
PARTY_FORMS = {"members": "有党员", "full_min": "正式党员达到单独建支部人数", "own,joint": "已建立党组织",
               "own": "单独建立党组织", "joint": "联合建立党组织", "none": "未建立党组织"}
EDUCATION_LABELS = {**dict(EDUCATION), "college_plus": "大专及以上"}


def year_from(raw, today):
    """The report's year: last year when none is given."""
    if raw in (None, ""):
        return today.year - 1
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= today.year):
        raise DomainError("year_invalid", f"年份“{raw}”无效：须为 {FIRST_YEAR} 至 {today.year} 之间的四位数字，"
                                          f"例如 {today.year - 1}", "year")
    return int(raw)


def recent_years(today, n=6):
    return list(range(today.year, today.year - n, -1))


def html_table(index, table, flagged):
    """The table with its header as two HTML rows (rowspan/colspan as in the workbook)."""
    top, sub = [{"label": "项目", "colspan": 1, "rowspan": 2}], []
    for first, last, group in header_spans(table.columns):
        if group:
            top.append({"label": group, "colspan": last - first + 1, "rowspan": 1})
            sub += [c.label for c in table.columns[first:last + 1]]
        else:
            top.append({"label": table.columns[first].label, "colspan": 1, "rowspan": 2})
    rows = [{"label": row.label, "cells": [
        {"value": c.value, "url": c.url, "flagged": (index, i, j) in flagged, "ref": cell_ref(i, j)}
        for j, c in enumerate(row.cells)]} for i, row in enumerate(table.rows)]
    return {"key": table.key, "number": table.number, "title": table.title, "unit": table.unit, "top": top,
            "sub": sub, "rows": rows, "notes": table.notes, "sheet": sheet_title(table)}


def flow_rows(movements):
    rows = [("上年末党员数", movements.opening, "", [])]
    rows += [(movements.LABELS[k], movements.counts[k], "+", movements.items[k]) for k in movements.IN]
    rows += [(movements.LABELS[k], movements.counts[k], "−", movements.items[k]) for k in movements.OUT]
    return rows


def _bad(name, value):
    raise DomainError("filter_invalid", f"筛选条件 {name}=“{value}” 无效", name)


def _listed(name, value, allowed):
    if not value or any(v not in allowed for v in value.split(",")):
        _bad(name, value)
    return value


def cell_filters(data):
    """(table, filters) from a cell's link, each value checked against what the tables emit."""
    table = data.get("table", "")
    if table not in TABLES:
        _bad("table", table)
    filters = {}
    checks = {
        "status": lambda v: v in ("party", "full", "probationary"),
        "gender": lambda v: v in dict(GENDERS),
        "age": lambda v: v.isdigit() and int(v) < len(AGE_BANDS),
        "education": lambda v: v in EDUCATION_LABELS,
        "ethnicity": lambda v: v == "minority",
        "admitted": lambda v: v.isdigit(),
        "converted": lambda v: v.isdigit(),
        "party": lambda v: v in PARTY_FORMS,
    }
    for name, ok in checks.items():
        value = data.get(name, "")
        if value:
            if not ok(value):
                _bad(name, value)
            filters[name] = value
    if data.get("sector"):
        filters["sector"] = _listed("sector", data["sector"], SECTOR_LABELS)
    if data.get("kind"):
        filters["kind"] = _listed("kind", data["kind"], [*ORG_KINDS, "unit"])
    if table == "coverage" and "sector" not in filters:
        _bad("sector", "")
    return table, filters


def describe(table, f, year):
    """The filters in words, e.g. “2025年末 · 党员 · 女 · 农村”."""
    words = [TABLES[table]]
    if "admitted" in f:
        words.append(f"{f['admitted']}年接收的预备党员")
    elif "converted" in f:
        words.append(f"{f['converted']}年转为正式党员")
    else:
        words.append(f"{year}年12月31日")
    if "status" in f:
        words.append("党员" if f["status"] == "party" else STATUS_LABELS[f["status"]])
    if "gender" in f:
        words.append(dict(GENDERS)[f["gender"]])
    if "ethnicity" in f:
        words.append("少数民族")
    if "education" in f:
        words.append(EDUCATION_LABELS[f["education"]])
    if "age" in f:
        words.append(AGE_BANDS[int(f["age"])][2])
    if "kind" in f:
        words.append("、".join(KIND_LABELS[k] for k in f["kind"].split(",")))
    if "sector" in f:
        words.append("、".join(SECTOR_LABELS[s] for s in f["sector"].split(",")))
    if "party" in f:
        words.append(PARTY_FORMS[f["party"]])
    return " · ".join(words)

"""Yearly dues statements as xlsx: one member's months, and an organization's members by month
with branch and subtree totals."""

from collections import defaultdict
from decimal import Decimal

from jiceng.core import tree, xlsx
from jiceng.orgs.models import Organization

from .choices import CATEGORY_LABELS
from .queries import year_rows

MONTH_HEADERS = [f"{m}月" for m in range(1, 13)]
ZERO = Decimal("0.00")


def member_statement(person, year):
    rows = {a.month.month: a for a in year_rows(person=person, year=year).select_related("reduction")}
    lines, due, paid = [], ZERO, ZERO
    for m in range(1, 13):
        a = rows.get(m)
        if a is None:
            lines.append((f"{year}-{m:02d}", "未核定", None, None, None, None, None, ""))
            continue
        received = a.due if a.paid_on else ZERO
        due, paid = due + a.due, paid + received
        lines.append((f"{year}-{m:02d}", CATEGORY_LABELS[a.category], a.base, a.rate, a.due, received, a.paid_on,
                      a.reduction.get_kind_display() if a.reduction else ""))
    lines.append(("合计", "", None, None, due, paid, None, ""))
    header = ["月份", "类别", "基数（元）", "比例", "应交（元）", "实交（元）", "交纳日期", "减免"]
    return xlsx.workbook([(f"{person.name}{year}年党费", header, lines)])


def org_statement(org, year):
    """Sheet 1: each member × month (the amount due), with due, paid and unpaid totals.
    Sheet 2: each branch's totals. Sheet 3: each direct child's subtree totals, then the whole."""
    members = {}
    for pid, name, org_name, path, month, due, paid_on in year_rows(org=org, year=year) \
            .order_by("org__path", "person__name_pinyin", "month") \
            .values_list("person_id", "person__name", "org__name", "org__path", "month", "due", "paid_on"):
        line = members.setdefault(pid, {"name": name, "org": org_name, "path": path, "months": {}, "due": ZERO,
                                        "paid": ZERO})
        line["months"][month.month] = due
        line["due"] += due
        line["paid"] += due if paid_on else ZERO
    sheet1 = [(m["org"], m["name"], *[m["months"].get(i) for i in range(1, 13)], m["due"], m["paid"],
               m["due"] - m["paid"]) for m in members.values()]
    branches = defaultdict(lambda: {"members": 0, "due": ZERO, "paid": ZERO})
    for m in members.values():
        b = branches[(m["path"], m["org"])]
        b["members"] += 1
        b["due"] += m["due"]
        b["paid"] += m["paid"]
    sheet2 = [(name, b["members"], b["due"], b["paid"], b["due"] - b["paid"])
              for (path, name), b in sorted(branches.items())]
    sheet3 = []
    children = list(Organization.objects.filter(parent=org).exclude(kind="group").order_by("path")
                    .values_list("path", "name"))
    for path, name in children + [(org.path, None)]:
        inside = [b for (p, _), b in branches.items() if tree.is_within(p, path)]
        due, paid = sum((b["due"] for b in inside), ZERO), sum((b["paid"] for b in inside), ZERO)
        label = name if name is not None else f"合计（{org.name}全部）"
        sheet3.append((label, sum(b["members"] for b in inside), due, paid, due - paid))
    totals = ["应交合计（元）", "实交合计（元）", "未交（元）"]
    return xlsx.workbook([
        ("党员明细", ["党支部", "姓名", *MONTH_HEADERS, *totals], sheet1),
        ("按党支部", ["党支部", "党员数", *totals], sheet2),
        ("按下级组织", ["组织", "党员数", *totals], sheet3),
    ])

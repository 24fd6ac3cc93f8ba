"""Consistency check of a report: totals against their parts, and this year's closing figure
against last year's closing plus the year's recorded movements (发展、转入转出、出党去世等).

The movements are read from the status history of the people whose party spans in the
subtree begin or end in the year: a span's neighbour (the span that ends on the day it
begins, or begins on the day it ends) says whether it was a conversion or a move inside the
subtree (no change), a transfer across its border, an admission, or a departure. A span that
ends with nothing after it is a movement no record explains — e.g. a span edited by hand.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse

from jiceng.core import tree
from jiceng.people.choices import PARTY_MEMBER_STATUSES, STATUS_LABELS
from jiceng.people.models import MembershipPeriod

from .figures import year_end


@dataclass
class Finding:
    table: str          # "表一 党员基本情况" or "党员增减平衡"
    where: str          # which row and column, in words
    value: int
    expected: int
    explanation: str
    explained: bool
    cell: tuple = None  # (table index, row index, column index) of the disagreeing cell
    url: str = ""

    @property
    def difference(self):
        return self.value - self.expected


@dataclass
class Flows:
    opening: int = 0
    closing: int = 0
    closing_people: int = 0
    counts: dict = field(default_factory=lambda: defaultdict(int))
    items: dict = field(default_factory=lambda: defaultdict(list))  # kind -> [(name, person_id, date, reason)]

    LABELS = {"developed": "发展（接收为预备党员）", "transfer_in": "从本组织以外转入",
              "other_in": "其他增加（登记、凭介绍信转入等）", "transfer_out": "转出到本组织以外",
              "left": "出党、去世、取消预备党员资格等", "unexplained_in": "无记录说明的增加",
              "unexplained_out": "无记录说明的减少（记录终止后无后续记录）"}
    IN, OUT = ("developed", "transfer_in", "other_in"), ("transfer_out", "left")

    @property
    def expected(self):
        return self.opening + sum(self.counts[k] for k in self.IN) - sum(self.counts[k] for k in self.OUT)

    @property
    def difference(self):
        return self.closing - self.expected


def flows(node, year):
    day0, day = year_end(year - 1), year_end(year)
    lo, hi = node.path, tree.next_sibling_path(node.path)
    # Last year's closing and this year's, and the people behind this year's, in one pass.
    at_end = Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))
    counts = MembershipPeriod.objects.filter(
        tree.subtree_q(node.path, "org__path"), status__in=PARTY_MEMBER_STATUSES, start__lte=day,
    ).filter(Q(end__isnull=True) | Q(end__gt=day0)).aggregate(
        opening=Count("id", filter=Q(start__lte=day0)), closing=Count("id", filter=at_end),
        people=Count("person_id", filter=at_end, distinct=True))
    result = Flows(opening=counts["opening"], closing=counts["closing"], closing_people=counts["people"])
    moving = MembershipPeriod.objects.filter(tree.subtree_q(node.path, "org__path"), status__in=PARTY_MEMBER_STATUSES) \
        .filter(Q(start__gt=day0, start__lte=day) | Q(end__gt=day0, end__lte=day))
    by_person = defaultdict(list)
    for span in (MembershipPeriod.objects.filter(person_id__in=moving.values("person_id"))
                 .values("id", "person_id", "status", "start", "end", "reason", "org__path", "person__name",
                         "person__membership__admitted_on")):
        span["inside"] = lo <= span["org__path"] < hi
        span["party"] = span["status"] in PARTY_MEMBER_STATUSES
        by_person[span["person_id"]].append(span)

    def add(kind, span, when, reason):
        result.counts[kind] += 1
        result.items[kind].append((span["person__name"], span["person_id"], when, reason))

    for spans in by_person.values():
        for s in spans:
            if not (s["inside"] and s["party"]):
                continue
            if day0 < s["start"] <= day:
                before = [p for p in spans if p["id"] != s["id"] and p["end"] == s["start"]]
                prev = next((p for p in before if p["party"]), before[0] if before else None)
                if prev and prev["party"]:
                    if not prev["inside"]:
                        add("transfer_in", s, s["start"], s["reason"])
                elif (prev and prev["status"] != "left") or (  # after applicant / activist / candidate
                        s["status"] == "probationary" and s["start"] == s["person__membership__admitted_on"]):
                    add("developed", s, s["start"], s["reason"])
                elif s["reason"]:
                    add("other_in", s, s["start"], s["reason"])
                else:
                    add("unexplained_in", s, s["start"], "记录起始前没有任何党籍记录，也未写明原因")
            if s["end"] and day0 < s["end"] <= day:
                after = [p for p in spans if p["id"] != s["id"] and p["start"] == s["end"]]
                nxt = next((p for p in after if p["party"]), after[0] if after else None)
                if nxt is None:
                    add("unexplained_out", s, s["end"], f"{STATUS_LABELS[s['status']]}记录于 {s['end']:%Y-%m-%d} 终止，"
                        "其后没有任何党籍记录")
                elif nxt["party"]:
                    if not nxt["inside"]:
                        add("transfer_out", s, s["end"], nxt["reason"])
                elif nxt["status"] == "left":
                    add("left", s, s["end"], nxt["reason"])
                else:
                    add("unexplained_out", s, s["end"], f"其后记录为“{STATUS_LABELS[nxt['status']]}”")
    return result


def _sum_findings(index, table):
    name = f"{table.number} {table.title}"
    found = []
    for check in table.column_sums:
        for i, row in enumerate(table.rows):
            total = row.cells[check.total].value
            parts = sum(row.cells[j].value for j in check.parts)
            if total != parts:
                found.append(_explain(name, f"“{row.label}”行：{table.columns[check.total].label} 与 "
                                      + "＋".join(table.columns[j].label for j in check.parts),
                                      total, parts, row.unfilled.get(check.blank, 0) if check.blank else 0,
                                      (index, i, check.total), row.cells[check.total].url))
    for check in table.row_sums:
        for j, column in enumerate(table.columns):
            total = table.rows[check.total].cells[j].value
            parts = sum(table.rows[i].cells[j].value for i in check.parts)
            if total != parts:
                found.append(_explain(name, f"“{column.label}”列：{table.rows[check.total].label} 与各行之和",
                                      total, parts, 0, (index, check.total, j), table.rows[check.total].cells[j].url))
    return found


def _explain(name, where, total, parts, blank, cell, url):
    if blank and total - parts == blank:
        return Finding(name, where, total, parts, f"学历未填写 {blank} 人，不计入学历各栏", True, cell, url)
    text = "无法由记录解释" + (f"（其中学历未填写 {blank} 人）" if blank else "")
    return Finding(name, where, total, parts, text, False, cell, url)


def _flow_findings(report, f):
    found = []
    if f.difference:
        odd = [(n, pid, when, why) for k in ("unexplained_in", "unexplained_out") for n, pid, when, why in f.items[k]]
        explained_part = f.counts["unexplained_in"] - f.counts["unexplained_out"]
        names = "；".join(f"{n}（{when:%Y-%m-%d}，{why}）" for n, _, when, why in odd[:20])
        rest = "" if explained_part == f.difference else f"；另有 {f.difference - explained_part} 人的差额原因不明"
        found.append(Finding(
            "党员增减平衡", f"{report.year} 年末党员数 与 上年末数＋增加－减少", f.closing, f.expected,
            f"差额 {f.difference:+d}：{len(odd)} 条党籍记录的变动没有转接、发展或出党记录说明：{names}"
            + ("……" if len(odd) > 20 else "") + rest, False,
            url=reverse("people:detail", args=[odd[0][1]]) if odd else ""))
    if f.closing != f.closing_people:
        found.append(Finding("党员增减平衡", f"{report.year} 年末党员记录数 与 人数", f.closing, f.closing_people,
                             "同一人在统计日有多条党籍记录（记录重叠），年末数多计", False))
    return found


def run(report, movements=None):
    """Findings of the report: every sum that disagrees, and the year's balance."""
    found = [f for i, table in enumerate(report.tables) for f in _sum_findings(i, table)]
    return found + _flow_findings(report, movements or flows(report.node, report.year))

"""The yearly statistics tables (党内统计) of a node's subtree, as they stood on 31 December.

Each table is one GROUP BY pass over the subtree (a path range), folded here into rows and
columns: members from the status history (a span counts when start <= 31 Dec < end),
development from the spans that begin on the membership's admission / full-membership date,
organizations from the tree (founded_on / dissolved_on). Every cell carries the URL of the
filtered list that reproduces it (sources.py).
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, F, Q, Value, When
from django.db.models.functions import ExtractYear

from jiceng.core import policy, tree
from jiceng.orgs.figures import AGE_BANDS
from jiceng.orgs.kinds import SECTORS
from jiceng.orgs.models import Organization
from jiceng.people.choices import EDUCATION, PARTY_MEMBER_STATUSES
from jiceng.people.models import MembershipPeriod

from . import sources

HAN = "汉族"
ORG_KINDS = ["committee", "working_committee", "general_branch", "branch", "joint_branch"]
COVERAGE_SECTORS = ["non_public_enterprise", "social_organization"]


@dataclass
class Column:
    label: str
    filters: dict
    group: str = ""  # the upper header cell, merged across the consecutive columns sharing it


@dataclass
class Cell:
    value: int
    url: str


@dataclass
class Row:
    label: str
    filters: dict
    cells: list = field(default_factory=list)
    unfilled: Counter = field(default_factory=Counter)  # e.g. {"education": 3}: people with the field blank


@dataclass
class Sum:
    """`total` must equal the sum of `parts` (column indexes, checked on every row; or row
    indexes, checked in every column). `blank`: the Row.unfilled key that explains a shortfall."""

    total: int
    parts: list
    blank: str = ""


@dataclass
class Table:
    key: str
    number: str
    title: str
    unit: str
    columns: list
    rows: list
    column_sums: list
    row_sums: list
    notes: list


@dataclass
class Report:
    node: Organization
    year: int
    day: datetime.date
    tables: list


def year_end(year):
    return datetime.date(year, 12, 31)


def party_spans_on(node, day):
    """Spans of party membership (full or probationary) in the subtree on `day`."""
    return MembershipPeriod.objects.filter(
        tree.subtree_q(node.path, "org__path"), status__in=PARTY_MEMBER_STATUSES, start__lte=day,
    ).filter(Q(end__isnull=True) | Q(end__gt=day))


def alive_on(day):
    """Organizations that existed on `day`: founded on or before it (or without a founding
    date) and not dissolved by then — as orgs.queries.subtree_filtered lists them."""
    return ((Q(founded_on__isnull=True) | Q(founded_on__lte=day))
            & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day)))


def _matches(filters, g):
    """Does the group `g` (one GROUP BY row) fall under the list filters of a cell?"""
    for key, value in filters.items():
        if key == "status":
            ok = g["status"] in PARTY_MEMBER_STATUSES if value == "party" else g["status"] == value
        elif key == "ethnicity":
            ok = g["minority"]
        elif key == "education":
            ok = g["education"] in g["college_plus"] if value == "college_plus" else g["education"] in value.split(",")
        elif key == "age":
            lo, hi, _ = AGE_BANDS[int(value)]
            ok = lo <= g["age"] <= hi
        elif key == "sector":
            ok = g["sector"] in value.split(",")
        elif key in ("admitted", "converted"):
            ok = g["event"] == key
        elif key == "on":
            ok = True
        else:
            ok = g[key] == value
        if not ok:
            return False
    return True


def _fold(table_rows, columns, groups, url):
    """Add each group's count to every (row, column) whose filters it matches."""
    sums = [[0] * len(columns) for _ in table_rows]
    for g in groups:
        hit_rows = [i for i, row in enumerate(table_rows) if _matches(row.filters, g)]
        hit_columns = [j for j, column in enumerate(columns) if hit_rows and _matches(column.filters, g)]
        for i in hit_rows:
            for j in hit_columns:
                sums[i][j] += g["n"]
            if 0 in hit_columns and not g["education"]:
                table_rows[i].unfilled["education"] += g["n"]
    for row, values in zip(table_rows, sums):
        row.cells = [Cell(n, url({**row.filters, **column.filters})) for n, column in zip(values, columns)]


def _sector_rows(on_filters):
    return [Row("合计", dict(on_filters))] + [Row(label, {**on_filters, "sector": key}) for key, label in SECTORS]


def _member_groups(queryset, year, college_plus, event_of=None):
    # 汉族 or not is all the tables ask: grouping by it, not by the 56 names, keeps the groups few.
    minority = Case(When(person__ethnicity=HAN, then=Value(False)), default=Value(True), output_field=BooleanField())
    rows = (queryset.values("status", sector=F("org__sector"), gender=F("person__gender"), minority=minority,
                            education=F("person__education"),
                            born=ExtractYear("person__birth_date"))
            .annotate(n=Count("id")).order_by())
    return [{**r, "age": year - r["born"], "college_plus": college_plus,
             "event": event_of(r) if event_of else ""} for r in rows]


def _age_columns(group):
    return [Column(label, {"age": str(i)}, group) for i, (_, _, label) in enumerate(AGE_BANDS)]


def _education_columns(group="学历"):
    return [Column("大专及以上", {"education": "college_plus"}, group)] + [
        Column(label, {"education": key}, group) for key, label in EDUCATION]


def members_table(node, year, day, college_plus):
    """表一 党员基本情况: party members on 31 December by status, gender, ethnicity, education,
    age and the sector of their branch."""
    on = {"status": "party", "on": day.isoformat()}
    columns = [Column("党员总数", {}), Column("正式党员", {"status": "full"}, "其中"),
               Column("预备党员", {"status": "probationary"}, "其中"), Column("女", {"gender": "F"}, "其中"),
               Column("少数民族", {"ethnicity": "minority"}, "其中"),
               *_education_columns(), *_age_columns("年龄")]
    rows = _sector_rows(on)
    groups = _member_groups(party_spans_on(node, day), year, college_plus)
    _fold(rows, columns, groups, lambda f: sources.url(node, year, "members", f))
    n_edu = len(EDUCATION)
    return Table(
        "members", "表一", "党员基本情况", "人", columns, rows,
        column_sums=[Sum(0, [1, 2]), Sum(5, [6, 7, 8]), Sum(0, list(range(6, 6 + n_edu)), "education"),
                     Sum(0, list(range(6 + n_edu, len(columns))))],
        row_sums=[Sum(0, list(range(1, len(rows))))],
        notes=[f"党员指 {day:%Y年%m月%d日} 在本组织及所属组织中为正式党员或预备党员的人员，依据党籍状态历史（起始日≤统计日<终止日）。",
               "领域按党员所在党支部的领域统计；年龄为统计年度内达到的周岁（统计年度−出生年份）。",
               "学历未填写的党员不计入学历各栏，差额见“核对”表。"],
    )


def development_spans(node, year):
    """Spans in the subtree that begin in `year` on the membership's admission date (status
    probationary) or full-membership date (status full)."""
    return MembershipPeriod.objects.filter(
        tree.subtree_q(node.path, "org__path"), start__gte=datetime.date(year, 1, 1), start__lte=year_end(year),
    ).filter(Q(status="probationary", start=F("person__membership__admitted_on"))
             | Q(status="full", start=F("person__membership__full_on")))


def development_table(node, year, day, college_plus):
    """表二 发展党员: admitted as probationary members in the year, by gender, ethnicity, age,
    education and sector; and converted to full membership in the year."""
    admitted = {"admitted": year}
    columns = [Column("发展党员数", admitted), Column("女", {**admitted, "gender": "F"}, "其中"),
               Column("少数民族", {**admitted, "ethnicity": "minority"}, "其中"),
               *[Column(c.label, {**admitted, **c.filters}, c.group) for c in _age_columns("年龄")],
               *[Column(c.label, {**admitted, **c.filters}, c.group) for c in _education_columns()],
               Column("转为正式党员", {"converted": year})]
    rows = _sector_rows({})
    groups = _member_groups(development_spans(node, year), year, college_plus,
                            lambda r: "admitted" if r["status"] == "probationary" else "converted")
    _fold(rows, columns, groups, lambda f: sources.url(node, year, "development", f))
    first_edu = 3 + len(AGE_BANDS)
    return Table(
        "development", "表二", "发展党员情况", "人", columns, rows,
        column_sums=[Sum(0, list(range(3, first_edu))), Sum(first_edu, [first_edu + 1, first_edu + 2, first_edu + 3]),
                     Sum(0, list(range(first_edu + 1, first_edu + 1 + len(EDUCATION))), "education")],
        row_sums=[Sum(0, list(range(1, len(rows))))],
        notes=[f"发展党员指 {year} 年内经上级党委批准接收为预备党员的人员（预备党员记录起始日=接收日期）；"
               "转为正式党员指年内预备期满转正的人员（正式党员记录起始日=转正日期）。",
               "按接收或转正时所在党支部的领域统计；年龄为统计年度内达到的周岁；学历未填写者不计入学历各栏。"],
    )


def organizations_table(node, year, day):
    """表三 党组织情况: party organizations alive on 31 December by kind and sector."""
    on = {"on": day.isoformat()}
    columns = [Column("合计", {"kind": ",".join(ORG_KINDS)}), Column("党委", {"kind": "committee"}, "基层党委"),
               Column("党工委", {"kind": "working_committee"}, "基层党委"),
               Column("党总支", {"kind": "general_branch"}),
               Column("小计", {"kind": "branch,joint_branch"}, "党支部"),
               Column("单独组建", {"kind": "branch"}, "党支部"), Column("联合党支部", {"kind": "joint_branch"}, "党支部")]
    rows = _sector_rows(on)
    counts = Counter({(r["kind"], r["sector"]): r["n"] for r in (
        Organization.objects.filter(tree.subtree_q(node.path), alive_on(day), kind__in=ORG_KINDS)
        .values("kind", "sector").annotate(n=Count("id")).order_by())})
    for row in rows:
        for column in columns:
            kinds = column.filters["kind"].split(",")
            n = sum(v for (k, s), v in counts.items() if k in kinds and row.filters.get("sector", s) == s)
            row.cells.append(Cell(n, sources.url(node, year, "organizations", {**row.filters, **column.filters})))
    return Table(
        "organizations", "表三", "党组织情况", "个", columns, rows,
        column_sums=[Sum(0, [1, 2, 3, 4]), Sum(4, [5, 6])],
        row_sums=[Sum(0, list(range(1, len(rows))))],
        notes=[f"党组织指 {day:%Y年%m月%d日} 已成立、未撤销的党委、党工委、党总支、党支部（不含党小组）；成立日期未填写的按已成立计。",
               "领域按组织树中登记的领域统计。"],
    )


def coverage_facts(node, day):
    """Per unit (非公企业 / 社会组织) of the subtree alive on `day`: its sector, whether it has
    its own or a joint organization set up directly in it, and the members those hold."""
    sub = tree.subtree_q(node.path)
    units = list(Organization.objects.filter(sub, alive_on(day), kind="unit", sector__in=COVERAGE_SECTORS)
                 .values_list("id", "sector"))
    org_under = {}
    for parent, kind in (Organization.objects.filter(sub, alive_on(day), parent__kind="unit", kind__in=ORG_KINDS)
                         .values_list("parent_id", "kind")):
        org_under.setdefault(parent, set()).add(kind)
    held = {r["unit"]: r for r in (
        party_spans_on(node, day).filter(org__parent__kind="unit")
        .values(unit=F("org__parent_id"))
        .annotate(n=Count("id"), full=Count("id", filter=Q(status="full"))).order_by())}
    min_full = policy.get("orgs.branch_min_full_members", on=day)
    facts = []
    for unit, sector in units:
        kinds = org_under.get(unit, set())
        h = held.get(unit, {"n": 0, "full": 0})
        facts.append({"id": unit, "sector": sector, "members": h["n"] > 0, "full_min": h["full"] >= min_full,
                      "party": "own" if kinds - {"joint_branch"} else "joint" if kinds else "none"})
    return facts


def coverage_hit(fact, filters):
    party = filters.get("party", "")
    if fact["sector"] not in filters["sector"].split(","):
        return False
    if party == "members":
        return fact["members"]
    if party == "full_min":
        return fact["full_min"]
    return not party or fact["party"] in party.split(",")


def coverage_table(node, year, day):
    """表四 非公有制企业和社会组织党组织覆盖: units of the tree, whether they hold party
    members and whether they have their own or a joint organization."""
    facts = coverage_facts(node, day)
    min_full = policy.get("orgs.branch_min_full_members", on=day)
    on = {"kind": "unit", "on": day.isoformat()}
    columns = [Column("单位数", {}), Column("有党员的单位", {"party": "members"}),
               Column(f"其中正式党员{min_full}人以上", {"party": "full_min"}),
               Column("小计", {"party": "own,joint"}, "已建立党组织"), Column("单独建立", {"party": "own"}, "已建立党组织"),
               Column("联合建立", {"party": "joint"}, "已建立党组织"), Column("未建立党组织", {"party": "none"})]
    rows = [Row("合计", {**on, "sector": ",".join(COVERAGE_SECTORS)})] + [
        Row(label, {**on, "sector": key}) for key, label in SECTORS if key in COVERAGE_SECTORS]
    for row in rows:
        for column in columns:
            filters = {**row.filters, **column.filters}
            n = sum(1 for f in facts if coverage_hit(f, filters))
            row.cells.append(Cell(n, sources.url(node, year, "coverage", filters)))
    return Table(
        "coverage", "表四", "非公有制企业和社会组织党组织覆盖情况", "个", columns, rows,
        column_sums=[Sum(0, [3, 6]), Sum(3, [4, 5])],
        row_sums=[Sum(0, [1, 2])],
        notes=["单位指组织树中类型为“单位”、领域为非公有制企业或社会组织、在统计日存续的节点。",
               "近似：党员只能登记在党支部，单位中的党员只有在该单位下设的党组织中才能归属到单位；"
               "未建组织单位中的党员（挂靠联合党支部或由社区管理）无法从现有数据归属，故“有党员的单位”只计本单位党组织中有党员的单位。",
               "近似：“联合建立”指单位下直接设有联合党支部的单位；被设在别处的联合党支部覆盖的单位无法从组织树识别，计入“未建立党组织”。",
               f"“正式党员{min_full}人以上”依据支部工作条例第五条（应当单独成立党支部的人数）。"],
    )


def member_rows(node, year, filters):
    """The spans behind a cell of 表一 or 表二: the same filters as the GROUP BY, as a query."""
    day = year_end(year)
    if "admitted" in filters or "converted" in filters:
        rows = development_spans(node, year).filter(status="probationary" if "admitted" in filters else "full")
    else:
        rows = party_spans_on(node, day)
    q = Q()
    if filters.get("status", "party") != "party":
        q &= Q(status=filters["status"])
    if filters.get("gender"):
        q &= Q(person__gender=filters["gender"])
    if filters.get("ethnicity") == "minority":
        q &= ~Q(person__ethnicity=HAN)
    education = filters.get("education")
    if education:
        college_plus = policy.get("reports.college_and_above", on=day)
        q &= Q(person__education__in=college_plus if education == "college_plus" else education.split(","))
    if filters.get("age") not in (None, ""):
        lo, hi, _ = AGE_BANDS[int(filters["age"])]
        q &= Q(person__birth_date__gte=datetime.date(year - hi, 1, 1),
               person__birth_date__lte=datetime.date(year - lo, 12, 31))
    if filters.get("sector"):
        q &= Q(org__sector__in=filters["sector"].split(","))
    return rows.filter(q).select_related("person", "org").order_by("org__path", "person__name_pinyin", "person_id")


def org_rows(node, year, table, filters):
    """The organizations behind a cell of 表三 or 表四."""
    day = year_end(year)
    rows = Organization.objects.filter(tree.subtree_q(node.path), alive_on(day))
    if table == "coverage":
        rows = rows.filter(pk__in=[f["id"] for f in coverage_facts(node, day) if coverage_hit(f, filters)])
    else:
        rows = rows.filter(kind__in=filters.get("kind", ",".join(ORG_KINDS)).split(","))
        if filters.get("sector"):
            rows = rows.filter(sector__in=filters["sector"].split(","))
    return rows.order_by("path")


def compute(node, year):
    day = year_end(year)
    college_plus = set(policy.get("reports.college_and_above", on=day))
    return Report(node, year, day, [
        members_table(node, year, day, college_plus),
        development_table(node, year, day, college_plus),
        organizations_table(node, year, day),
        coverage_table(node, year, day),
    ])

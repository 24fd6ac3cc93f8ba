"""Rosters: which columns a roster may have (and their many names), how a row becomes
cleaned values, and how a whole file is previewed or committed."""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from django.db import transaction
from django.utils import timezone

from jiceng.core import policy
from jiceng.core.errors import DomainError
from jiceng.core.tree import subtree_q
from jiceng.core.validators import id_birth_date, id_gender, validate_uscc
from jiceng.orgs import services as org_services
from jiceng.orgs.kinds import KIND_LABELS, MEMBER_HOLDING_KINDS, SECTORS
from jiceng.orgs.models import Organization
from jiceng.people import services as people_services
from jiceng.people.choices import STATUS_LABELS

from . import fields as f
from . import sheets

MEMBER_COLUMNS = {
    "name": ("姓名", "名字", "党员姓名"),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "出生时间", "生日"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "身份证", "居民身份证号码", "证件号码"),
    "education": ("学历", "文化程度", "最高学历"),
    "applied_on": ("申请入党日期", "递交入党申请书日期", "入党申请日期"),
    "activist_on": ("确定积极分子日期", "确定为入党积极分子日期", "积极分子日期"),
    "candidate_on": ("确定发展对象日期", "确定为发展对象日期"),
    "admitted_on": ("入党日期", "入党时间", "入党年月", "接收为预备党员日期", "加入党组织日期"),
    "full_on": ("转正日期", "转正时间", "转为正式党员日期"),
    "status": ("人员类别", "党员状态", "党籍状态", "党员类别", "类别", "政治面貌"),
    "branch": ("所在支部", "所在党支部", "所在党组织", "所属支部", "所属党支部", "所属党组织", "党支部", "支部"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "联系方式", "移动电话"),
    "occupation": ("职业", "工作岗位", "岗位"),
}
ORG_COLUMNS = {
    "name": ("名称", "组织名称", "党组织名称", "单位名称", "党组织全称"),
    "kind": ("类型", "组织类型", "组织类别", "党组织类别", "类别"),
    "parent": ("上级组织", "上级党组织", "隶属党组织", "上级", "所属上级"),
    "sector": ("领域", "所属领域", "行业", "单位性质"),
    "uscc": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "founded_on": ("成立日期", "成立时间", "建立日期", "组建日期"),
    "division_code": ("行政区划代码", "区划代码"),
}
LABELS = {
    "name": "姓名", "gender": "性别", "ethnicity": "民族", "birth_date": "出生日期", "id_number": "身份证号码",
    "education": "学历", "applied_on": "申请入党日期", "activist_on": "确定积极分子日期",
    "candidate_on": "确定发展对象日期", "admitted_on": "入党日期", "full_on": "转正日期", "status": "人员类别",
    "branch": "所在支部", "phone": "手机号码", "occupation": "职业", "kind": "组织类型", "parent": "上级组织",
    "sector": "领域", "uscc": "统一社会信用代码", "founded_on": "成立日期", "division_code": "行政区划代码",
    "org": "所在支部", "since": "人员类别",
}
DATE_FIELDS = ("birth_date", "applied_on", "activist_on", "candidate_on", "admitted_on", "full_on", "founded_on")


def _repeated(parse, size=4096):
    """A parser of a column whose values repeat down a roster (words, branches, dates): each
    distinct value is parsed once (a refused one each time: refusals are few)."""
    return lru_cache(maxsize=size, typed=True)(parse)


_DATE = _repeated(f.date, 32768)  # a roster's dates fall on a few thousand days, written a few ways
MEMBER_PARSERS = {"name": f.required_text, "gender": _repeated(f.gender), "ethnicity": _repeated(f.ethnicity),
                  "id_number": f.id_number, "education": _repeated(f.education), "status": _repeated(f.status),
                  "phone": f.phone, "occupation": _repeated(f.text), "branch": _repeated(f.text)} | \
    {k: _DATE for k in DATE_FIELDS}
_KIND_WORDS = {label: code for code, label in KIND_LABELS.items()} | {
    "县": "county", "区": "county", "党组织": "committee", "党工委": "working_committee", "总支": "general_branch",
    "支部": "branch", "联合支部": "joint_branch", "小组": "group", "机关党委": "committee"}
_SECTOR_WORDS = {label: code for code, label in SECTORS} | {
    "非公企业": "non_public_enterprise", "非公有制经济组织": "non_public_enterprise", "民营企业": "non_public_enterprise",
    "国企": "soe", "国有企业": "soe", "社区": "urban_community", "城市": "urban_community", "村": "rural",
    "党政机关": "agency", "高校": "school", "中小学": "school", "事业": "public_institution"}


def _word(table, what):
    def parse(value):
        v = f.text(value).replace(" ", "")
        if v not in table:
            raise f.Bad(f"无法识别的{what}“{v}”", "可填：" + "、".join(sorted({k for k in table if len(k) > 1})[:12]))
        return table[v]
    return parse


def _uscc(value):
    try:
        return validate_uscc(f.text(value))
    except DomainError as e:
        raise f.Bad(e.message, "核对统一社会信用代码（18位）") from None


def _division(value):
    v = f.text(value).replace(" ", "")
    if not re.fullmatch(r"\d{6}|\d{9}|\d{12}", v):
        raise f.Bad(f"行政区划代码“{v}”应为6、9或12位数字", "")
    return v


ORG_PARSERS = {"name": f.required_text, "kind": _word(_KIND_WORDS, "组织类型"), "parent": f.text,
               "sector": _word(_SECTOR_WORDS, "领域"), "uscc": _uscc, "founded_on": f.date,
               "division_code": _division}


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str
    suggestion: str = ""


@dataclass
class Outcome:
    """What a preview found (or a commit did)."""

    kind: str
    mapping: dict = field(default_factory=dict)     # field -> header as written
    unmapped: list = field(default_factory=list)    # headers of columns not imported
    header_row: int = 0
    rows: int = 0
    counts: dict = field(default_factory=lambda: {"create": 0, "update": 0, "unchanged": 0, "skip": 0})
    problems: list = field(default_factory=list)


class Tree:
    """The importing node's subtree, for naming an organization by name or by path
    (甲县/甲城街道/甲园社区党支部): loaded once, in the scope the user may change."""

    def __init__(self, node):
        self.node = node
        self.by_id = {o.pk: o for o in Organization.objects.filter(subtree_q(node.path))}
        self.by_name = {}
        for o in self.by_id.values():
            self.by_name.setdefault(o.name, []).append(o)

    def add(self, org):
        self.by_id[org.pk] = org
        self.by_name.setdefault(org.name, []).append(org)

    def resolve(self, text, what):
        parts = [p for p in re.split(r"\s*[/／>＞\\]\s*", text) if p]
        if not parts:
            raise f.Bad(f"{what}为空", "")
        found = [o for o in self.by_name.get(parts[-1], []) if self._ends_with(o, parts[:-1])]
        if not found:
            raise f.Bad(f"在“{self.node.name}”之下没有名为“{text}”的组织", f"核对{what}名称，或写出路径，如“{self.node.name}/…/{parts[-1]}”")
        if len(found) > 1:
            paths = "；".join(self.path_of(o) for o in found[:3])
            raise f.Bad(f"“{text}”有 {len(found)} 个同名组织", f"写出上级路径以区分：{paths}")
        return found[0]

    def _ends_with(self, org, names):
        parent = org
        for name in reversed(names):
            parent = self.by_id.get(parent.parent_id) if parent else None
            if parent is None or parent.name != name:
                return False
        return True

    def path_of(self, org):
        names = []
        while org is not None and org.pk in self.by_id:
            names.append(org.name)
            org = self.by_id.get(org.parent_id)
        return "/".join(reversed(names))


def read_header(path, kind, columns):
    """(header row number, mapping {field: column}, headers {field: as written}, unmapped headers,
    the data rows)."""
    head, rest = sheets.open_rows(path, kind)
    found = f.find_header(head, columns)
    if found is None:
        raise DomainError("header_not_found", "在前 10 行中找不到表头：至少要有两列的列名能识别（如“姓名”“身份证号码”）", "file")
    number, mapping, unmapped = found
    cells = dict(head)[number]
    headers = {name: str(cells[col]).strip() for name, col in mapping.items()}
    data = ((n, cells) for n, cells in head if n > number)
    return number, mapping, headers, [h for _, h in unmapped], chain(data, rest)


def _missing(mapping, required):
    for fields in required:
        if not any(x in mapping for x in fields):
            names = " 或 ".join(f"“{LABELS[x]}”" for x in fields)
            synonyms = "、".join((MEMBER_COLUMNS | ORG_COLUMNS)[fields[0]][:4])
            raise DomainError("column_missing", f"找不到{names}列（可用的列名：{synonyms}）；没有写入任何数据", "file")


def _clean_cells(number, cells, mapping, parsers, headers, problems):
    """{field: value} of the cells that parse; each that does not adds a Problem."""
    data, ok = {"row": number}, True
    for name, col in mapping.items():
        value = cells[col] if col < len(cells) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            data[name] = parsers[name](value)
        except f.Bad as bad:
            problems.append(Problem(number, headers[name], _shown(value), bad.reason, bad.suggestion))
            ok = False
    return data if ok else None


def _shown(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)


class MemberRoster:
    kind, columns, parsers = "members", MEMBER_COLUMNS, MEMBER_PARSERS

    def __init__(self, actor, node):
        self.actor, self.node, self.tree = actor, node, Tree(node)
        self.branch_cache = {}
        self.required = [("name",), ("id_number",), ("status", "admitted_on")]
        if node.kind not in MEMBER_HOLDING_KINDS:
            self.required.append(("branch",))

    def clean(self, number, cells, mapping, headers, problems):
        data = _clean_cells(number, cells, mapping, self.parsers, headers, problems)
        if data is None:
            return None
        for name in ("name", "id_number"):
            if name not in data:
                problems.append(Problem(number, headers.get(name, LABELS[name]), "", f"{LABELS[name]}不能为空",
                                        f"填写{LABELS[name]}"))
                return None
        value = data.get("branch")
        try:
            data["org"] = self._branch(value) if value else self.node
        except f.Bad as bad:
            problems.append(Problem(number, headers["branch"], value, bad.reason, bad.suggestion))
            return None
        born = id_birth_date(data["id_number"])
        if "birth_date" in data:
            day, month_only = data.pop("birth_date")
            same = (day.year, day.month) == (born.year, born.month) if month_only else day == born
            if not same:
                shown = f"{day:%Y-%m}" if month_only else f"{day:%Y-%m-%d}"
                problems.append(Problem(number, headers["birth_date"], _shown(cells[mapping["birth_date"]]),
                                        f"出生日期 {shown} 与身份证号码中的 {born:%Y-%m-%d} 不一致",
                                        "核对出生日期或身份证号码"))
                return None
        if data.get("gender") and data["gender"] != id_gender(data["id_number"]):
            problems.append(Problem(number, headers["gender"], _shown(cells[mapping["gender"]]),
                                    f"性别与身份证号码不一致（身份证号码第17位表示{'男' if id_gender(data['id_number']) == 'M' else '女'}）",
                                    "核对性别或身份证号码"))
            return None
        for name in DATE_FIELDS:
            if name in data:
                data[name] = data[name][0]
        if "status" not in data:  # the dates say how far the person has come
            data["status"] = "full" if data.get("full_on") else "probationary"
        return data

    def _branch(self, text):
        if text not in self.branch_cache:
            try:
                self.branch_cache[text] = self.tree.resolve(text, "所在支部")
            except f.Bad as bad:
                self.branch_cache[text] = bad
        found = self.branch_cache[text]
        if isinstance(found, f.Bad):
            raise found
        return found

    def dedupe(self, batch, headers, problems, outcome, seen):
        """The rows whose ID-card number is new in the file; each repeat is a Problem."""
        for r in batch:
            first = seen.check(r["id_number"], r["row"])
            if first:
                problems.append(Problem(r["row"], headers["id_number"], r["id_number"],
                                        f"与第 {first} 行的身份证号码重复", "同一人只保留一行"))
                outcome.counts["skip"] += 1
            else:
                yield r

    def plan(self, batch, headers, problems, outcome, seen):
        """Judge a batch of cleaned rows against the database (people.services)."""
        fresh = list(self.dedupe(batch, headers, problems, outcome, seen))
        for r, _, plan in people_services.plan_member_rows(self.actor, fresh, timezone.localdate()):
            if isinstance(plan, DomainError):
                self.refuse(r, plan, headers, problems, outcome)
            else:
                outcome.counts[plan["action"]] += 1
                yield r

    @staticmethod
    def refuse(r, error, headers, problems, outcome):
        """A row the rules refuse, as a Problem in the column at fault (a missing date is the
        status's: it asks for the date)."""
        at = error.field if error.field in headers else _FIELD_COLUMN.get(
            error.field, "status" if error.field in DATE_FIELDS else error.field)
        value = r.get(at)
        shown = value.name if hasattr(value, "name") else _STATUS_NAMES.get(value, _shown(value))
        problems.append(Problem(r["row"], headers.get(at, ""), shown, error.message, _SUGGESTIONS.get(error.code, "")))
        outcome.counts["skip"] += 1

    def commit(self, rows, progress, refused=None):
        """The bulk service judges every row itself (once): a refused row stops it all, or
        with `refused` (skipping invalid rows) is handed to it and left out."""
        return people_services.import_members(self.actor, rows, progress=progress, refused=refused,
                                              batch_size=policy.get("exchange.batch_rows", on=timezone.localdate()))


_FIELD_COLUMN = {"org": "branch", "since": "status", "person": "id_number"}
_STATUS_NAMES = {code: label for code, label in STATUS_LABELS.items()}
_SUGGESTIONS = {
    "too_young": "核对出生日期或入党日期", "dates_out_of_order": "按申请、积极分子、发展对象、入党、转正的先后核对日期",
    "since_required": "补填该日期，或核对人员类别", "person_outside_scope": "请原组织办理组织关系转接",
    "status_backwards": "核对人员类别", "status_out_of_order": "先在系统中办理中间环节", "org_cannot_hold_members": "填写党支部",
    "date_in_future": "核对日期",
}


class OrgRoster:
    kind, columns, parsers = "orgs", ORG_COLUMNS, ORG_PARSERS

    def __init__(self, actor, node):
        self.actor, self.node, self.tree = actor, node, Tree(node)
        self.required = [("name",), ("kind",)]

    def clean(self, number, cells, mapping, headers, problems):
        data = _clean_cells(number, cells, mapping, self.parsers, headers, problems)
        if data is None:
            return None
        if "name" not in data or "kind" not in data:
            missing = "name" if "name" not in data else "kind"
            problems.append(Problem(number, headers.get(missing, LABELS[missing]), "", f"{LABELS[missing]}不能为空", ""))
            return None
        if "founded_on" in data:
            data["founded_on"] = data["founded_on"][0]
        return data

    def plan(self, batch, headers, problems, outcome, seen):
        """Rows in file order: a parent may be a row above. A planned organization stands in
        the tree as an unsaved one until the commit creates it."""
        for r in batch:
            try:
                r["parent_org"] = self.tree.resolve(r["parent"], "上级组织") if r.get("parent") else self.node
            except f.Bad as bad:
                problems.append(Problem(r["row"], headers["parent"], r["parent"], bad.reason, bad.suggestion))
                outcome.counts["skip"] += 1
                continue
            parent = r["parent_org"]
            same = [o for o in self.tree.by_name.get(r["name"], []) if o.parent_id == parent.pk and parent.pk]
            try:
                if same:
                    action = "update" if any(r.get(k) and r[k] != getattr(same[0], k) for k in
                                             ("sector", "uscc", "founded_on", "division_code")) else "unchanged"
                    r["existing"] = same[0]
                else:
                    org_services.check_parent(r["kind"], parent)
                    action = "create"
                    placeholder = Organization(name=r["name"], kind=r["kind"], parent=None, path="")
                    placeholder.parent_id = parent.pk
                    placeholder.pk = -r["row"]  # stands for the row until it is created
                    self.tree.add(placeholder)
            except DomainError as error:
                shown = r.get("parent", "") if error.field == "parent" else KIND_LABELS.get(r["kind"], "")
                problems.append(Problem(r["row"], headers.get(error.field, headers.get("kind", "")), shown,
                                        error.message, "核对组织类型和上级组织"))
                outcome.counts["skip"] += 1
                continue
            outcome.counts[action] += 1
            yield r

    @transaction.atomic
    def commit(self, rows, progress):
        """Create or update each organization through orgs.services, in this one transaction."""
        made, counts = {}, {"create": 0, "update": 0, "unchanged": 0}
        for r in rows:
            parent = r["parent_org"]
            if parent.pk is not None and parent.pk < 0:
                parent = made[-parent.pk]
            fields = {k: r[k] for k in ("sector", "uscc", "founded_on", "division_code") if r.get(k)}
            existing = r.get("existing")
            if existing is None:
                made[r["row"]] = org_services.create_org(self.actor, parent=parent, name=r["name"], kind=r["kind"],
                                                         **fields)
                counts["create"] += 1
            elif any(fields[k] != getattr(existing, k) for k in fields):
                org_services.update_org(self.actor, existing, **fields)
                counts["update"] += 1
            else:
                counts["unchanged"] += 1
            progress(1)
        return counts


ROSTERS = {"members": MemberRoster, "orgs": OrgRoster}
KIND_NAMES = {"members": "党员花名册", "orgs": "组织名册"}

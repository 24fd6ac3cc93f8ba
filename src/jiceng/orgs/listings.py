"""The columns of the organization pages' lists, declared once for the page and the xlsx."""

from django.urls import reverse

from jiceng.core.exports import Column, Listing

from . import checks


def _person(row):
    return reverse("people:detail", args=[row.person_id])


def _org(row):
    return reverse("orgs:detail", args=[row.org_id])


MEMBERS = Listing("orgs.members", "党员名册", [
    Column("姓名", lambda m: m.person.name, link=_person, width=10),
    Column("性别", lambda m: m.person.get_gender_display(), width=6),
    Column("民族", lambda m: m.person.ethnicity, width=8),
    Column("出生日期", lambda m: m.person.birth_date, width=12),
    Column("学历", lambda m: m.person.get_education_display(), width=10),
    Column("身份证号码", lambda m: m.person.id_number, id_number=True, width=22),
    Column("状态", lambda m: m.get_status_display(), width=12),
    Column("所在组织", lambda m: m.org.name, link=_org, width=30),
])

ORGS = Listing("orgs.list", "组织列表", [
    Column("名称", lambda o: o.name, link=lambda o: reverse("orgs:detail", args=[o.pk]), width=30),
    Column("类型", lambda o: o.get_kind_display(), width=10),
    Column("领域", lambda o: o.get_sector_display(), width=12),
    Column("上级组织", lambda o: o.parent.name if o.parent else "", width=30),
    Column("行政区划代码", lambda o: o.division_code, width=14),
    Column("成立日期", lambda o: o.founded_on, width=12),
    Column("撤销日期", lambda o: o.dissolved_on, width=12),
    Column("状态", lambda o: o.get_status_display(), width=8),
])

PROBLEMS = Listing("orgs.problems", "结构检查", [
    Column("组织", lambda p: p.org.name, link=lambda p: reverse("orgs:detail", args=[p.org.pk]), width=30),
    Column("问题类别", lambda p: checks.LABELS[p.code], width=16),
    Column("问题", lambda p: p.message, width=60),
])

import datetime

import pytest
from openpyxl import load_workbook

from jiceng.core.errors import DomainError
from jiceng.exchange import imports, report
from jiceng.orgs import rollups
from jiceng.people import services as people_services
from jiceng.people.models import Membership, MembershipPeriod, Person

from . import messy
from .messy import HEADER, fullwidth, ident, member_row

D = datetime.date


def messy_roster(tmp_path, world):
    a = world.a
    updated = a.members[1].person
    x = ident(D(1980, 7, 9), "F", check="X")
    serial = (D(1990, 6, 1) - D(1899, 12, 30)).days
    rows = [
        # 4-6: the branch is a merged cell A..: 所在党组织 K4:K6
        member_row(1, "张　三", fullwidth(ident(D(1985, 3, 14))), "男", "1985.03", "2010年7月", "2011-7-1",
                   branch="甲园社区党支部", phone=fullwidth("13800000001")),
        member_row(2, "李四", x.lower(), "女", "1980年7月", D(2008, 6, 30), datetime.datetime(2009, 6, 30), "正式"),
        member_row(3, "王五", int(ident(D(1970, 1, 2), exact_float=True)), "男", 1970.01, serial, None, "预备党员"),
        # 7: an ID number kept as a number in Excel: its last digits are gone
        member_row(4, "赵六", 3.30521198501011e17, "男", "1985.01", "2010-07-01", "2011-07-01",
                   branch="甲县/甲城街道/甲园社区/甲园社区党支部"),
        # 8: birth month disagrees with the ID number
        member_row(5, "钱七", ident(D(1985, 3, 14)), "男", "1980.05", "2010-07-01", "2011-07-01",
                   branch="甲园社区党支部"),
        # 9: gender disagrees with the ID number
        member_row(6, "孙八", ident(D(1975, 5, 5), "F"), "男", None, "2000-07-01", "2001-07-01",
                   branch="甲园社区党支部"),
        # 10: 1985.1 typed into a number cell: January or October?
        member_row(7, "周九", ident(D(1960, 2, 2)), "男", None, 1985.1, None, "预备党员", branch="甲园社区党支部"),
        # 11: a branch that is not under 甲园社区
        member_row(8, "吴十", ident(D(1966, 6, 6)), "男", None, "1990-07-01", "1991-07-01", branch="乙园社区党支部"),
        # 12: the same person twice
        member_row(9, "张三", fullwidth(rows_first := ident(D(1985, 3, 14))), "男", None, "2010-07-01",
                   "2011-07-01", branch="甲园社区党支部"),
        # 13: an existing member, whose phone changes
        member_row(10, updated.name, updated.id_number, None, None, "2015-07-01", "2015-07-01",
                   branch="甲园社区党支部", phone="13900000002"),
    ]
    rows[8][2] = rows[0][2]  # row 12 repeats row 4's number
    path = messy.workbook(tmp_path / "花名册.xlsx", "甲园社区党支部党员花名册", HEADER, rows, merges=["K4:K6"])
    return path, x


EXPECTED = [
    (7, "公民身份号码", str(int(3.30521198501011e17)), "身份证号码以数值格式保存，末几位已丢失精度", "将该列设为文本格式后重新填写身份证号码"),
    (8, "出生年月", "1980.05", "出生日期 1980-05 与身份证号码中的 1985-03-14 不一致", "核对出生日期或身份证号码"),
    (9, "性 别", "男", "性别与身份证号码不一致（身份证号码第17位表示女）", "核对性别或身份证号码"),
    (10, "入党时间", "1985.1", "日期“1985.1”有歧义（1985年1月还是10月？）", "将该列设为文本，或写成 1985-10 这样的形式"),
    (11, "所在党组织", "乙园社区党支部", "在“甲园社区”之下没有名为“乙园社区党支部”的组织",
     "核对所在支部名称，或写出路径，如“甲园社区/…/乙园社区党支部”"),
]


def test_messy_roster_preview_reports_each_row(world, tmp_path):
    path, _ = messy_roster(tmp_path, world)
    before = Person.objects.count()
    outcome = imports.run(world.a.users["org_admin"], world.a.community, "members", path)
    assert outcome.header_row == 3
    assert outcome.mapping["id_number"] == "公民身份号码" and outcome.mapping["branch"] == "所在党组织"
    assert outcome.unmapped == ["序号", "备注"]
    got = [(p.row, p.column, p.value, p.reason, p.suggestion) for p in outcome.problems]
    dup = (12, "公民身份号码", got[-1][2], "与第 4 行的身份证号码重复", "同一人只保留一行")
    assert got == EXPECTED + [dup]
    assert outcome.counts == {"create": 3, "update": 1, "unchanged": 0, "skip": 6}
    assert Person.objects.count() == before
    wb = load_workbook(__import__("io").BytesIO(report.workbook(outcome.problems)))
    assert [tuple(r) for r in wb.active.iter_rows(min_row=2, values_only=True)][0] == tuple(
        v if v != "" else None for v in EXPECTED[0])


def test_commit_refuses_a_file_with_problems_and_writes_nothing(world, tmp_path):
    path, _ = messy_roster(tmp_path, world)
    counts = (Person.objects.count(), Membership.objects.count(), MembershipPeriod.objects.count())
    with pytest.raises(DomainError) as refused:
        imports.run(world.a.users["org_admin"], world.a.community, "members", path, commit=True)
    assert "没有写入任何数据" in refused.value.message
    assert counts == (Person.objects.count(), Membership.objects.count(), MembershipPeriod.objects.count())


def test_commit_skipping_invalid_rows(world, tmp_path):
    path, x = messy_roster(tmp_path, world)
    outcome = imports.run(world.a.users["org_admin"], world.a.community, "members", path, commit=True,
                          skip_invalid=True)
    assert outcome.counts == {"create": 3, "update": 1, "unchanged": 0, "skip": 6}
    zhang = Person.objects.get(name="张三")
    assert zhang.phone == "13800000001" and zhang.birth_date == D(1985, 3, 14) and zhang.gender == "M"
    m = zhang.membership
    assert (m.org, m.status, m.admitted_on, m.full_on, m.since) == (
        world.a.branch, "full", D(2010, 7, 1), D(2011, 7, 1), D(2011, 7, 1))
    assert list(MembershipPeriod.objects.filter(person=zhang).values_list("status", "start", "end")) == [
        ("probationary", D(2010, 7, 1), D(2011, 7, 1)), ("full", D(2011, 7, 1), None)]
    li = Person.objects.get(name="李四")
    assert li.id_number == x and li.membership.full_on == D(2009, 6, 30) and li.membership.org == world.a.branch
    wang = Person.objects.get(name="王五")
    assert wang.membership.status == "probationary" and wang.membership.since == D(1990, 6, 1)
    assert wang.membership.org == world.a.branch  # the merged cell K4:K6
    assert world.a.members[1].person.__class__.objects.get(pk=world.a.members[1].person_id).phone == "13900000002"
    assert rollups.mismatches() == []
    # the same file again: nothing new, the updated member unchanged
    again = imports.run(world.a.users["org_admin"], world.a.community, "members", path)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 4, "skip": 6}


def test_a_committed_roster_stores_what_register_member_stores(world, tmp_path):
    """The bulk path writes people, memberships, spans, counts and audit events as the
    one-by-one services do: same values, a verified audit chain, counts that match."""
    from jiceng.core import audit, crypto
    from jiceng.core.models import AuditEvent
    from jiceng.core.pinyin import keys as pinyin_keys

    path, x = messy_roster(tmp_path, world)
    events = AuditEvent.objects.count()
    imports.run(world.a.users["org_admin"], world.a.community, "members", path, commit=True, skip_invalid=True)
    li = Person.objects.get(name="李四")
    assert (li.gender, li.birth_date, li.ethnicity, li.phone, li.phone_index) == ("F", D(1980, 7, 9), "汉族", "", "")
    assert (li.name_initials, li.name_pinyin) == pinyin_keys("李四") and li.created_at is not None
    assert li.id_number_index == crypto.blind_index(x) and li.id_number_enc.startswith(crypto.PREFIX)
    zhang = Person.objects.get(name="张三")
    assert zhang.phone_index == crypto.blind_index("13800000001")
    m = li.membership
    event = AuditEvent.objects.get(action="people.register_member", object_id=str(m.pk))
    assert event.object_type == "people.membership" and event.actor == world.a.users["org_admin"]
    assert event.after == {"person": li.pk, "org": world.a.branch.pk, "status": "full", "since": "2009-06-30",
                           "person_new": {"name": "李四", "gender": "F", "ethnicity": "汉族", "birth_date": "1980-07-09",
                                          "id_number": crypto.mask_id_number(x), "phone": "", "education": li.education,
                                          "occupation": "", "residence": None}}
    assert AuditEvent.objects.count() == events + 3 + 1  # 3 registered, 1 updated (update_person: its phone)
    assert audit.verify()[0]
    assert rollups.mismatches() == []
    # ids were reserved up front: the next one-by-one insert follows on
    later = people_services.register_member(world.a.users["org_admin"], org=world.a.branch, status="applicant",
                                            since=D(2024, 3, 1), name="郑十一", id_number=ident(D(1990, 1, 1)))
    assert later.person_id > zhang.pk and later.pk > m.pk
    assert audit.verify()[0] and rollups.mismatches() == []

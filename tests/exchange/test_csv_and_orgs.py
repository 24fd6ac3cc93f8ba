import datetime

import pytest

from jiceng.core.errors import DomainError
from jiceng.exchange import imports
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization
from jiceng.people.models import Person

from . import messy
from .messy import ident

D = datetime.date


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_in_utf8_with_bom_and_in_gbk(world, tmp_path, encoding):
    number = ident(D(1990, 12, 1), "F", check="X")
    text = ("甲园社区党员名单\n"
            "党员姓名,出生日期,身份证号,性别,学历,入党日期,党员状态,所属支部,手机号码\n"
            f"陈　红,1990年12月,{number.lower()},女,大专,２０１５-０７-０１,预备党员,甲园社区党支部,１３６ ０００ ０００ ０１\n"
            f"刘明,1991.01,{ident(D(1991, 1, 5))},男,硕士,2016.07,积极分子,甲园社区党支部,\n")
    path = tmp_path / "名单.csv"
    path.write_bytes(text.encode(encoding))
    outcome = imports.run(world.a.users["secretary"], world.a.branch, "members", path)
    assert outcome.header_row == 2
    assert [(p.row, p.column, p.reason) for p in outcome.problems] == [
        (4, "党员状态", "入党积极分子须填写确定积极分子日期")]
    imports.run(world.a.users["secretary"], world.a.branch, "members", path, commit=True, skip_invalid=True)
    chen = Person.objects.get(name="陈红")
    assert (chen.id_number, chen.phone, chen.education, chen.birth_date) == (number, "13600000001", "college",
                                                                              D(1990, 12, 1))
    assert (chen.membership.status, chen.membership.admitted_on) == ("probationary", D(2015, 7, 1))
    assert rollups.mismatches() == []


def test_org_roster_with_parents_by_name_and_by_path(world, tmp_path):
    a = world.a
    path = messy.workbook(tmp_path / "组织.xlsx", "甲城街道基层党组织名册",
                          ["党组织名称", "组织类型", "上级党组织", "所属领域", "统一社会信用代码", "成立时间"], [
                              ["甲城商会党委", "党委", "甲城街道", "非公企业", None, "2019.05"],
                              ["甲城商会第一党支部", "党支部", "甲城街道/甲城商会党委", "非公企业", "91110000802100433B",
                               "2020年3月"],
                              ["甲园社区", "社区", "甲城街道", "城市社区", None, None],  # already there
                              ["乙园社区党支部", "党支部", "乙城街道", "城市社区", None, None],
                              ["甲城第二党支部", "党小组", "甲城街道", "城市社区", None, None],
                              ["坏代码党支部", "党支部", "甲城街道", "其他", "91110000802100433X", None],
                          ], header_row=2)
    outcome = imports.run(a.users["org_admin"], a.street, "orgs", path)
    assert [(p.row, p.column, p.reason) for p in outcome.problems] == [
        (6, "上级党组织", "在“甲城街道”之下没有名为“乙城街道”的组织"),
        (7, "上级党组织", "“党小组”不能设在“街道”之下"),
        (8, "统一社会信用代码", "统一社会信用代码校验位不正确"),
    ]
    assert outcome.counts == {"create": 2, "update": 0, "unchanged": 1, "skip": 3}
    with pytest.raises(DomainError):
        imports.run(a.users["org_admin"], a.street, "orgs", path, commit=True)
    assert not Organization.objects.filter(name="甲城商会党委").exists()
    imports.run(a.users["org_admin"], a.street, "orgs", path, commit=True, skip_invalid=True)
    branch = Organization.objects.get(name="甲城商会第一党支部")
    assert (branch.parent.name, branch.sector, branch.uscc, branch.founded_on) == (
        "甲城商会党委", "non_public_enterprise", "91110000802100433B", D(2020, 3, 1))
    assert rollups.mismatches() == []


def test_a_long_roster_keeps_the_audit_chain_and_the_counts(world, tmp_path):
    """Enough rows for the bulk path of the audit log (audit.BULK_FROM) and several batches'
    history summed: the chain verifies and `jiceng rollups check` (current counts and daily
    history) finds nothing."""
    from jiceng.core import audit
    from jiceng.core.models import AuditEvent

    rows = ["姓名,性别,公民身份号码,入党日期,转正日期,人员类别,所在支部,手机号码"]
    for i in range(audit.BULK_FROM * 2 + 1):
        born = D(1960, 1, 1) + datetime.timedelta(days=i * 37)
        admitted = born + datetime.timedelta(days=365 * 25)
        rows.append(f"党员{i % 7},{'男' if i % 2 else '女'},{ident(born, 'M' if i % 2 else 'F')},{admitted},"
                    f"{admitted + datetime.timedelta(days=365) if i % 3 else ''},{'正式党员' if i % 3 else '预备党员'},"
                    f"甲园社区党支部,{f'139{i:08d}' if i % 4 else ''}")
    path = tmp_path / "名单.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    people, events = Person.objects.count(), AuditEvent.objects.count()
    outcome = imports.run(world.a.users["secretary"], world.a.branch, "members", path, commit=True)
    assert outcome.counts["create"] == len(rows) - 1 and not outcome.problems
    assert Person.objects.count() == people + len(rows) - 1
    assert AuditEvent.objects.count() == events + len(rows) - 1
    assert audit.verify()[0]
    assert rollups.mismatches() == []
    assert Person.objects.get(phone_index__gt="", name="党员1", birth_date=D(1960, 2, 7)).phone == "13900000001"

"""The other lists that export (structural problems, development due, transfers, dues arrears,
organizational-life follow-ups, mobilization calls, members' community check-in): each xlsx read back equals the page's table, header and rows,
and none is readable from the sibling county."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from jiceng.core.models import AuditEvent
from jiceng.development import services as development_services
from jiceng.dues import months
from jiceng.dues import services as dues_services
from jiceng.life import services as life_services
from jiceng.transfers import services as transfer_services

from .. import builders as b
from ..checkin import matrix as checkin_matrix
from ..mobilization import matrix as mobilization_matrix
from .helpers import page_table, xlsx_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(world):
    """Something on every list in 甲县 and in 乙县."""
    for side in (world.a, world.b):
        mark = side.county.name[0]
        tiny = b.org(side.community, f"{mark}园社区第二党支部", "branch", "urban_community")
        b.member(tiny, f"{mark}六")
        development_services.apply(None, org=side.branch, applied_on=datetime.date(2025, 1, 6), name=f"{mark}申",
                                   id_number=b.id_number(datetime.date(2000, 1, 1)))
        transfer_services.issue_letter(None, side.members[2], f"{mark}外省某公司党支部", datetime.date(2026, 11, 2),
                                       "工作调动")
        person = side.members[0].person
        dues_services.set_profile(None, person, category="in_service", monthly_income=Decimal("5400"),
                                  applies_from=datetime.date(2026, 1, 1), note="基数")
        for i in range(3):
            dues_services.run_month(None, side.branch, months.add(datetime.date(2026, 1, 1), i))
        for day in (datetime.date(2026, 9, 5), datetime.date(2026, 10, 5), datetime.date(2026, 11, 5)):
            life_services.record_meeting(
                None, org=side.branch, kind="themed_day", held_on=day, topic=f"{mark}主题党日",
                attendance={m.person_id: "absent_unexcused" if m == side.members[3] else "present"
                            for m in side.members})
        checkin_matrix.objects(side)
        mobilization_matrix.objects(side)
    return world


LISTS = [
    ("mobilization:org", "street", {}, ["甲县下沉社区"]),
    ("checkin:org", "county", {}, ["甲一"]),
    ("orgs:problems", "county", {}, ["甲园社区第二党支部"]),
    ("development:dashboard", "county", {}, ["甲申"]),
    ("transfers:list", "branch", {"dir": "out", "status": "pending"}, ["甲三"]),
    ("dues:arrears", "county", {}, ["甲一"]),
    ("life:compliance", "county", {}, ["甲四"]),
]


@pytest.mark.parametrize("name,node,params,first_column", LISTS)
def test_xlsx_equals_the_page(client, lists, name, node, params, first_column):
    client.force_login(lists.a.users["org_admin"])
    org = getattr(lists.a, node)
    page = client.get(reverse(name, args=[org.pk]), params)
    headers, rows = page_table(page)
    assert sorted({r[0] for r in rows}) == first_column
    export = client.get(reverse(name, args=[org.pk]), {**params, "format": "xlsx"})
    assert xlsx_table(export) == (headers, rows)
    assert AuditEvent.objects.filter(action="export.xlsx", object_id=str(org.pk)).exists()
    for role, user in lists.a.users.items():
        client.force_login(user)
        foreign = client.get(reverse(name, args=[getattr(lists.b, node).pk]), {**params, "format": "xlsx"})
        assert foreign.status_code == 404, role


def test_arrears_xlsx_has_every_member_owing(client, lists):
    client.force_login(lists.a.users["org_admin"])
    rows = xlsx_table(client.get(reverse("dues:arrears", args=[lists.a.county.pk]), {"format": "xlsx"}))[1]
    assert rows == [["甲一", "甲园社区党支部", "2026-01", "3", "243.00"]]


def test_request_queue_xlsx_has_the_queue(client, lists):
    from django.core.files.base import ContentFile

    from jiceng.requests import choices as request_choices
    from jiceng.requests import services as request_services

    numbers = {}
    for side in (lists.a, lists.b):
        case, _ = request_services.submit(
            request_choices.WEB, category="street_vending", description=f"{side.county.name}城区路口有流动摊贩占道经营",
            phone="13812345678", area=side.county, photos=[ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64, name="a.png")])
        request_services.dispatch(None, case, side.street)
        numbers[side.county.name] = case.tracking_no
    client.force_login(lists.a.users["org_admin"])
    page = client.get(reverse("requests:queue")).content.decode()
    assert numbers["甲县"] in page and "format=xlsx" in page
    headers, rows = xlsx_table(client.get(reverse("requests:queue"), {"format": "xlsx"}))
    assert headers == ["受理编号", "状态", "时限", "类别", "诉求内容", "承办单位", "受理时间"]
    assert [r[0] for r in rows] == [numbers["甲县"]]
    assert rows[0][4] == "甲县城区路口有流动摊贩占道经营" and rows[0][5] == "甲城街道" and rows[0][2] in page
    assert "13812345678" not in str(rows)

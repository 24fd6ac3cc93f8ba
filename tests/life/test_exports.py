import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from jiceng.life import services

pytestmark = pytest.mark.django_db


def test_meeting_book_pdf_reads_back(client, world):
    m = world.a.members
    services.record_meeting(None, org=world.a.branch, kind="general_assembly", held_on=datetime.date(2025, 6, 2),
                            topic="讨论接收预备党员", place="党群服务中心", host=m[0].person,
                            attendance={m[0].person_id: "present", m[1].person_id: "present",
                                        m[2].person_id: "present", m[3].person_id: "absent_sick"},
                            votes=[{"motion": "接收甲某为预备党员", "yes": 3, "no": 0, "abstain": 0}])
    client.force_login(world.a.users["secretary"])
    response = client.get(reverse("life:book_pdf", args=[world.a.branch.pk]), {"year": 2025})
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("甲园社区党支部 2025年组织生活记录本", "支部委员会：甲支委会", "支部党员大会：讨论接收预备党员",
                     "党群服务中心", "甲四（病假）", "接收甲某为预备党员：赞成 3，反对 0，弃权 0", "通过"):
        assert expected in text.replace("\n", ""), expected
    assert client.get(reverse("life:book_pdf", args=[world.b.branch.pk])).status_code == 404


def test_compliance_xlsx_reads_back(client, world):
    client.force_login(world.a.users["org_admin"])
    response = client.get(reverse("life:compliance_xlsx", args=[world.a.county.pk]), {"year": 2025})
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["按类型", "按月", "未达标", "需跟进"]
    kinds = {row[0]: row[1:] for row in wb["按类型"].iter_rows(min_row=2, values_only=True)}
    assert kinds["支部党员大会"] == (0, 4, 0)   # 2025 is over: four quarters owed, none held
    assert kinds["谈心谈话"] == (0, 1, 0)       # one talk of four members
    shortfalls = list(wb["未达标"].iter_rows(min_row=2, values_only=True))
    assert ("甲园社区党支部", "主题党日", "2025-01", 0, 1, "2025年1月主题党日应开 1 次，实开 0 次") in shortfalls
    assert all(row[0] == "甲园社区党支部" for row in shortfalls)

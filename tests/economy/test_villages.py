import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.core.errors import DomainError
from jiceng.economy import queries, services
from jiceng.economy.models import Dividend

from tests import builders as b

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def income(village, source, amount, year=2025):
    return services.record_income(None, village=village, year=year, source=source, amount=amount, today=TODAY)


@pytest.fixture
def incomes(county):
    """By hand, against the 50,000 line (operating income only counts):
    上村 49,999.99 operating + 100,000 subsidy -> weak (under the line, rich total)
    中村 50,000.00 operating                   -> not weak (at the line)
    下村 50,000.01 operating                   -> not weak (just over)
    西村 nothing                                -> weak (0)"""
    v = county.villages
    income(v["上村"], "operating", "49999.99")
    income(v["上村"], "subsidy", "100000")
    income(v["中村"], "operating", "30000")
    income(v["中村"], "operating", "20000")
    income(v["下村"], "operating", "50000.01")
    return v


def test_weak_line_just_under_at_and_over(county, incomes):
    line = queries.weak_line(2025)
    assert line == Decimal("50000")
    rows = [(v.name, v.income, queries.is_weak(v.operating, line))
            for v in queries.villages(county.users["county_admin"], county.county, 2025)]
    assert rows == [("西村", Decimal("0"), True), ("中村", Decimal("50000"), False),
                    ("下村", Decimal("50000.01"), False), ("上村", Decimal("149999.99"), True)]
    assert queries.weak_line(2016) is None  # before the policy took effect


def test_subtree_list_is_scoped_and_sorted(county, incomes):
    east = [v.name for v in queries.villages(county.users["east_admin"], county.county, 2025, descending=True)]
    assert east == ["上村", "下村", "中村"]  # 西村 lies in 西乡, outside the grant
    assert [v.name for v in queries.villages(county.users["village_secretary"], county.county, 2025)] == ["上村"]
    client = Client()
    client.force_login(county.users["east_admin"])
    page = client.get(reverse("economy:list", args=[county.east.pk]), {"year": 2025}).content.decode()
    assert "上村" in page and "西村" not in page and "薄弱" in page and "<svg" in page
    assert client.get(reverse("economy:list", args=[county.west.pk])).status_code == 404
    # a non-village node's village page redirects to its list
    assert client.get(reverse("economy:village", args=[county.east.pk])).status_code == 302


def test_list_pages_fifty_villages(county):
    for i in range(55):
        village = b.org(county.west, f"新村{i:02d}", "village", "rural")
        services.record_income(None, village=village, year=2025, source="other", amount=i + 1, today=TODAY)
    client = Client()
    client.force_login(county.users["county_admin"])
    first = client.get(reverse("economy:list", args=[county.county.pk]), {"year": 2025}).content.decode()
    assert "第 1 / 2 页" in first and "西村" in first  # poorest first: 0 income


def test_cooperative_dividends_per_household(county):
    village = county.villages["上村"]
    secretary = county.users["village_secretary"]
    coop = services.add_cooperative(secretary, village=village, name="上村果蔬专业合作社")
    wang = services.add_household(secretary, coop, head_name="王大", size=4)
    li = services.add_household(secretary, coop, head_name="李二", size=2)
    services.record_dividend(secretary, wang, year=2025, amount="1600", today=TODAY)
    services.record_dividend(secretary, li, year=2025, amount="800", today=TODAY)
    services.record_dividend(secretary, wang, year=2025, amount="1650", today=TODAY)  # a correction
    services.record_dividend(secretary, wang, year=2024, amount="1000", today=TODAY)
    assert dict(Dividend.objects.filter(year=2025).values_list("household__head_name", "amount")) == {
        "王大": Decimal("1650"), "李二": Decimal("800")}
    with pytest.raises(DomainError) as exc:
        services.add_household(secretary, coop, head_name="赵三", size=0)
    assert exc.value.code == "size_invalid"
    with pytest.raises(DomainError):
        services.add_household(county.users["east_admin"].__class__.objects.create_user("stranger"), coop,
                               head_name="赵三", size=3)
    client = Client()
    client.force_login(secretary)
    page = client.get(reverse("economy:cooperative", args=[coop.pk]), {"year": 2025}).content.decode()
    assert "王大" in page and "1650" in page and "2450" in page and "6 人" in page
    response = client.post(reverse("economy:dividend", args=[coop.pk]),
                           {"household": li.pk, "year": datetime.date.today().year, "amount": "900"})
    assert response.status_code == 302
    assert Dividend.objects.get(household=li, year=datetime.date.today().year).amount == Decimal("900")

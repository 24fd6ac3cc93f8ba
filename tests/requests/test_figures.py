"""Figures of residents' requests: the three rates on a fixture counted by hand, by category,
by unit, the league table, period boundaries, merged requests left out, the public page
without personal data, and the kept rollup equal to a recount after a sequence of changes."""

import datetime
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from jiceng.core import policy
from jiceng.orgs import services as org_services
from jiceng.requests import choices, figures, services
from jiceng.requests.figure_views import public_period
from jiceng.requests.models import Request, RequestCount
from tests import builders as b

PHONE = "13812345678"
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def submit(city, category, where, received_at, **fields):
    fields.setdefault("description", f"{where}的诉求：请尽快处理，谢谢")
    return services.submit(choices.WEB, category=category, description=fields.pop("description"), phone=PHONE,
                           lon=city.points[where][0], lat=city.points[where][1], now=received_at, **fields)[0]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def league_from_one(settings, tmp_path):
    """Rank every unit with at least one request (the shipped minimum is 10)."""
    from django.conf import settings as django_settings

    (tmp_path / "requests.toml").write_text('[league_min_requests]\n[[league_min_requests.values]]\n'
                                            'from = 2000-01-01\nvalue = 1\n')
    settings.JICENG_POLICY_DIRS = [*django_settings.JICENG_POLICY_DIRS, tmp_path]
    policy.registry.cache_clear()
    yield
    policy.registry.cache_clear()


@pytest.fixture
def handled(city):
    """Eight requests in 甲县, received relative to now (the services stamp accept/resolve with
    the real clock), handled as below. `hours` is the time from receipt to accept/resolve.

      R1 city_appearance 甲一 (owner grid 甲一)   3 h ago: accepted, resolved in time, 满意
      R2 city_appearance 甲一 (owner grid 甲一)   3 h ago: accepted, resolved in time, 基本满意
      R3 city_appearance 甲二 (owner grid 甲二)  40 d ago: accepted late, resolved late, 不满意
      R4 property_management 甲二 (owner 甲社区)  3 h ago: accepted in time, open
      R5 property_management 乙一 (owner 乙社区) 40 d ago: never accepted, open past resolve_by
      R6 street_vending 乙一 (owner 城关街道)      3 h ago: open, respond_by (4 h) not yet passed
      R7 street_vending 乙二 (owner 城关街道)      3 h ago: merged into R6 — left out everywhere
      R8 city_appearance 东村 (owner grid 东村)    3 h ago: accepted, resolved in time, not rated
    40 days hold at least 13 working days whatever the holidays, so R3 and R5 are late."""
    now = timezone.now()
    admin = city.users["county_admin"]
    recent, old = now - 3 * HOUR, now - 40 * DAY
    r = {
        1: submit(city, "city_appearance", "甲一", recent),
        2: submit(city, "city_appearance", "甲一", recent),
        3: submit(city, "city_appearance", "甲二", old),
        4: submit(city, "property_management", "甲二", recent),
        5: submit(city, "property_management", "乙一", old),
        6: submit(city, "street_vending", "乙一", recent),
        7: submit(city, "street_vending", "乙二", recent),
        8: submit(city, "city_appearance", "东村", recent),
    }
    for i in (1, 2, 3, 4, 8):
        services.accept(admin, r[i])
    for i in (1, 2, 3, 8):
        services.resolve(admin, r[i], "已清运并复查")
    for i, rating in ((1, choices.SATISFIED), (2, choices.BASIC), (3, choices.DISSATISFIED)):
        services.rate(r[i], rating)
    services.merge(admin, r[7], r[6])
    start, end = figures.local_day(old), timezone.localdate() + DAY
    return r, start, end


def report(node, start, end, children=None):
    children = list(node.children.order_by("path")) if children is None else children
    return figures.report(node, children, start, end)


def test_the_three_rates_of_the_county_counted_by_hand(city, handled):
    _, start, end = handled
    total = report(city.county, start, end).total
    # received: R1–R8 less the merged R7 = 7
    assert total.received == 7
    # responded in time: R1, R2, R4, R8 (R3 late, R5 and R6 not yet) → 4 / 7
    assert total.responded_in_time == 4 and total.response_rate == pytest.approx(4 / 7)
    # resolved: R1, R2, R3, R8 → 4 / 7; in time: R1, R2, R8 → 3 / 7
    assert total.resolved == 4 and total.resolution_rate == pytest.approx(4 / 7)
    assert total.resolved_in_time_rate == pytest.approx(3 / 7)
    # rated: R1 满意, R2 基本满意, R3 不满意 → (1 + 1) / 3
    assert total.rated == 3 and total.satisfaction_rate == pytest.approx(2 / 3)
    # overdue: R3 resolved late + R5 open past resolve_by (R4, R6 open but not yet due)
    assert total.overdue == 2 and total.open_overdue == 1
    # medians: responded R1, R2, R4, R8 at 3 h and R3 at 960 h → the 3rd of 5 is 3 h;
    # resolved R1, R2, R8 at 3 h and R3 at 960 h → the 2nd of 4 is 3 h. 3 h lies in the
    # bucket [2√2 h, 4 h), reported as its geometric middle 2√2·2^¼ ≈ 3.36 h.
    for median in (total.median_respond, total.median_resolve):
        assert median.bound == "≈" and median.hours == pytest.approx(2 * 2 ** 0.5 * 2 ** 0.25)
        assert abs(median.hours / 3 - 1) < 0.19


def test_by_category(city, handled):
    _, start, end = handled
    rows = {code: stats for code, _, stats in report(city.county, start, end).by_category}
    assert list(rows) == ["city_appearance", "property_management", "street_vending"]  # most first
    appearance = rows["city_appearance"]  # R1, R2, R3, R8
    assert (appearance.received, appearance.responded_in_time, appearance.resolved, appearance.resolved_in_time,
            appearance.rated, appearance.overdue) == (4, 3, 4, 3, 3, 1)
    assert appearance.satisfaction_rate == pytest.approx(2 / 3)
    property_ = rows["property_management"]  # R4 accepted in time, R5 open and overdue
    assert (property_.received, property_.responded_in_time, property_.resolved, property_.overdue) == (2, 1, 0, 1)
    assert property_.satisfaction_rate is None  # nobody rated: no rate, not 0 %
    vending = rows["street_vending"]  # R6 only: R7 is merged into it
    assert (vending.received, vending.responded_in_time, vending.overdue) == (1, 0, 0)


def test_by_unit_with_the_nodes_own_requests(city, handled):
    _, start, end = handled
    units = {u.org.name if u.org else "本级": u.stats for u in report(city.county, start, end).units}
    assert set(units) == {"城关街道", "东镇"}  # departments had no requests: not listed
    street = units["城关街道"]  # R1–R6: in time R1, R2, R4; resolved R1, R2, R3 (R3 late); overdue R3, R5
    assert (street.received, street.responded_in_time, street.resolved, street.resolved_in_time,
            street.overdue) == (6, 3, 3, 2, 2)
    assert units["东镇"].received == 1 and units["东镇"].satisfaction_rate is None  # R8, not rated
    # One level down: 甲社区 holds R1–R4, 乙社区 R5, and the street itself owns R6.
    units = {u.org.name if u.org else "本级": u.stats for u in report(city.street, start, end).units}
    assert {name: s.received for name, s in units.items()} == {"甲社区": 4, "乙社区": 1, "本级": 1}
    assert units["乙社区"].overdue == 1 and units["本级"].overdue == 0


def test_league_ranks_by_the_mean_of_the_three_rates(city, handled, league_from_one):
    _, start, end = handled
    league = report(city.county, start, end).league
    # 东镇: response 1/1, resolution 1/1, no ratings → (1 + 1) / 2 = 1
    # 城关街道: response 3/6, resolution 3/6, satisfaction 2/3 → (0.5 + 0.5 + 0.667) / 3 ≈ 0.556
    assert [(u.rank, u.org.name) for u in league] == [(1, "东镇"), (2, "城关街道")]
    assert league[1].score == pytest.approx((0.5 + 0.5 + 2 / 3) / 3)


def test_league_ties_share_a_rank_in_name_order_and_small_units_are_unranked(city):
    def unit(name, received, responded):
        stats = figures.Stats()
        stats.values.update(received=received, responded_in_time=responded, resolved=received)
        return figures.Unit(b.org(city.county, name, "street"), stats)

    units = [unit("西街道", 20, 10), unit("北街道", 20, 10), unit("南街道", 20, 20), unit("小街道", 3, 3)]
    league = figures.league(units, datetime.date(2026, 1, 1))
    assert [(u.rank, u.org.name) for u in league] == [(1, "南街道"), (2, "北街道"), (2, "西街道"), (None, "小街道")]


def test_period_boundaries_are_local_days_and_months(city):
    """Requests at the edges of local days and of a month; every period agrees with a count of
    the requests received in it (month rows for whole months, day rows for the rest)."""
    tz = timezone.get_default_timezone()
    first = (timezone.localdate() - 70 * DAY).replace(day=1)  # a month start, two months back or so
    moments = [datetime.datetime.combine(first, datetime.time(0, 0), tzinfo=tz),               # first instant
               datetime.datetime.combine(first - DAY, datetime.time(23, 59, 59), tzinfo=tz),  # the day before
               datetime.datetime.combine(first + 14 * DAY, datetime.time(12), tzinfo=tz),
               datetime.datetime.combine(first + 40 * DAY, datetime.time(8), tzinfo=tz),
               datetime.datetime.combine(first + 60 * DAY, datetime.time(23, 30), tzinfo=tz)]
    for moment in moments:
        submit(city, "city_appearance", "甲一", moment)
    assert report(city.county, first, first + DAY).total.received == 1
    assert report(city.county, first - DAY, first).total.received == 1
    days = [figures.local_day(r.received_at) for r in Request.objects.all()]
    month_after = (first + 32 * DAY).replace(day=1)
    periods = [(first, month_after), (first - DAY, month_after + DAY), (first + DAY, first + 61 * DAY),
               (first - 5 * DAY, timezone.localdate() + DAY), (first + 15 * DAY, first + 40 * DAY),
               (first + 15 * DAY, first + 41 * DAY)]
    for start, end in periods:
        assert report(city.county, start, end).total.received == sum(start <= d < end for d in days), (start, end)


def test_merged_requests_are_left_out(city):
    now = timezone.now()
    one = submit(city, "street_vending", "乙一", now - HOUR)
    two = submit(city, "street_vending", "乙二", now - HOUR)
    start, end = timezone.localdate() - DAY, timezone.localdate() + DAY
    assert report(city.county, start, end).total.received == 2
    services.merge(city.users["county_admin"], two, one)
    after = report(city.county, start, end)
    assert after.total.received == 1
    assert figures.located([city.grids["乙一"].pk, city.grids["乙二"].pk], start, end) == {
        city.grids["乙一"].pk: 1, city.grids["乙二"].pk: 0}
    services.resolve(city.users["county_admin"], one, "已劝离")
    assert report(city.county, start, end).total.resolved == 1  # the merged one is not counted again


def test_medians_are_within_a_fifth_of_the_exact_value():
    for hours in (0.3, 1, 2.5, 7, 30, 100, 500):
        elapsed = datetime.timedelta(hours=hours)
        histogram = [0] * len(figures.RESPOND)
        histogram[figures.bucket(elapsed)] = 3
        assert abs(figures.median(histogram).hours / hours - 1) < 0.19
    assert figures.median([1] + [0] * 25).bound == "<"
    assert figures.median([0] * 25 + [1]).bound == ">"
    assert figures.median([0] * 26) is None


def test_kept_rollup_equals_a_recount_after_a_sequence_of_changes(city, handled):
    r, start, end = handled
    admin = city.users["county_admin"]
    assert figures.check() == []
    triaged = services.submit(choices.WEB, category="other", description="没有定位的诉求内容", phone=PHONE)[0]
    services.dispatch(admin, triaged, city.grids["乙二"])       # owner county → grid
    services.dispatch(admin, r[4], city.communities["乙"])      # owner moves, response cleared
    services.escalate_overdue(now=timezone.now() + 30 * DAY)   # owners move up the tree
    assert figures.check() == []
    # A community moves to another street: its rows leave 城关街道 and join the new street.
    new_street = b.org(city.county, "新街道", "street", "urban_community")
    org_services.move_org(None, city.communities["甲"], new_street)
    assert figures.check() == []
    city.communities["甲"].refresh_from_db()
    units = {u.org.name: u.stats.received for u in report(city.county, start, end).units if u.org}
    assert units["新街道"] == report(city.communities["甲"], start, end).total.received > 0
    # A tampered row is found and named; rebuild restores the recount.
    row = RequestCount.objects.filter(node=city.county, span=RequestCount.MONTH).first()
    RequestCount.objects.filter(pk=row.pk).update(received=row.received + 5)
    wrong = figures.check()
    assert [(m.node_id, m.column, m.kept - m.recount) for m in wrong] == [(city.county.pk, "received", 5)]
    figures.rebuild()
    assert figures.check() == []


def test_rebuild_recounts_from_the_requests_alone(city, handled):
    _, start, end = handled
    before = report(city.county, start, end).total.values
    RequestCount.objects.all().delete()
    assert report(city.county, start, end).total.received == 0
    figures.rebuild()
    assert report(city.county, start, end).total.values == before


# -- pages -------------------------------------------------------------------------------------

def test_staff_page_shows_the_rates_tables_and_map(client, city, handled):
    _, start, end = handled
    client.force_login(city.users["county_admin"])
    page = client.get(reverse("figures:staff"), {"node": city.county.pk, "start": start, "end": end})
    assert page.status_code == 200
    text = page.content.decode()
    assert "57.1%" in text and "66.7%" in text and "约3.4小时" in text  # 4/7, 2/3, the median
    assert "市容环境卫生" in text and "城关街道" in text and "东镇" in text
    assert text.count("<path ") == 5  # the county's five grids, each coloured by its count
    assert "甲社区一网格：2 件" in text and "乙社区二网格：0 件" in text  # R7 is merged: not on the map


def test_staff_page_is_scoped_and_starts_at_the_users_own_node(client, city, handled):
    client.force_login(city.users["outsider"])
    assert client.get(reverse("figures:staff"), {"node": city.county.pk}).status_code == 404
    client.force_login(city.users["grid_worker"])
    page = client.get(reverse("figures:staff"))
    assert page.status_code == 200 and "甲社区一网格 · 接诉即办统计" in page.content.decode()
    assert client.get(reverse("figures:staff"), {"node": city.street.pk}).status_code == 404  # above the grid


@pytest.mark.parametrize("query, message", [
    ({"start": "2025-13-01"}, "起始日期应写作 年-月-日"),
    ({"end": "明天"}, "截止日期应写作 年-月-日"),
    ({"start": "2025-03-01", "end": "2025-03-01"}, "截止日期应晚于起始日期（2025-03-01）"),
])
def test_staff_page_explains_a_bad_period(client, city, query, message):
    client.force_login(city.users["county_admin"])
    page = client.get(reverse("figures:staff"), {"node": city.county.pk, **query})
    assert page.status_code == 400 and message in page.content.decode()


def test_public_page_has_the_figures_and_no_personal_data(client, city, handled):
    r, _, _ = handled
    client.force_login(city.users["county_admin"])  # a logged-in visitor gets the same anonymous page
    year = figures.local_day(r[1].received_at).year
    page = client.get(reverse("figures:public", args=["330521"]), {"period": year})
    assert page.status_code == 200 and "max-age=300" in page["Cache-Control"]
    text = page.content.decode()
    assert "甲县 · 接诉即办公开数据" in text and "城关街道" in text and "市容环境卫生" in text
    assert PHONE not in text and PHONE[-4:] not in text
    assert "county_admin" not in text and "退出" not in text
    for request in Request.objects.all():
        assert request.tracking_no not in text and request.description not in text
    assert not re.search(r"1[3-9]\d{9}", text)


def test_public_page_is_cached_briefly(client, city):
    url = reverse("figures:public", args=["330521"])
    before = client.get(url).content
    submit(city, "city_appearance", "甲一", timezone.now())
    assert client.get(url).content == before  # within the policy's seconds: the same page
    cache.clear()
    assert client.get(url).content != before


def test_public_page_refuses_unknown_places_and_periods(client, city):
    page = client.get(reverse("figures:public", args=["999999"]))
    assert page.status_code == 404 and "未知的辖区代码：999999" in page.content.decode()
    page = client.get(reverse("figures:public", args=["330521"]), {"period": "2025-13"})
    assert page.status_code == 400 and "统计期应为 2000 年至今的年份" in page.content.decode()


def test_public_periods():
    today = datetime.date(2026, 5, 17)
    assert public_period("", today) == (datetime.date(2026, 1, 1), datetime.date(2026, 5, 18), "2026")
    assert public_period("2025", today) == (datetime.date(2025, 1, 1), datetime.date(2026, 1, 1), "2025")
    assert public_period("2025-12", today) == (datetime.date(2025, 12, 1), datetime.date(2026, 1, 1), "2025-12")
    assert public_period("2026-2", today)[:2] == (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))



@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite writes one transaction at a time (BEGIN IMMEDIATE), and its in-memory "
                           "test database refuses a second writer outright; nothing can race there")
@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_keep_the_rollup_exact(city):
    """Writers in parallel threads (their own connections) add to the same county and day rows:
    none is lost and none deadlocks (every writer takes the rows in one order)."""
    admin, errors = city.users["county_admin"], []

    def work(n):
        try:
            for i in range(3):
                where = ["甲一", "甲二", "乙一", "乙二"][(n + i) % 4]
                request = submit(city, ["city_appearance", "street_vending"][i % 2], where, timezone.now())
                if i:
                    services.accept(admin, request)
        except Exception as exc:  # reported below: an assertion in a thread would be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = report(city.county, timezone.localdate(), timezone.localdate() + DAY).total
    assert (total.received, total.responded_in_time) == (18, 12)
    assert figures.check() == []

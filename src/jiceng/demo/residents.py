"""Residents' requests (接诉即办) for the demo: four months of them in every county, each at
a point inside one of its grids and routed as `requests.services.route` routes, most of them
answered in time and rated, a few late, a few still open, and a few without a location in
the county's triage queue. Written in bulk, like the rest of the demo; the figures rollup is
rebuilt with the other rollups."""

import datetime
import random

from django.utils import timezone
from shapely.geometry import Point, shape

from jiceng.core import crypto
from jiceng.orgs.models import Organization
from jiceng.requests import categories, choices, routing, services, sla
from jiceng.requests.models import Event, Request

DAYS = 120
# What residents write about, by category (a place from the grid's name is put in front).
TEXTS = {
    "city_appearance": ["小区门口垃圾桶已经三天没有清运，气味很大", "楼道和绿化带里堆了很多建筑垃圾", "路边电线杆上贴满小广告"],
    "street_vending": ["早上菜场门口流动摊贩占了半条路，车过不去", "夜宵摊晚上摆到人行道上，行人只能走机动车道"],
    "illegal_construction": ["一楼住户在公共绿地上搭了彩钢棚", "顶楼有人在加盖房间，担心影响楼体安全"],
    "road_lighting": ["路口的路灯坏了一个多星期，晚上很黑", "人行道地砖松动，老人差点摔倒"],
    "utilities": ["小区停水一整天了，没有看到通知", "楼下燃气管道有异味，请尽快来看看"],
    "noise": ["工地夜里十一点以后还在施工，噪音很大", "楼下商铺音响声音太大，晚上影响休息"],
    "property_management": ["物业不按时清理化粪池，地下室有积水", "电梯坏了一周物业还没修好"],
    "neighbour_dispute": ["楼上漏水到我家，沟通几次都没有解决", "邻居把杂物堆在消防通道，协商不成"],
    "social_assistance": ["独居老人想申请助餐服务，不知道怎么办理", "家里有残疾人，想了解康复补贴政策"],
    "safety_hazard": ["小区里电动车在楼道里充电，存在火灾隐患", "路边一棵大树被风吹歪了，随时可能倒下"],
    "market_consumer": ["在超市买到过期食品，商家拒绝退换", "小饭馆后厨卫生很差，希望有人检查"],
    "policy_enquiry": ["想咨询灵活就业人员怎么缴纳社保", "孩子入学需要准备哪些材料"],
    "other": ["希望在小区附近增设一个公交站", "公园健身器材损坏，希望修复"],
}
RESULTS = ["已到现场处置完毕，并向来电人反馈", "已协调相关单位整改，现场已恢复正常", "已答复政策规定，来电人表示理解",
           "已约谈相关责任人，限期整改并回访"]


def _point_in(area, rng):
    polygon = shape(area)
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(50):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return lon, lat
    point = polygon.representative_point()
    return point.x, point.y


def _moment(rng, day):
    local = datetime.datetime.combine(day, datetime.time(rng.randrange(7, 22), rng.randrange(60)))
    return timezone.make_aware(local)


def load(seed, today, per_county):
    """Generate `per_county` requests in every county that has grids; return how many."""
    rng = random.Random(seed * 7919)
    now = min(timezone.now(), timezone.make_aware(datetime.datetime.combine(today, datetime.time(18, 0))))
    cats = categories.all_categories(on=today)
    grids = list(Organization.objects.filter(kind="grid", area__isnull=False).select_related("parent")
                 .order_by("path"))
    counties = {c.path: c for c in Organization.objects.filter(kind="county")}
    by_county = {}
    for grid in grids:
        county = next((counties[p] for p in grid.ancestor_paths() if p in counties), None)
        if county:
            by_county.setdefault(county.pk, (county, []))[1].append(grid)
    rows, outcomes, numbers = [], [], set()
    for county, county_grids in by_county.values():
        for _ in range(per_county):
            cat = rng.choice(cats)
            received = _moment(rng, today - datetime.timedelta(days=rng.randrange(DAYS)))
            if received > now:  # today, later than the load: earlier today instead
                received = now - datetime.timedelta(minutes=rng.randrange(5, 300))
            grid = rng.choice(county_grids)
            text = f"{grid.parent.name}：{rng.choice(TEXTS.get(cat.code, TEXTS['other']))}"
            located = rng.random() > 0.03
            request = Request(channel=rng.choice([choices.WEB, choices.WEB, choices.WECHAT, choices.OPEN311]),
                              category=cat.code, description=text, received_at=received, owner=county,
                              status=choices.TRIAGE, triage_reason="未提供定位，待人工分派")
            if located:
                lon, lat = _point_in(grid.area, rng)
                where = routing.Location(grid.pk, grid.parent_id, False, 0.0)
                request.grid, owner, _, reason = services.route(cat, where, county)
                request.lon, request.lat, request.owner = lon, lat, owner or county
                request.status = choices.ASSIGNED if owner else choices.TRIAGE
                request.triage_reason = reason
            phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
            request.phone_enc, request.phone_index = crypto.encrypt(phone), crypto.blind_index(phone)
            deadlines = sla.deadlines(cat, received)
            request.respond_by, request.resolve_by = deadlines.respond_by, deadlines.resolve_by
            while (number := f"{timezone.localtime(received):%y%m%d}{rng.randrange(10**6):06d}") in numbers:
                pass
            numbers.add(number)
            request.tracking_no = number
            rows.append(request)
            outcomes.append(_outcome(rng, request, cat, now) if request.status == choices.ASSIGNED else [])
    Request.objects.bulk_create(rows, batch_size=2000)
    events = []
    for request, steps in zip(rows, outcomes):
        events.append(Event(request=request, kind="submitted", at=request.received_at,
                            note=dict(choices.CHANNELS)[request.channel]))
        events.append(Event(request=request, kind="routed" if request.status != choices.TRIAGE else "triaged",
                            at=request.received_at, org=request.owner, note=request.triage_reason))
        events += [Event(request=request, kind=kind, at=at, org=request.owner, note=note) for kind, at, note in steps]
    Event.objects.bulk_create(events, batch_size=5000)
    return len(rows)


def _outcome(rng, request, cat, now):
    """Set what became of an assigned request by `now`; return its later steps as events."""
    steps = []
    responded = request.received_at + datetime.timedelta(hours=cat.respond_hours * rng.uniform(0.05, 1.15))
    if responded > now or rng.random() < 0.05:
        return steps
    request.status, request.responded_at = choices.ACCEPTED, responded
    steps.append(("accepted", responded, ""))
    window = request.resolve_by - request.received_at
    resolved = responded + window * rng.uniform(0.1, 1.25)
    if resolved > now or rng.random() < 0.08:
        return steps
    request.status, request.resolved_at, request.result = choices.RESOLVED, resolved, rng.choice(RESULTS)
    steps.append(("resolved", resolved, request.result))
    rated = resolved + datetime.timedelta(hours=rng.uniform(1, 72))
    if rated <= now and rng.random() < 0.6:
        request.rating = rng.choices([choices.SATISFIED, choices.BASIC, choices.DISSATISFIED], [72, 20, 8])[0]
        request.rated_at = rated
        steps.append(("rated", rated, dict(choices.RATINGS)[request.rating]))
    return steps

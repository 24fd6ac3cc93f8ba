"""Escalation and 吹哨报到 driven by the real task queue: the task is enqueued on the
django-tasks database backend and run by `jiceng worker --batch`, as in production."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jiceng.core import schedule
from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent, Notice
from jiceng.requests import choices, services
from jiceng.requests.models import Request
from jiceng.requests.tasks import escalate_overdue_requests
from tests import builders as b

pytestmark = pytest.mark.django_db(transaction=True)

# Monday 2025-03-03 09:00. A 市容环境卫生 request is to be responded to within 24 hours
# (Tuesday 09:00) and resolved within 5 working days; the policy escalates 24 hours past a deadline.
RECEIVED = timezone.make_aware(datetime.datetime(2025, 3, 3, 9, 0))
HOUR = datetime.timedelta(hours=1)


def run_queue():
    call_command("worker", batch=True, no_schedule=True, startup_delay=False, verbosity=0)


def escalate(at):
    """Enqueue the task for the moment `at`, run the queue, return what the task returned."""
    result = escalate_overdue_requests.enqueue(now=at.isoformat())
    run_queue()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    return result.return_value


def submit(city, category="city_appearance", where="甲一", received=RECEIVED):
    lon, lat = city.points[where]
    return services.submit(choices.WEB, category=category, description="楼下垃圾桶满了没人清", phone="13812345678",
                           lon=lon, lat=lat, now=received)[0]


def owner(request):
    request.refresh_from_db()
    return request.owner


def titles(user):
    return sorted(Notice.objects.filter(user=user).values_list("title", flat=True))


def test_overdue_requests_move_up_one_level_per_grace_period_up_to_the_county(city):
    waiting = submit(city)                                    # never accepted: respond_by Tuesday 09:00
    working = submit(city)                                    # accepted: resolve_by is what counts
    services.accept(city.users["grid_worker"], working)
    department = submit(city, "illegal_construction")         # 城市管理局, directly under the county
    done = submit(city)
    services.resolve(city.users["grid_worker"], done, "已清运")
    respond_by = waiting.respond_by
    assert respond_by == RECEIVED + 24 * HOUR

    assert escalate(respond_by + 24 * HOUR) == {"escalated": 0, "late_summonses": 0}  # not yet past
    assert owner(waiting) == city.grids["甲一"]
    assert escalate(respond_by + 24 * HOUR + datetime.timedelta(minutes=1)) == {"escalated": 2, "late_summonses": 0}
    assert owner(waiting) == city.communities["甲"] and owner(department) == city.county
    assert escalate(respond_by + 24 * HOUR + datetime.timedelta(minutes=16)) == {"escalated": 0, "late_summonses": 0}
    assert owner(waiting) == city.communities["甲"]          # once per grace period, not per run
    escalate(respond_by + 48 * HOUR + datetime.timedelta(minutes=1))
    assert owner(waiting) == city.street
    escalate(respond_by + 72 * HOUR + datetime.timedelta(minutes=1))
    assert owner(waiting) == city.county
    assert escalate(respond_by + 96 * HOUR + datetime.timedelta(minutes=1)) == {"escalated": 0, "late_summonses": 0}
    assert owner(waiting) == city.county and owner(department) == city.county  # never above the county

    waiting.refresh_from_db()
    assert waiting.escalations == 3 and waiting.status == choices.ASSIGNED
    notes = list(waiting.events.filter(kind="escalated").values_list("note", flat=True))
    assert notes == ["超过时限，上提至甲社区督办", "超过时限，上提至城关街道督办", "超过时限，上提至甲县督办"]
    assert owner(working) == city.grids["甲一"]  # accepted Monday, due to resolve by the end of 03-10
    assert owner(done) == city.grids["甲一"] and not done.events.filter(kind="escalated").exists()
    assert AuditEvent.objects.filter(action="requests.escalate").count() == 4
    # 甲社区 has no handlers of its own: the street's are told, once per level
    tracking = waiting.tracking_no
    assert titles(city.users["street_admin"]) == [f"超时诉求上提：{tracking}"] * 2
    assert titles(city.users["county_admin"]) == sorted([f"超时诉求上提：{tracking}",
                                                         f"超时诉求上提：{department.tracking_no}"])

    working.refresh_from_db()
    assert escalate(working.resolve_by + 24 * HOUR + datetime.timedelta(minutes=1))["escalated"] == 1
    assert owner(working) == city.communities["甲"]


def test_whistle_late_summons_told_once_and_closing_needs_every_report(city):
    admin, staff = city.users["street_admin"], city.users["department"]
    ecology = b.user("ecology_staff", "org_admin", city.departments["生态环境"])
    request = submit(city, "street_vending", received=timezone.now())
    services.accept(admin, request)
    mine, theirs = services.summon(admin, request, [city.departments["城市管理"], city.departments["生态环境"]])
    assert titles(staff) == ["吹哨报到：城关街道"]
    services.accept_summons(staff, mine)

    accept_by = theirs.accept_by
    assert escalate(accept_by - datetime.timedelta(minutes=1)) == {"escalated": 0, "late_summonses": 0}
    assert escalate(accept_by + datetime.timedelta(minutes=1)) == {"escalated": 0, "late_summonses": 1}
    late = [t for t in titles(admin) if "未按时报到" in t]
    assert late == ["甲县生态环境局 未按时报到"]
    assert escalate(accept_by + 3 * HOUR) == {"escalated": 0, "late_summonses": 0}  # told once
    assert [t for t in titles(admin) if "未按时报到" in t] == late

    services.report_summons(staff, mine, "已劝离流动摊贩")
    with pytest.raises(DomainError) as pending:
        services.resolve(admin, request, "已规范")
    assert pending.value.code == "summons_pending" and "甲县生态环境局" in pending.value.message
    services.accept_summons(ecology, theirs)
    services.report_summons(ecology, theirs, "已对噪音取证")
    request = services.resolve(admin, request, "已规范")
    assert request.status == choices.RESOLVED


def test_the_worker_schedule_enqueues_escalation_once_per_slot(city):
    monday = timezone.make_aware(datetime.datetime(2025, 3, 3, 9, 7))
    runs = schedule.enqueue_due(monday)
    assert "requests.escalate_overdue@09:00" in runs
    assert "requests.escalate_overdue@09:00" not in schedule.enqueue_due(monday + datetime.timedelta(minutes=7))
    assert "requests.escalate_overdue@09:15" in schedule.enqueue_due(monday + datetime.timedelta(minutes=8))
    assert "requests.escalate_overdue@00:00" in schedule.enqueue_due(monday + datetime.timedelta(hours=15))
    path = "jiceng.requests.tasks.escalate_overdue_requests"
    assert DBTaskResult.objects.filter(task_path=path).count() == 3
    overdue = submit(city, received=timezone.now() - 60 * HOUR)  # 12 hours into its first grace period
    run_queue()
    assert set(DBTaskResult.objects.filter(task_path=path).values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL}
    assert owner(overdue) == city.communities["甲"]  # three runs at the real time: one level up
    assert Request.objects.get().escalations == 1

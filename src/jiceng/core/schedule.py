"""Periodic jobs. `jiceng worker` checks every minute and enqueues each daily job once a day
at its hour, and each interval job once per slot of its minutes (00:00, 00:15, … in
Asia/Shanghai); a ScheduledRun row per day or slot makes that once across several workers."""

import logging
import threading

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("jiceng.schedule")

# name -> (hour of day, dotted path of a django-tasks Task)
DAILY = {
    "life.remind_owed_meetings": (8, "jiceng.life.tasks.remind_owed_meetings"),
    "transfers.expire_and_remind": (10, "jiceng.transfers.tasks.expire_and_remind"),
    "dues.notify_unpaid": (9, "jiceng.dues.tasks.notify_unpaid"),
    "cadres.remind_elections": (8, "jiceng.cadres.tasks.remind_elections"),
    "core.sweep_uploads": (3, "jiceng.core.tasks.sweep_uploads"),
}
# name -> (minutes between runs, dividing a day evenly; dotted path of a django-tasks Task)
EVERY = {
    "requests.escalate_overdue": (15, "jiceng.requests.tasks.escalate_overdue_requests"),
}


def _due(now):
    """(run name, task path) of every job due at `now`: a daily job by its name, an interval
    job by its name and the start of the current slot ("requests.escalate_overdue@09:15")."""
    due = [(name, path) for name, (hour, path) in DAILY.items() if now.hour >= hour]
    for name, (minutes, path) in EVERY.items():
        slot = (now.hour * 60 + now.minute) // minutes * minutes
        due.append((f"{name}@{slot // 60:02d}:{slot % 60:02d}", path))
    return due


def enqueue_due(now=None):
    """Enqueue the jobs that are due and not yet enqueued today (or in this slot); return
    their run names."""
    from .models import ScheduledRun

    now = timezone.localtime(now)
    done = []
    for name, path in _due(now):
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(name=name, day=now.date())
        except IntegrityError:
            continue  # already enqueued today (or in this slot)
        import_string(path).enqueue()
        done.append(name)
    return done


def start(interval=60):
    """Run enqueue_due in a daemon thread beside the worker."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                for name in enqueue_due():
                    log.info("enqueued %s", name)
            except Exception:  # keep the schedule alive; the next minute tries again
                log.exception("schedule check failed")
            finally:
                close_old_connections()
            stop.wait(interval)

    threading.Thread(target=loop, name="jiceng-schedule", daemon=True).start()
    return stop

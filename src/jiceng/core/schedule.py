"""Periodic jobs. `jiceng worker` checks every minute and enqueues each job once a day at
its hour (Asia/Shanghai); a ScheduledRun row makes that once across several workers."""

import logging
import threading

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("jiceng.schedule")

# name -> (hour of day, dotted path of a django-tasks Task)
DAILY = {
    "life.remind_owed_meetings": (8, "jiceng.life.tasks.remind_owed_meetings"),
}


def enqueue_due(now=None):
    """Enqueue today's jobs whose hour has come; return the names enqueued."""
    from .models import ScheduledRun

    now = timezone.localtime(now)
    done = []
    for name, (hour, path) in DAILY.items():
        if now.hour < hour:
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(name=name, day=now.date())
        except IntegrityError:
            continue  # already enqueued today
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

"""Import jobs: every change to an ImportJob goes through these functions, and the long work
runs in the task queue (tasks.py). The row-by-row report and the progress of a running task
are files beside the upload: the report can be long, and the progress must be seen while the
commit's transaction is still open (on SQLite nobody else may write meanwhile)."""

import json
import os
import time
from dataclasses import astuple

from django.db import transaction
from django.utils import timezone

from jiceng.core import audit, policy
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE

from . import imports
from .rosters import Problem
from .models import ImportJob


def _dir(job):
    return os.path.dirname(job.file.path)


def _side(job, name):
    return os.path.join(_dir(job), f"{os.path.basename(job.file.name)}.{name}")


@transaction.atomic
def upload(actor, org, kind, upload, skip_invalid=False):
    """Keep the file and check it at once (type, size, columns): a bad file is refused here,
    before any task runs."""
    require(actor, CHANGE, org, "该组织")
    job = ImportJob(user=actor if actor and actor.is_authenticated else None, org=org, kind=kind,
                    filename=os.path.basename(upload.name)[:200], skip_invalid=skip_invalid)
    job.file.save(upload.name, upload, save=False)
    try:
        _, _, number, _, headers, unmapped, _ = imports.open_roster(actor, org, kind, job.file.path)
    except DomainError:
        job.file.delete(save=False)
        raise
    job.header_row, job.mapping, job.unmapped = number, headers, unmapped
    job.save()
    audit.record(actor, "exchange.upload", job, after={"file": job.filename, "org": org.pk, "kind": kind})
    return job


def enqueue(job, commit=False):
    from . import tasks

    status = ImportJob.COMMITTING if commit else ImportJob.PREVIEWING
    ImportJob.objects.filter(pk=job.pk).update(status=status)
    write_progress(job, 0, 0, "排队中")
    (tasks.commit if commit else tasks.preview).enqueue(job.pk)


def interrupted(job):
    """A job still marked running whose progress has not moved for the policy's minutes: its
    worker died (killed, restarted) and nothing will finish it. A commit's one transaction
    went with the worker, so nothing of it was written and it may simply run again."""
    if job.status not in (ImportJob.PREVIEWING, ImportJob.COMMITTING):
        return False
    try:
        moved = os.path.getmtime(_side(job, "progress"))
    except FileNotFoundError:
        moved = job.created_at.timestamp()
    return time.time() - moved >= 60 * policy.get("exchange.stalled_minutes", on=timezone.localdate())


def retry(actor, job):
    """Run an interrupted job's phase (check or import) again."""
    require(actor, CHANGE, job.org, "该组织")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not interrupted(job):
            raise DomainError("job_not_interrupted", "该导入没有中断（仍在进行或已结束），不能重新运行", "job")
        write_progress(job, 0, 0, "排队中")  # progress moves: a second click finds it running
        audit.record(actor, "exchange.retry", job, after={"file": job.filename, "status": job.status})
    enqueue(job, commit=job.status == ImportJob.COMMITTING)


def request_commit(actor, job, skip_invalid):
    require(actor, CHANGE, job.org, "该组织")
    if job.status != ImportJob.PREVIEWED:
        raise DomainError("job_not_previewed", "请先完成检查（预览）再导入", "job")
    if job.problems and not skip_invalid:
        raise DomainError("rows_invalid", f"检查发现 {job.problems} 处错误：请修改文件后重新上传，或选择跳过有错误的行", "skip_invalid")
    ImportJob.objects.filter(pk=job.pk).update(skip_invalid=skip_invalid)
    enqueue(job, commit=True)


def run(job_id, commit):
    """The task's body: preview or commit the job's file, keeping progress and the report."""
    job = ImportJob.objects.select_related("org", "user").get(pk=job_id)
    phase, started = "导入" if commit else "检查", time.time()
    last = [0.0]

    def progress(done, total):
        if time.monotonic() - last[0] >= 0.5 or done >= total:
            last[0] = time.monotonic()
            write_progress(job, done, total, phase, started)

    try:
        outcome = imports.run(job.user, job.org, job.kind, job.file.path, commit=commit,
                              skip_invalid=job.skip_invalid, progress=progress)
    except DomainError as error:
        _finish(job, ImportJob.FAILED, message=error.message)
        return None
    if not commit:
        with open(_side(job, "report"), "w") as fh:
            json.dump([astuple(p) for p in outcome.problems], fh, ensure_ascii=False)
    _finish(job, ImportJob.COMMITTED if commit else ImportJob.PREVIEWED, outcome=outcome)
    return outcome.counts


@transaction.atomic
def _finish(job, status, outcome=None, message=""):
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    job.status, job.message, job.finished_at = status, message, timezone.now()
    if outcome is not None:
        job.rows, job.counts, job.problems = outcome.rows, outcome.counts, len(outcome.problems)
    job.save()
    write_progress(job, 1, 1, job.get_status_display())
    if status == ImportJob.COMMITTED:
        audit.record(job.user, "exchange.commit", job, after={"file": job.filename, "counts": job.counts})


def problems(job):
    """The preview's row-by-row report."""
    try:
        with open(_side(job, "report")) as fh:
            return [Problem(*p) for p in json.load(fh)]
    except FileNotFoundError:
        return []


def write_progress(job, done, total, phase, started=None):
    """The progress record: rows done of total in the phase begun at `started` (epoch seconds)."""
    path = _side(job, "progress")
    with open(path + ".tmp", "w") as fh:
        json.dump({"done": done, "total": total, "phase": phase, "started": started}, fh)
    os.replace(path + ".tmp", path)


def progress(job):
    job.refresh_from_db()
    try:
        with open(_side(job, "progress")) as fh:
            data = json.load(fh)
    except (FileNotFoundError, ValueError):
        data = {"done": 0, "total": 0, "phase": ""}
    data["percent"] = round(100 * data["done"] / data["total"]) if data["total"] else 0
    # a million-row import takes minutes: the rest at the pace so far
    started, done, total = data.pop("started", None), data["done"], data["total"]
    data["remaining_seconds"] = (round((time.time() - started) * (total - done) / done)
                                 if started and 0 < done < total else None)
    stopped = interrupted(job)
    return data | {"status": job.status, "status_label": "中断" if stopped else job.get_status_display(),
                   "interrupted": stopped, "message": job.message}

"""The pages: upload, the task queue's preview with its progress record, the report, commit."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.exchange import jobs
from jiceng.exchange.models import ImportJob
from jiceng.people.models import Person

from .test_members import messy_roster

# The worker closes its database connection when done, as in production: committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def run_queue():
    call_command("worker", batch=True, no_schedule=True, startup_delay=False, verbosity=0)


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_upload_preview_report_and_commit(world, tmp_path):
    path, _ = messy_roster(tmp_path, world)
    c = client_for(world.a.users["org_admin"])
    url = reverse("exchange:upload", args=[world.a.community.pk])
    assert "可识别的列名" in c.get(url).content.decode()
    with open(path, "rb") as fh:
        r = c.post(url, {"kind": "members", "file": SimpleUploadedFile("花名册.xlsx", fh.read())})
    job = ImportJob.objects.get()
    assert r.url == reverse("exchange:job", args=[job.pk]) and job.status == "previewing"
    page = c.get(r.url).content.decode()
    assert "data-progress-url" in page and "公民身份号码" in page and "序号、备注" in page
    run_queue()
    job.refresh_from_db()
    assert job.status == "previewed" and job.counts["create"] == 3 and job.problems == 6
    progress = c.get(reverse("exchange:progress", args=[job.pk])).json()
    assert (progress["status"], progress["percent"], progress["remaining_seconds"]) == ("previewed", 100, None)
    # a quarter done a minute after the phase began: three minutes to go at that pace
    jobs.write_progress(job, 250, 1000, "导入", started=time.time() - 60)
    assert 175 <= c.get(reverse("exchange:progress", args=[job.pk])).json()["remaining_seconds"] <= 185
    jobs.write_progress(job, 1, 1, job.get_status_display())
    page = c.get(r.url).content.decode()
    assert "新增 <b>3</b>" in page and "身份证号码以数值格式保存" in page and "确认导入" in page
    report = c.get(reverse("exchange:report", args=[job.pk]))
    rows = list(load_workbook(__import__("io").BytesIO(report.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("行号", "列", "内容", "问题", "建议") and [r[0] for r in rows[1:]] == [7, 8, 9, 10, 11, 12]
    # with problems, a commit must be asked to skip them
    before = Person.objects.count()
    c.post(reverse("exchange:commit", args=[job.pk]), {})
    job.refresh_from_db()
    assert job.status == "previewed" and Person.objects.count() == before
    c.post(reverse("exchange:commit", args=[job.pk]), {"skip_invalid": "on"})
    run_queue()
    job.refresh_from_db()
    assert job.status == "committed" and job.counts == {"create": 3, "update": 1, "unchanged": 0, "skip": 6}
    assert Person.objects.count() == before + 3
    assert "导入结果" in c.get(r.url).content.decode()


def test_bad_files_are_refused_before_anything_is_written(world, tmp_path):
    c = client_for(world.a.users["org_admin"])
    url = reverse("exchange:upload", args=[world.a.community.pk])
    cases = {
        "照片.xlsx": (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "文件不是 Excel 工作簿（.xlsx）或 CSV 表格"),
        "加密.xlsx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptionInfo".encode("utf-16-le"),
                    "文件设有打开密码"),
        "旧版.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "旧版 Excel（.xls）"),
        "乱列.csv": ("编号,单位,金额\n1,某单位,3\n".encode(), "找不到表头"),
        "缺列.csv": ("姓名,性别,所在支部\n张三,男,甲园社区党支部\n".encode(), "找不到“身份证号码”列"),
    }
    for name, (content, message) in cases.items():
        r = c.post(url, {"kind": "members", "file": SimpleUploadedFile(name, content)})
        assert message in r.content.decode(), name
    assert not ImportJob.objects.exists()


def test_file_over_the_policy_limit(world, tmp_path, monkeypatch):
    from jiceng.core import policy

    real = policy.get
    monkeypatch.setattr(policy, "get",
                        lambda key, on, **kw: 0.0001 if key == "exchange.max_file_mb" else real(key, on, **kw))
    c = client_for(world.a.users["org_admin"])
    r = c.post(reverse("exchange:upload", args=[world.a.community.pk]),
               {"kind": "members", "file": SimpleUploadedFile("大.csv", b"a,b\n" * 200)})
    assert "超过导入上限" in r.content.decode() and not ImportJob.objects.exists()


def test_a_secretary_of_another_county_cannot_see_the_job(world, tmp_path):
    path, _ = messy_roster(tmp_path, world)
    c = client_for(world.a.users["org_admin"])
    with open(path, "rb") as fh:
        c.post(reverse("exchange:upload", args=[world.a.community.pk]),
               {"kind": "members", "file": SimpleUploadedFile("花名册.xlsx", fh.read())})
    job = ImportJob.objects.get()
    other = client_for(world.b.users["org_admin"])
    for name in ("job", "progress", "report"):
        assert other.get(reverse(f"exchange:{name}", args=[job.pk])).status_code == 404
    assert other.post(reverse("exchange:commit", args=[job.pk]), {}).status_code == 404
    # a grid worker (view only) may not upload
    grid = client_for(world.a.users["grid_worker"])
    assert grid.get(reverse("exchange:upload", args=[world.a.community.pk])).status_code == 404


def test_a_job_whose_worker_died_shows_interrupted_and_runs_again(world, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from jiceng.core import policy
    from jiceng.core.models import AuditEvent

    path, _ = messy_roster(tmp_path, world)
    c = client_for(world.a.users["org_admin"])
    with open(path, "rb") as fh:
        r = c.post(reverse("exchange:upload", args=[world.a.community.pk]),
                   {"kind": "members", "file": SimpleUploadedFile("花名册.xlsx", fh.read())})
    run_queue()
    job = ImportJob.objects.get()
    c.post(reverse("exchange:commit", args=[job.pk]), {"skip_invalid": "on"})
    # A worker took the commit and was killed (kill -9, a restart): its task stays running.
    for task in DBTaskResult.objects.ready():
        task.claim("killed-worker")
    retry = reverse("exchange:retry", args=[job.pk])
    assert "导入中" in c.get(r.url).content.decode()
    c.post(retry)  # still moving: refused
    assert not AuditEvent.objects.filter(action="exchange.retry").exists()
    # its progress has not moved for the policy's minutes
    minutes = policy.get("exchange.stalled_minutes", on=job.created_at.date())
    stale = job.created_at.timestamp() - 60 * minutes - 1
    os.utime(jobs._side(job, "progress"), (stale, stale))
    progress = c.get(reverse("exchange:progress", args=[job.pk])).json()
    assert (progress["status"], progress["status_label"], progress["interrupted"]) == ("committing", "中断", True)
    page = c.get(r.url).content.decode()
    assert "导入已中断" in page and "重新导入" in page and "data-progress-url" not in page
    # another county's secretary may not run it again
    assert client_for(world.b.users["org_admin"]).post(retry).status_code == 404
    before = Person.objects.count()
    c.post(retry)
    assert jobs.progress(job)["interrupted"] is False  # queued again: progress moved
    run_queue()
    job.refresh_from_db()
    assert job.status == "committed" and job.counts == {"create": 3, "update": 1, "unchanged": 0, "skip": 6}
    assert Person.objects.count() == before + 3
    assert AuditEvent.objects.filter(action="exchange.retry").count() == 1

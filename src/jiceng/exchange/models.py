from django.conf import settings
from django.db import models

from .rosters import KIND_NAMES


class ImportJob(models.Model):
    """One roster file on its way in: uploaded, previewed (the report kept beside the file),
    then committed. Progress while a task runs is kept in a file beside the upload
    (jobs.progress), since the commit's own transaction cannot show it to anyone."""

    UPLOADED, PREVIEWING, PREVIEWED, COMMITTING, COMMITTED, FAILED = (
        "uploaded", "previewing", "previewed", "committing", "committed", "failed")
    STATUSES = [(UPLOADED, "已上传"), (PREVIEWING, "检查中"), (PREVIEWED, "已检查"), (COMMITTING, "导入中"),
                (COMMITTED, "已导入"), (FAILED, "未完成")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
                             verbose_name="导入人")
    org = models.ForeignKey("orgs.Organization", models.CASCADE, related_name="+", verbose_name="导入到")
    kind = models.CharField("名册", max_length=10, choices=list(KIND_NAMES.items()))
    file = models.FileField("文件", upload_to="exchange/%Y/%m/")
    filename = models.CharField("文件名", max_length=200)
    status = models.CharField("状态", max_length=12, choices=STATUSES, default=UPLOADED)
    skip_invalid = models.BooleanField("跳过有错误的行", default=False)
    header_row = models.PositiveIntegerField("表头行", default=0)
    mapping = models.JSONField("列对应", default=dict)
    unmapped = models.JSONField("未导入的列", default=list)
    rows = models.PositiveIntegerField("数据行数", default=0)
    counts = models.JSONField("预计/实际", default=dict)
    problems = models.PositiveIntegerField("错误数", default=0)
    message = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "名册导入"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.filename} → {self.org}"

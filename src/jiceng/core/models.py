from django.conf import settings
from django.db import models

from .roles import ROLE_CHOICES


class Grant(models.Model):
    """A role on a node's subtree. Granted only inside the granter's own subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="grants", verbose_name="用户")
    node = models.ForeignKey("orgs.Organization", models.CASCADE, related_name="grants", verbose_name="组织")
    role = models.CharField("角色", max_length=20, choices=ROLE_CHOICES)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="授权人"
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "授权"
        constraints = [models.UniqueConstraint(fields=["user", "node", "role"], name="grant_unique")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.node}"


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained audit log (see core.audit): the `seq`-th
    event of chain `chain`."""

    chain = models.PositiveSmallIntegerField("链", default=1)
    seq = models.BigIntegerField("序号")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="操作人"
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    prev_hash = models.CharField("前一哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-id"]  # the order of appending, across chains
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"#{self.chain}.{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The tip of one chain (its pk is the chain's number), locked by every append to that
    chain so that its links are contiguous."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"


class Notice(models.Model):
    """An in-app notice (reminders and the like); the same text may also go out by SMS or
    WeChat through core.messaging. One per (user, key), so a repeated reminder is not."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notices", verbose_name="接收人")
    key = models.CharField("去重键", max_length=200)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notice_unique")]

    def __str__(self):
        return self.title


class ScheduledRun(models.Model):
    """A periodic job that has been enqueued for a day, so several workers enqueue it once."""

    name = models.CharField(max_length=100)
    day = models.DateField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="scheduledrun_unique")]

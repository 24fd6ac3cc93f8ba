"""双报到: members and units registered with a residential community, the community's service
tasks and wishes, and members' claims with the hours the community confirmed."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Registration(models.Model):
    """A member registered with the community where they live. Their membership stays with the
    workplace branch; ending a registration keeps it as history."""

    person = models.ForeignKey("people.Person", models.CASCADE, related_name="checkins", verbose_name="党员")
    community = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="checkins",
                                  verbose_name="报到社区")
    started_on = models.DateField("报到日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="登记人")

    class Meta:
        verbose_name = verbose_name_plural = "在职党员报到"
        ordering = ["-started_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["person"], condition=Q(ended_on__isnull=True),
                                               name="checkin_one_active_registration")]
        indexes = [models.Index(fields=["community", "ended_on"], name="checkin_reg_community")]

    def __str__(self):
        return f"{self.person} → {self.community}"


class PartnerUnit(models.Model):
    """共建单位: an agency, enterprise or other unit registered with the community, with what it offers."""

    community = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="partner_units",
                                  verbose_name="报到社区")
    org = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name="单位（组织）")
    name = models.CharField("单位名称", max_length=200)
    resources = models.TextField("可提供的资源", blank=True, help_text="每行一项")
    contact = models.CharField("联系人", max_length=100, blank=True)
    started_on = models.DateField("报到日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "共建单位"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def resource_list(self):
        return [line.strip() for line in self.resources.splitlines() if line.strip()]


class Task(models.Model):
    """A service post of the community: a volunteer task (志愿服务) or a resident's small wish (微心愿)."""

    VOLUNTEER, WISH = "volunteer", "wish"
    KINDS = [(VOLUNTEER, "志愿服务"), (WISH, "微心愿")]
    OPEN, CLOSED = "open", "closed"

    community = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="service_tasks",
                                  verbose_name="社区")
    kind = models.CharField("类型", max_length=10, choices=KINDS)
    title = models.CharField("标题", max_length=200)
    description = models.TextField("说明", blank=True)
    on = models.DateField("日期")
    place = models.CharField("地点", max_length=200, blank=True)
    slots = models.PositiveIntegerField("名额")
    claimed = models.PositiveIntegerField("已认领", default=0, editable=False)
    status = models.CharField("状态", max_length=10, default=OPEN, choices=[(OPEN, "认领中"), (CLOSED, "已关闭")])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="发布人")
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务项目"
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["community", "status", "on"], name="checkin_task_open")]
        constraints = [models.CheckConstraint(condition=Q(claimed__lte=models.F("slots")),
                                              name="checkin_task_not_overfull")]

    def __str__(self):
        return self.title

    @property
    def left(self):
        return self.slots - self.claimed


class Claim(models.Model):
    """A member's claim of a task; the community confirms the service and its hours."""

    CLAIMED, CONFIRMED, WITHDRAWN = "claimed", "confirmed", "withdrawn"
    STATUSES = [(CLAIMED, "已认领"), (CONFIRMED, "已确认服务"), (WITHDRAWN, "已退出")]

    task = models.ForeignKey(Task, models.CASCADE, related_name="claims", verbose_name="服务项目")
    person = models.ForeignKey("people.Person", models.CASCADE, related_name="service_claims", verbose_name="党员")
    status = models.CharField("状态", max_length=10, choices=STATUSES, default=CLAIMED)
    claimed_at = models.DateTimeField("认领时间")
    hours = models.DecimalField("服务时长（小时）", max_digits=5, decimal_places=1, null=True, blank=True)
    served_on = models.DateField("服务日期", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name="确认人")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "认领与服务记录"
        ordering = ["-claimed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["task", "person"], condition=~Q(status="withdrawn"),
                                               name="checkin_claim_once")]
        indexes = [models.Index(fields=["person", "status", "served_on"], name="checkin_claim_person")]

    def __str__(self):
        return f"{self.person} · {self.task}"

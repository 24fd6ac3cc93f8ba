"""下沉: an emergency call names communities, roles and head counts; members and cadres sign up
or are assigned, and their arrival at the post is recorded once. Each need row keeps its own
counts (signed up, arrived), updated in the same transaction as the change, so coverage is
read from a few rows, never recounted."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Call(models.Model):
    OPEN, CLOSED = "open", "closed"

    caller = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="calls", verbose_name="发令单位")
    title = models.CharField("动员令", max_length=200)
    description = models.TextField("说明", blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    status = models.CharField("状态", max_length=10, default=OPEN, choices=[(OPEN, "进行中"), (CLOSED, "已结束")])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="发布人")
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "动员令"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["caller", "status"], name="mobil_call_caller")]

    def __str__(self):
        return self.title


class Need(models.Model):
    """How many people one community needs in one role; `signed` and `arrived` are kept counts."""

    call = models.ForeignKey(Call, models.CASCADE, related_name="needs", verbose_name="动员令")
    community = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="mobilization_needs",
                                  verbose_name="社区")
    role = models.CharField("岗位", max_length=50)
    needed = models.PositiveIntegerField("需要人数")
    signed = models.PositiveIntegerField("已报名", default=0, editable=False)
    arrived = models.PositiveIntegerField("已到岗", default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "岗位需求"
        ordering = ["call", "community__path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["call", "community", "role"], name="mobil_need_unique"),
            models.CheckConstraint(condition=Q(signed__lte=F("needed")), name="mobil_need_not_overfull"),
            models.CheckConstraint(condition=Q(arrived__lte=F("signed")), name="mobil_need_arrived_le_signed"),
        ]

    def __str__(self):
        return f"{self.community} {self.role}"

    @property
    def gap(self):
        return max(self.needed - self.signed, 0)


class Deployment(models.Model):
    """One person on one need of a call: signed up or assigned; arrival recorded once."""

    VOLUNTEERED, ASSIGNED = "volunteered", "assigned"

    call = models.ForeignKey(Call, models.CASCADE, related_name="deployments", verbose_name="动员令")
    need = models.ForeignKey(Need, models.CASCADE, related_name="deployments", verbose_name="岗位")
    person = models.ForeignKey("people.Person", models.CASCADE, related_name="deployments", verbose_name="人员")
    how = models.CharField("方式", max_length=12, choices=[(VOLUNTEERED, "主动报名"), (ASSIGNED, "组织安排")])
    signed_at = models.DateTimeField("报名时间")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="安排人")
    arrived_at = models.DateTimeField("到岗时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("退出时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "下沉人员"
        ordering = ["need", "signed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "person"], condition=Q(withdrawn_at__isnull=True),
                                               name="mobil_one_post_per_call")]

    def __str__(self):
        return f"{self.person} · {self.need}"

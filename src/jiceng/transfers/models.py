from django.conf import settings
from django.db import models
from django.db.models import Q


class Transfer(models.Model):
    """One move of a membership: inside the system (from_org → to_org), out of it by an
    introduction letter (from_org → outside_org, with a verification code), or into it by a
    letter from outside (outside_org → to_org, registered against the letter's code).
    The membership stays where it is while a transfer is pending; at most one is pending
    per membership (the partial unique constraint holds that under concurrency too)."""

    INTERNAL, LETTER_OUT, LETTER_IN = "internal", "letter_out", "letter_in"
    KINDS = [(INTERNAL, "系统内转接"), (LETTER_OUT, "开具介绍信转出系统"), (LETTER_IN, "凭介绍信转入")]
    PENDING, ACCEPTED, RETURNED, EXPIRED = "pending", "accepted", "returned", "expired"
    STATUSES = [(PENDING, "转接中"), (ACCEPTED, "已接收"), (RETURNED, "已退回"), (EXPIRED, "已过期")]

    kind = models.CharField("方式", max_length=12, choices=KINDS)
    membership = models.ForeignKey("people.Membership", models.PROTECT, related_name="transfers",
                                   verbose_name="党籍")
    from_org = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True,
                                 related_name="transfers_out", verbose_name="转出党支部")
    to_org = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True,
                               related_name="transfers_in", verbose_name="接收党支部")
    outside_org = models.CharField("系统外组织", max_length=200, blank=True,
                                   help_text="介绍信去往或来自的系统外党组织名称")
    status = models.CharField("状态", max_length=10, choices=STATUSES, default=PENDING, db_index=True)
    code = models.CharField("介绍信编号（验证码）", max_length=40, null=True, blank=True, unique=True)
    sent_on = models.DateField("开具日期")
    expires_on = models.DateField("有效期至")
    reason = models.CharField("转接原因", max_length=200, blank=True)
    decided_on = models.DateField("办结日期", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="经办人")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="办结人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "组织关系转接"
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["membership"], condition=Q(status="pending"),
                                    name="transfer_one_pending_per_membership"),
        ]
        indexes = [
            models.Index(fields=["from_org", "status"], name="transfer_from_status"),
            models.Index(fields=["to_org", "status"], name="transfer_to_status"),
            models.Index(fields=["status", "expires_on"], name="transfer_status_expiry"),
        ]

    def __str__(self):
        return f"{self.membership.person} {self.origin_name} → {self.destination_name}"

    @property
    def origin_name(self):
        return self.from_org.name if self.from_org_id else self.outside_org

    @property
    def destination_name(self):
        return self.to_org.name if self.to_org_id else self.outside_org

    def is_open(self):
        return self.status == self.PENDING

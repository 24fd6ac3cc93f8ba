from django.conf import settings
from django.db import models

from .choices import CATEGORIES, METHODS, PAYMENT_STATUSES, REDUCTION_KINDS, REDUCTION_STATUSES, STARTED

MONEY = {"max_digits": 12, "decimal_places": 2}


class DuesProfile(models.Model):
    """What a member's dues are worked out from, from a date on. A change adds a row; the row
    in force for a month is the latest one that applies by the month's last day."""

    person = models.ForeignKey("people.Person", models.CASCADE, related_name="dues_profiles", verbose_name="党员")
    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="+", verbose_name="登记党支部")
    category = models.CharField("类别", max_length=16, choices=CATEGORIES)
    monthly_income = models.DecimalField("月收入（税后，元）", null=True, blank=True, **MONEY)
    flat_amount = models.DecimalField("定额（元/月）", null=True, blank=True, **MONEY)
    applies_from = models.DateField("适用起始日期")
    note = models.CharField("说明", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "党费基数"
        ordering = ["person_id", "applies_from", "id"]
        indexes = [models.Index(fields=["person", "applies_from"], name="dues_profile_person")]

    def __str__(self):
        return f"{self.person} {self.get_category_display()} 自 {self.applies_from}"


class Reduction(models.Model):
    """减交 or 免交 for a span of months: the branch decides, one level up approves."""

    person = models.ForeignKey("people.Person", models.CASCADE, related_name="dues_reductions", verbose_name="党员")
    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="+", verbose_name="决定党支部")
    kind = models.CharField("类型", max_length=8, choices=REDUCTION_KINDS)
    amount = models.DecimalField("减交后每月金额（元）", null=True, blank=True, **MONEY)
    first_month = models.DateField("起始月份")
    last_month = models.DateField("截止月份")
    reason = models.CharField("理由", max_length=200)
    decided_on = models.DateField("支部决定日期")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="录入人")
    status = models.CharField("状态", max_length=10, choices=REDUCTION_STATUSES, default="pending")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name="审批人")
    approver_org = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name="审批组织")
    approved_on = models.DateField("审批日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "党费减免"
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["person", "status"], name="dues_reduction_person")]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"


class Payment(models.Model):
    """Money received for one or several months (the months are the assessments that point here)."""

    person = models.ForeignKey("people.Person", models.PROTECT, related_name="dues_payments", verbose_name="党员")
    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="+", verbose_name="收缴党支部")
    amount = models.DecimalField("金额（元）", **MONEY)
    first_month = models.DateField("起始月份")
    months = models.PositiveSmallIntegerField("月数")
    method = models.CharField("方式", max_length=10, choices=METHODS)
    gateway = models.CharField("收款通道", max_length=40)
    reference = models.CharField("凭证号", max_length=100, blank=True)
    status = models.CharField("状态", max_length=10, choices=PAYMENT_STATUSES, default=STARTED)
    paid_on = models.DateField("交纳日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="记录人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "党费交纳"
        ordering = ["-paid_on", "-id"]

    def __str__(self):
        return f"{self.person} {self.amount} 元（{self.first_month:%Y-%m} 起 {self.months} 个月）"


class Assessment(models.Model):
    """What one member owes for one month, written by the monthly run (or by a payment ahead).
    A row with a payment is settled and never recomputed."""

    person = models.ForeignKey("people.Person", models.CASCADE, related_name="dues", verbose_name="党员")
    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="+", verbose_name="党支部")
    month = models.DateField("月份")
    category = models.CharField("类别", max_length=16, choices=CATEGORIES)
    base = models.DecimalField("基数（元）", null=True, blank=True, **MONEY)
    rate = models.DecimalField("比例", max_digits=6, decimal_places=4, null=True, blank=True)
    due = models.DecimalField("应交（元）", **MONEY)
    reduction = models.ForeignKey(Reduction, models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name="减免")
    payment = models.ForeignKey(Payment, models.PROTECT, null=True, blank=True, related_name="assessments",
                                verbose_name="交纳记录")
    paid_on = models.DateField("交纳日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "党费月度核定"
        ordering = ["month", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="dues_assessment_unique")]
        indexes = [models.Index(fields=["org", "month"], name="dues_assessment_org_month"),
                   models.Index(fields=["month", "paid_on"], name="dues_assessment_unpaid")]

    def __str__(self):
        return f"{self.person} {self.month:%Y-%m} {self.due}"

    @property
    def rate_label(self):
        """0.0150 → "1.5%"."""
        return "" if self.rate is None else f"{(self.rate * 100).normalize():f}%"

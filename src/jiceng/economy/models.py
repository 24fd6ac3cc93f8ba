"""Village collective income (by year and source), closed years, cooperatives and dividends."""

from django.conf import settings
from django.db import models

SOURCES = [
    ("operating", "经营收入"),
    ("leasing", "资产租赁"),
    ("investment", "投资收益"),
    ("subsidy", "补助"),
    ("other", "其他"),
]
SOURCE_LABELS = dict(SOURCES)


class IncomeEntry(models.Model):
    village = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="income_entries",
                                verbose_name="村")
    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("来源", max_length=12, choices=SOURCES)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    note = models.CharField("说明", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="录入人")
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    # A correction is a new entry; the original is kept, pointing at the entry that replaced it.
    replaced_by = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="replaces",
                                       verbose_name="被更正为")
    reason = models.CharField("更正原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "集体收入明细"
        indexes = [models.Index(fields=["village", "year"])]

    def __str__(self):
        return f"{self.year} {self.get_source_display()} {self.amount}"


class YearTotal(models.Model):
    """One row per village and year, kept by services: lists read this, never the entries."""

    village = models.ForeignKey("orgs.Organization", models.CASCADE, related_name="income_totals",
                                verbose_name="村")
    year = models.PositiveSmallIntegerField("年度")
    total = models.DecimalField("合计", max_digits=14, decimal_places=2, default=0)
    operating = models.DecimalField("经营收入", max_digits=14, decimal_places=2, default=0)
    leasing = models.DecimalField("资产租赁", max_digits=14, decimal_places=2, default=0)
    investment = models.DecimalField("投资收益", max_digits=14, decimal_places=2, default=0)
    subsidy = models.DecimalField("补助", max_digits=14, decimal_places=2, default=0)
    other = models.DecimalField("其他", max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = verbose_name_plural = "集体收入年度合计"
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="economy_total_village_year")]
        indexes = [models.Index(fields=["year", "total"])]

    def __str__(self):
        return f"{self.village_id} {self.year} {self.total}"


class ClosedYear(models.Model):
    """A year closed (结账) by a county or higher node: no more income entries below it."""

    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="closed_years", verbose_name="结账单位")
    year = models.PositiveSmallIntegerField("年度")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name="结账人")
    closed_on = models.DateField("结账日期")

    class Meta:
        verbose_name = verbose_name_plural = "年度结账"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="economy_closed_org_year")]

    def __str__(self):
        return f"{self.org} {self.year}"


class Cooperative(models.Model):
    village = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="cooperatives", verbose_name="村")
    name = models.CharField("合作社名称", max_length=200)
    founded_on = models.DateField("成立日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "合作社"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Household(models.Model):
    """A member household: the head's name and the household size only (no ID numbers)."""

    cooperative = models.ForeignKey(Cooperative, models.PROTECT, related_name="households", verbose_name="合作社")
    head_name = models.CharField("户主", max_length=50)
    size = models.PositiveSmallIntegerField("家庭人口")

    class Meta:
        verbose_name = verbose_name_plural = "成员户"
        ordering = ["head_name", "id"]

    def __str__(self):
        return self.head_name


class Dividend(models.Model):
    household = models.ForeignKey(Household, models.PROTECT, related_name="dividends", verbose_name="成员户")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("分红（元）", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "分红"
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="economy_dividend_household_year")]

    def __str__(self):
        return f"{self.household} {self.year} {self.amount}"

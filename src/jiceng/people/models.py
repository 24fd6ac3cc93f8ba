from django.conf import settings
from django.db import models

from jiceng.core import crypto

from .choices import EDUCATION, ETHNICITY_CHOICES, GENDERS, STATUSES


class Person(models.Model):
    """A person known to the system. ID-card and phone numbers are stored SM4-encrypted,
    found through their blind index, and shown masked (core.crypto)."""

    name = models.CharField("姓名", max_length=50, db_index=True)
    name_initials = models.CharField("拼音首字母", max_length=50, db_index=True, editable=False)
    name_pinyin = models.CharField("拼音", max_length=200, db_index=True, editable=False)
    gender = models.CharField("性别", max_length=1, choices=GENDERS)
    ethnicity = models.CharField("民族", max_length=10, choices=ETHNICITY_CHOICES, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number_enc = models.TextField("身份证号码（密文）", blank=True, editable=False)
    id_number_index = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    phone_enc = models.TextField("手机号码（密文）", blank=True, editable=False)
    phone_index = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    education = models.CharField("学历", max_length=20, choices=EDUCATION, blank=True)
    occupation = models.CharField("职业", max_length=100, blank=True)
    residence = models.ForeignKey("orgs.Organization", models.SET_NULL, null=True, blank=True,
                                  related_name="residents", verbose_name="居住社区")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                related_name="person", verbose_name="登录账号")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "人员"
        ordering = ["name_pinyin", "id"]

    def __str__(self):
        return self.name

    @property
    def id_number(self):
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self):
        return crypto.decrypt(self.phone_enc)

    @property
    def id_number_masked(self):
        return crypto.mask_id_number(self.id_number)

    @property
    def phone_masked(self):
        return crypto.mask_phone(self.phone)


class Membership(models.Model):
    """A person's party membership: its status and the branch that holds it now."""

    person = models.OneToOneField(Person, models.CASCADE, related_name="membership", verbose_name="人员")
    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="memberships",
                            verbose_name="所在党支部")
    group = models.ForeignKey("orgs.Organization", models.SET_NULL, null=True, blank=True,
                              related_name="group_memberships", verbose_name="所在党小组")
    status = models.CharField("状态", max_length=16, choices=STATUSES, db_index=True)
    applied_on = models.DateField("申请入党日期", null=True, blank=True)
    activist_on = models.DateField("确定积极分子日期", null=True, blank=True)
    candidate_on = models.DateField("确定发展对象日期", null=True, blank=True)
    admitted_on = models.DateField("接收为预备党员日期", null=True, blank=True)
    full_on = models.DateField("转为正式党员日期", null=True, blank=True)
    since = models.DateField("当前状态起始日期")

    class Meta:
        verbose_name = verbose_name_plural = "党籍"
        indexes = [models.Index(fields=["org", "status"], name="membership_org_status")]

    def __str__(self):
        return f"{self.person} · {self.get_status_display()}"


class MembershipPeriod(models.Model):
    """Status history: a span during which a person had one status in one organization.
    Counts on a past date are answered from these spans (start <= d < end)."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="periods", verbose_name="人员")
    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="+", verbose_name="组织")
    status = models.CharField("状态", max_length=16, choices=STATUSES)
    start = models.DateField("起")
    end = models.DateField("止", null=True, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "党籍状态历史"
        ordering = ["person", "start", "id"]
        indexes = [models.Index(fields=["org", "start"], name="period_org_start")]

    def __str__(self):
        return f"{self.person} {self.get_status_display()} {self.start}–{self.end or ''}"

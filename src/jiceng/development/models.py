from django.conf import settings
from django.db import models

from .choices import OUTCOMES, STEPS


class Case(models.Model):
    """One person's way from application to full membership. The dates of the steps taken are
    kept on the row, and so are the next step and its date (`due_on`, a deadline when
    `deadline` is set, else the earliest day), written by the services so that the dashboard
    of a county is an indexed read, not a computation per person."""

    person = models.OneToOneField("people.Person", models.CASCADE, related_name="development_case",
                                  verbose_name="人员")
    membership = models.OneToOneField("people.Membership", models.CASCADE, related_name="development_case",
                                      verbose_name="党籍")
    applied_on = models.DateField("递交入党申请书日期")
    talk_on = models.DateField("谈话日期", null=True, blank=True)
    activist_on = models.DateField("确定为入党积极分子日期", null=True, blank=True)
    reviews = models.PositiveSmallIntegerField("考察次数", default=0)
    last_review_on = models.DateField("最近一次考察日期", null=True, blank=True)
    candidate_on = models.DateField("确定为发展对象日期", null=True, blank=True)
    sponsors_on = models.DateField("确定入党介绍人日期", null=True, blank=True)
    political_review_on = models.DateField("政治审查日期", null=True, blank=True)
    training_on = models.DateField("集中培训结业日期", null=True, blank=True)
    assembly_on = models.DateField("支部大会通过日期", null=True, blank=True)
    approved_on = models.DateField("上级党委批准日期", null=True, blank=True)
    oath_on = models.DateField("入党宣誓日期", null=True, blank=True)
    probation_ends_on = models.DateField("预备期满日期", null=True, blank=True)
    extensions = models.PositiveSmallIntegerField("延长预备期次数", default=0)
    closed_on = models.DateField("结束日期", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=OUTCOMES, blank=True)
    next_step = models.CharField("下一步", max_length=20, choices=STEPS, blank=True)
    due_on = models.DateField("下一步日期", null=True, blank=True)
    deadline = models.BooleanField("下一步日期为期限", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "发展党员档案"
        indexes = [models.Index(fields=["due_on", "next_step"], name="devcase_due"),
                   models.Index(fields=["next_step", "due_on"], name="devcase_step_due")]

    def __str__(self):
        return f"{self.person} · {self.get_next_step_display() or self.get_outcome_display()}"


class Step(models.Model):
    """A step taken: when, who recorded it, the people it names (talker, mentors, sponsors),
    the approving committee, figures (training, votes, extension) and documents."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="steps", verbose_name="档案")
    kind = models.CharField("步骤", max_length=20, choices=STEPS)
    on = models.DateField("日期")
    people = models.ManyToManyField("people.Person", blank=True, related_name="development_steps",
                                    verbose_name="相关人员")
    body = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="审批党委")
    details = models.JSONField("数据", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="录入人")
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "发展党员步骤"
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["case", "on"], name="devstep_case_on")]

    def __str__(self):
        return f"{self.on} {self.get_kind_display()}"


class Document(models.Model):
    step = models.ForeignKey(Step, models.CASCADE, related_name="documents", verbose_name="步骤")
    file = models.FileField("文件", upload_to="development/%Y/%m/")
    caption = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "发展党员材料"

    def __str__(self):
        return self.caption or self.file.name

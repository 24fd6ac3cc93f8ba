"""A village's major matters decided step by step (四议两公开), their public disclosures,
residents' questions on them, and the village supervision committee's objections."""

from django.conf import settings
from django.db import models

from jiceng.core import crypto

# The bodies that take a step; a voted body's quorum and majority are the policy key of the same name.
BODIES = [
    ("party_org", "村党组织"),
    ("two_committees", "两委联席会议"),
    ("party_assembly", "党员大会"),
    ("villagers_assembly", "村民会议"),
    ("representatives_assembly", "村民代表会议"),
    ("board", "村务公开栏"),
]
VOTED = {"two_committees", "party_assembly", "villagers_assembly", "representatives_assembly"}


class Template(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)
    is_default = models.BooleanField("默认", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "决策程序模板"

    def __str__(self):
        return self.name


class TemplateStep(models.Model):
    END, RETURN = "end", "return"
    template = models.ForeignKey(Template, models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("序号")
    label = models.CharField("步骤", max_length=50)
    # Comma-separated body codes: the step may be taken by any of them (村民会议 or 村民代表会议).
    bodies = models.CharField("决策主体", max_length=100)
    discloses = models.CharField("公开内容", max_length=10, blank=True,
                                 choices=[("resolution", "决议公开"), ("result", "实施结果公开")])
    on_fail = models.CharField("表决未通过时", max_length=10, default=END,
                               choices=[(END, "事项终止"), (RETURN, "退回到指定步骤")])
    return_to = models.PositiveSmallIntegerField("退回到第几步", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "决策程序步骤"
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="village_step_order_unique")]

    def __str__(self):
        return f"{self.order}. {self.label}"

    @property
    def body_codes(self):
        return self.bodies.split(",")

    @property
    def voted(self):
        return any(b in VOTED for b in self.body_codes)


class Matter(models.Model):
    OPEN, ENDED, DONE = "open", "ended", "done"
    village = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="village_matters",
                                verbose_name="村")
    template = models.ForeignKey(Template, models.PROTECT, verbose_name="程序")
    title = models.CharField("事项", max_length=200)
    kind = models.CharField("事项类别", max_length=100)
    amount = models.DecimalField("涉及金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    description = models.TextField("事项说明", blank=True)
    proposed_on = models.DateField("提出日期")
    status = models.CharField("状态", max_length=10, default=OPEN,
                              choices=[(OPEN, "进行中"), (ENDED, "已终止"), (DONE, "已完成")])
    next_order = models.PositiveSmallIntegerField("下一步", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "村级重大事项"
        ordering = ["-proposed_on", "-id"]

    def __str__(self):
        return self.title


class StepRecord(models.Model):
    matter = models.ForeignKey(Matter, models.CASCADE, related_name="records")
    step = models.ForeignKey(TemplateStep, models.PROTECT, verbose_name="步骤")
    body = models.CharField("决策主体", max_length=30, choices=BODIES)
    held_on = models.DateField("日期")
    entitled = models.PositiveIntegerField("应到", null=True, blank=True)
    present = models.PositiveIntegerField("实到", null=True, blank=True)
    yes = models.PositiveIntegerField("同意", null=True, blank=True)
    no = models.PositiveIntegerField("反对", null=True, blank=True)
    abstain = models.PositiveIntegerField("弃权", null=True, blank=True)
    minutes = models.TextField("记录/内容")
    passed = models.BooleanField("通过", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "步骤记录"
        ordering = ["matter", "id"]


class Disclosure(models.Model):
    matter = models.ForeignKey(Matter, models.PROTECT, related_name="disclosures")
    village = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="village_disclosures")
    kind = models.CharField("公开内容", max_length=10, choices=TemplateStep._meta.get_field("discloses").choices)
    text = models.TextField("公开内容")
    posted_on = models.DateField("张贴日期")
    keep_until = models.DateField("至少公开至")
    taken_down_on = models.DateField("撤下日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "村务公开"
        ordering = ["-posted_on", "-id"]

    def __str__(self):
        return f"{self.matter.title}（{self.get_kind_display()}）"


class Question(models.Model):
    """A resident's question on a disclosure: no account; the phone is for a call back, never shown."""
    disclosure = models.ForeignKey(Disclosure, models.CASCADE, related_name="questions")
    text = models.TextField("问题")
    phone_enc = models.TextField("联系电话（密文）", blank=True, editable=False)
    asked_on = models.DateField("提问日期")
    answer = models.TextField("答复", blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "村民提问"
        ordering = ["id"]

    @property
    def phone(self):
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""


class Supervisor(models.Model):
    """A term of a member of the village's 村务监督委员会 (who also holds a view grant on the village).
    Ending a term keeps the row: the committee's past members stay on record."""
    village = models.ForeignKey("orgs.Organization", models.CASCADE, related_name="village_supervisors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="village_supervisor_of")
    appointed_on = models.DateField("任职日期")
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name="登记人")
    ended_on = models.DateField("离任日期", null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name="办理离任")
    end_reason = models.CharField("离任原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "村务监督委员会成员"
        ordering = ["-appointed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["village", "user"], condition=models.Q(ended_on__isnull=True),
                                               name="village_supervisor_current_unique")]


class Objection(models.Model):
    matter = models.ForeignKey(Matter, models.CASCADE, related_name="objections")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    raised_on = models.DateField("提出日期")
    text = models.TextField("监督意见")
    answer = models.TextField("答复", blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "监督意见"
        ordering = ["id"]

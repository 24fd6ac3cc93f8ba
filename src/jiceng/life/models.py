from django.conf import settings
from django.db import models

from .choices import ATTENDANCE, MEETING_KINDS


class Meeting(models.Model):
    """One record in a branch's meeting book (三会一课, 主题党日, 组织生活会, 民主评议):
    planned ahead, then recorded as held with its attendance. Only held meetings count."""

    PLANNED, HELD = "planned", "held"

    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="meetings", verbose_name="党支部")
    group = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name="党小组")
    kind = models.CharField("类型", max_length=24, choices=MEETING_KINDS)
    held_on = models.DateField("日期")
    status = models.CharField("状态", max_length=8, default=HELD, choices=[(PLANNED, "计划"), (HELD, "已召开")])
    starts_at = models.TimeField("开始时间", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    topic = models.CharField("主题", max_length=200)
    host = models.ForeignKey("people.Person", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="主持人")
    recorder = models.ForeignKey("people.Person", models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="记录人")
    agenda = models.TextField("议程", blank=True)
    minutes = models.TextField("会议记录", blank=True)
    decisions = models.TextField("决定事项", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "会议记录"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org", "held_on"], name="meeting_org_date")]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()} {self.topic}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="attendance", verbose_name="会议")
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="attendance", verbose_name="党员")
    status = models.CharField("出席情况", max_length=20, choices=ATTENDANCE)
    self_confirmed_at = models.DateTimeField("本人扫码确认时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "出席情况"
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_unique")]
        indexes = [models.Index(fields=["person", "meeting"], name="attendance_person")]

    def __str__(self):
        return f"{self.person} {self.get_status_display()}"


class Vote(models.Model):
    """A motion voted on at a general assembly; the counts of who could vote are kept with it."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="votes", verbose_name="会议")
    motion = models.CharField("表决事项", max_length=200)
    yes = models.PositiveIntegerField("赞成")
    no = models.PositiveIntegerField("反对")
    abstain = models.PositiveIntegerField("弃权")
    entitled = models.PositiveIntegerField("应到有表决权党员")
    present_voting = models.PositiveIntegerField("实到有表决权党员")
    passed = models.BooleanField("通过")

    class Meta:
        verbose_name = verbose_name_plural = "表决"

    def __str__(self):
        return f"{self.motion} {self.yes}/{self.no}/{self.abstain}"


class Attachment(models.Model):
    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="attachments", verbose_name="会议")
    file = models.FileField("文件", upload_to="life/%Y/%m/")
    caption = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "附件"

    def __str__(self):
        return self.caption or self.file.name


class Amendment(models.Model):
    """A correction made after the lock period: the original values are kept here."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="amendments", verbose_name="会议")
    reason = models.CharField("更正原因", max_length=200)
    before = models.JSONField("原记录")
    after = models.JSONField("更正后")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
                           verbose_name="更正人")
    at = models.DateTimeField("更正时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "补正记录"
        ordering = ["at"]

    def __str__(self):
        return f"{self.meeting_id} {self.reason}"


class Talk(models.Model):
    """谈心谈话: a one-to-one talk between a committee member and a member."""

    org = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="talks", verbose_name="党支部")
    held_on = models.DateField("日期")
    leader = models.ForeignKey("people.Person", models.PROTECT, related_name="+", verbose_name="谈话人（支委）")
    member = models.ForeignKey("people.Person", models.PROTECT, related_name="+", verbose_name="谈话对象")
    topic = models.CharField("主题", max_length=200, blank=True)
    notes = models.TextField("谈话要点", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "谈心谈话"
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["org", "held_on"], name="talk_org_date")]

    def __str__(self):
        return f"{self.held_on} {self.leader}→{self.member}"


class AbsenceRun(models.Model):
    """How many of a member's latest held meetings in a row they missed without reason
    (up to the policy's follow-up count), kept with every attendance change so the
    follow-up list of any subtree is one indexed query instead of a scan of attendance."""

    person = models.OneToOneField("people.Person", models.CASCADE, primary_key=True, related_name="+",
                                  verbose_name="党员")
    org = models.ForeignKey("orgs.Organization", models.CASCADE, related_name="+",
                            verbose_name="最近一次会议所在党支部")
    length = models.PositiveSmallIntegerField("连续无故缺席次数")
    last_on = models.DateField("最近一次会议日期")

    class Meta:
        verbose_name = verbose_name_plural = "连续无故缺席"
        indexes = [models.Index(fields=["length", "org"], name="absence_run_length")]

    def __str__(self):
        return f"{self.person_id} ×{self.length}"

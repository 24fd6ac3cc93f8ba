"""Village cadres: two-committee elections and the joint review of candidates (资格联审),
the secretary's filing with the county (备案), first secretaries and work teams (驻村), and
villages named for rectification (软弱涣散) with their four pairings (四个一)."""

from django.conf import settings
from django.db import models

VILLAGE_KINDS = {"village"}


class Election(models.Model):
    """A 换届选举 of one village's two committees."""

    village = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="elections", verbose_name="村")
    held_on = models.DateField("选举日期")
    # Set when the election is recorded as held: the two committees' new term runs from held_on.
    held = models.BooleanField("已举行", default=False)
    result = models.TextField("选举结果", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "换届选举"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.village.name} {self.held_on:%Y-%m-%d} 换届选举"


class Candidate(models.Model):
    PARTY, COMMITTEE = "party", "committee"
    BODIES = [(PARTY, "村党组织委员会"), (COMMITTEE, "村民委员会")]

    election = models.ForeignKey(Election, models.CASCADE, related_name="candidates", verbose_name="选举")
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="candidacies", verbose_name="人员")
    body = models.CharField("参选组织", max_length=10, choices=BODIES)
    entered_on = models.DateField("准予参选日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "候选人"
        ordering = ["election", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "person", "body"], name="cadres_candidate_once")]

    def __str__(self):
        return f"{self.person.name}（{self.get_body_display()}）"


class Review(models.Model):
    """One department's finding in the joint review; departments are codes from policy."""

    candidate = models.ForeignKey(Candidate, models.CASCADE, related_name="reviews", verbose_name="候选人")
    department = models.CharField("审查部门", max_length=30)
    passed = models.BooleanField("通过")
    reason = models.TextField("理由")
    reviewed_on = models.DateField("审查日期")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name="录入人")

    class Meta:
        verbose_name = verbose_name_plural = "资格联审意见"
        constraints = [models.UniqueConstraint(fields=["candidate", "department"], name="cadres_review_once")]


class Filing(models.Model):
    """The village secretary filed with the county organization department (备案)."""

    SUBMITTED, APPROVED, RETURNED = "submitted", "approved", "returned"
    STATUSES = [(SUBMITTED, "已报备"), (APPROVED, "已备案"), (RETURNED, "已退回")]

    village = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="filings", verbose_name="村")
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="filings", verbose_name="村党组织书记")
    submitted_on = models.DateField("报备日期")
    status = models.CharField("状态", max_length=10, choices=STATUSES, default=SUBMITTED)
    decided_on = models.DateField("办理日期", null=True, blank=True)
    reason = models.TextField("退回理由", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="办理人")

    class Meta:
        verbose_name = verbose_name_plural = "村书记备案"
        ordering = ["-submitted_on", "-id"]

    def __str__(self):
        return f"{self.village.name} {self.person.name} 备案"


class Station(models.Model):
    """A first secretary or work-team member stationed in a village (驻村)."""

    FIRST_SECRETARY, TEAM_MEMBER = "first_secretary", "team_member"
    ROLES = [(FIRST_SECRETARY, "第一书记"), (TEAM_MEMBER, "驻村工作队员")]

    village = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="stations", verbose_name="村")
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="stations", verbose_name="人员")
    role = models.CharField("身份", max_length=20, choices=ROLES)
    sending_unit = models.CharField("派出单位", max_length=200)
    start = models.DateField("驻村开始")
    end = models.DateField("驻村结束")

    class Meta:
        verbose_name = verbose_name_plural = "驻村干部"
        ordering = ["-start", "-id"]

    def __str__(self):
        return f"{self.person.name}（{self.get_role_display()}）驻{self.village.name}"


class WorkLog(models.Model):
    station = models.ForeignKey(Station, models.CASCADE, related_name="logs", verbose_name="驻村")
    on = models.DateField("日期")
    text = models.TextField("工作内容")

    class Meta:
        verbose_name = verbose_name_plural = "驻村工作日志"
        ordering = ["-on", "-id"]


class Naming(models.Model):
    """A village named for rectification (软弱涣散村党组织) in one year, until closed."""

    village = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="namings", verbose_name="村")
    year = models.PositiveSmallIntegerField("年度")
    named_on = models.DateField("认定日期")
    reason = models.TextField("认定原因")
    named_by = models.CharField("认定单位", max_length=200)
    closed_on = models.DateField("整顿销号日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "软弱涣散村"
        ordering = ["-year", "village__path"]
        constraints = [models.UniqueConstraint(fields=["village", "year"], condition=models.Q(closed_on__isnull=True),
                                               name="cadres_naming_open_once")]

    def __str__(self):
        return f"{self.village.name} {self.year}年软弱涣散"


class Pairing(models.Model):
    """One of the four pairings (四个一) of a named village; one of each kind per naming."""

    COUNTY_LEADER, TOWNSHIP_LEADER, FIRST_SECRETARY, AGENCY = (
        "county_leader", "township_leader", "first_secretary", "agency")
    KINDS = [(COUNTY_LEADER, "县级领导包联"), (TOWNSHIP_LEADER, "乡镇领导包村"), (FIRST_SECRETARY, "第一书记"),
             (AGENCY, "结对帮扶单位")]

    naming = models.ForeignKey(Naming, models.CASCADE, related_name="pairings", verbose_name="软弱涣散村")
    kind = models.CharField("包联类型", max_length=20, choices=KINDS)
    name = models.CharField("姓名职务或单位", max_length=200)
    station = models.ForeignKey(Station, models.PROTECT, null=True, blank=True, related_name="pairings",
                                verbose_name="驻村记录")
    org = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name="帮扶单位（组织）")
    start = models.DateField("开始日期")

    class Meta:
        verbose_name = verbose_name_plural = "四个一包联"
        ordering = ["naming", "kind"]
        constraints = [models.UniqueConstraint(fields=["naming", "kind"], name="cadres_pairing_once")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.name}"

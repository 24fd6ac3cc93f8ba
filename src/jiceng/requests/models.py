from django.conf import settings
from django.db import models

from jiceng.core import crypto

from . import choices


class Request(models.Model):
    """诉求: one resident's request, from intake to the resident's rating. It always has a
    clock (respond_by, resolve_by from the category's SLA) and, once routed, an owner node."""

    tracking_no = models.CharField("受理编号", max_length=16, unique=True)
    channel = models.CharField("渠道", max_length=8, choices=choices.CHANNELS)
    # "<channel>:<key>": the client's Idempotency-Key header or WeChat's MsgId.
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)
    client = models.ForeignKey("requests.ApiClient", models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name="接入应用")
    category = models.CharField("类别", max_length=40)
    description = models.TextField("诉求内容")
    address = models.CharField("地址", max_length=200, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    phone_enc = models.TextField("联系电话（密文）", blank=True, editable=False)
    phone_index = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    wechat_openid = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=choices.STATUSES, default=choices.TRIAGE)
    grid = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="所在网格")
    owner = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True,
                              related_name="requests_owned", verbose_name="承办单位")
    outside_grids = models.BooleanField("不在任何网格内", default=False)
    triage_reason = models.CharField("待分派原因", max_length=200, blank=True)
    received_at = models.DateTimeField("受理时间")
    respond_by = models.DateTimeField("响应时限")
    resolve_by = models.DateTimeField("办结时限")
    responded_at = models.DateTimeField("响应时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    escalations = models.PositiveSmallIntegerField("上提次数", default=0)
    result = models.TextField("办理结果", blank=True)
    merged_into = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="merged",
                                    verbose_name="合并到")
    rating = models.CharField("评价", max_length=12, choices=choices.RATINGS, blank=True)
    rating_comment = models.CharField("评价意见", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "诉求"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "received_at"], name="request_owner_time"),
            models.Index(fields=["grid", "received_at"], name="request_grid_time"),
            models.Index(fields=["status", "resolve_by"], name="request_open_due"),
            models.Index(fields=["category", "received_at"], name="request_category_time"),
        ]

    def __str__(self):
        return f"{self.tracking_no} {self.description[:20]}"

    @property
    def phone(self):
        return crypto.decrypt(self.phone_enc)

    @property
    def phone_masked(self):
        return crypto.mask_phone(self.phone)

    @property
    def is_open(self):
        return self.status in choices.OPEN_STATUSES


class Event(models.Model):
    """One step in a request's history. `public` steps are shown to the resident."""

    request = models.ForeignKey(Request, models.CASCADE, related_name="events", verbose_name="诉求")
    at = models.DateTimeField("时间")
    kind = models.CharField("事项", max_length=20, choices=choices.EVENTS)
    org = models.ForeignKey("orgs.Organization", models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name="单位")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name="经办人")
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("向群众公开", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.request_id} {self.get_kind_display()}"


class Photo(models.Model):
    request = models.ForeignKey(Request, models.CASCADE, related_name="photos", verbose_name="诉求")
    stage = models.CharField("环节", max_length=8, choices=[(choices.PHOTO_INTAKE, "群众上传"),
                                                             (choices.PHOTO_RESULT, "办理结果")])
    file = models.FileField("照片", upload_to="requests/%Y/%m/")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "诉求照片"

    def __str__(self):
        return self.file.name


class Summons(models.Model):
    """吹哨报到: a department summoned to a request must accept in time and report what it did;
    the request closes only when every summoned department has reported."""

    request = models.ForeignKey(Request, models.CASCADE, related_name="summonses", verbose_name="诉求")
    department = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="summonses",
                                   verbose_name="报到部门")
    called_by = models.ForeignKey("orgs.Organization", models.PROTECT, related_name="+", verbose_name="吹哨单位")
    called_at = models.DateTimeField("吹哨时间")
    accept_by = models.DateTimeField("报到时限")
    accepted_at = models.DateTimeField("报到时间", null=True, blank=True)
    report = models.TextField("处置情况", blank=True)
    reported_at = models.DateTimeField("反馈时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "吹哨报到"
        constraints = [models.UniqueConstraint(fields=["request", "department"], name="summons_unique")]

    def __str__(self):
        return f"{self.request_id} → {self.department_id}"


class ApiClient(models.Model):
    """An Open311 client (api_key). Only a digest of the key is stored; it is shown once."""

    name = models.CharField("应用名称", max_length=100)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "Open311 接入应用"

    def __str__(self):
        return self.name


# Hours to respond and to resolve are kept as histograms of √2-wide buckets (see figures.EDGES).
HOUR_BUCKETS = 26


class RequestCount(models.Model):
    """Figures rollup (kept by requests.figures): for one node's subtree, one day or one month
    of receipt and one category, how many requests and what became of them. A request adds
    to its owner's row and every ancestor's (`located` to its grid's and the grid's ancestors)."""

    DAY, MONTH = "d", "m"

    # No index of its own: the unique key (node, span, start, category) leads with it, and
    # SQLite would otherwise pick the narrower index and read a node's every day row.
    node = models.ForeignKey("orgs.Organization", models.CASCADE, related_name="+", db_index=False)
    span = models.CharField(max_length=1, choices=[(DAY, "日"), (MONTH, "月")])
    start = models.DateField()
    category = models.CharField(max_length=40)
    received = models.IntegerField(default=0)
    responded_in_time = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_in_time = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    located = models.IntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "诉求统计汇总"
        constraints = [models.UniqueConstraint(fields=["node", "span", "start", "category"],
                                               name="requestcount_unique")]

    def __str__(self):
        return f"{self.node_id} {self.span}{self.start} {self.category}"


for _i in range(HOUR_BUCKETS):
    RequestCount.add_to_class(f"respond_h{_i:02d}", models.IntegerField(default=0))
    RequestCount.add_to_class(f"resolve_h{_i:02d}", models.IntegerField(default=0))
del _i

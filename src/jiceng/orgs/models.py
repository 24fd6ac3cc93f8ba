from django.db import models

from jiceng.core import tree

from .kinds import KINDS, POST_TITLES, SECTORS


class Organization(models.Model):
    """One node of the tree: a party organization or a governance unit it leads.

    `path` is the materialized path (core.tree); `child_seq` numbers the next child.
    """

    ACTIVE, DISSOLVED = "active", "dissolved"

    name = models.CharField("名称", max_length=200, db_index=True)
    name_initials = models.CharField("拼音首字母", max_length=200, db_index=True, editable=False)
    kind = models.CharField("类型", max_length=20, choices=KINDS)
    sector = models.CharField("领域", max_length=30, choices=SECTORS, default="other")
    division_code = models.CharField("行政区划代码", max_length=12, blank=True, db_index=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    status = models.CharField("状态", max_length=12, default=ACTIVE,
                              choices=[(ACTIVE, "正常"), (DISSOLVED, "已撤销")])
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name="上级组织")
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("层级", editable=False)
    child_seq = models.PositiveIntegerField(default=0, editable=False)
    area = models.JSONField("区域（GeoJSON）", null=True, blank=True)
    # Bumped by every save and by the subtree move's UPDATE: caches of the tree (the routing
    # index) compare the newest value with the one they were built at.
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "组织"
        ordering = ["path"]

    def __str__(self):
        return self.name

    def subtree_q(self, field="path"):
        return tree.subtree_q(self.path, field)

    def ancestor_paths(self, include_self=False):
        return tree.ancestor_paths(self.path, include_self)


class LeadershipPost(models.Model):
    """书记 / 副书记 / 委员 of an organization for one term."""

    org = models.ForeignKey(Organization, models.CASCADE, related_name="posts", verbose_name="组织")
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="posts", verbose_name="人员")
    title = models.CharField("职务", max_length=20, choices=POST_TITLES)
    term_start = models.DateField("任期开始")
    term_end = models.DateField("任期届满", help_text="由政策计算：村、社区5年，其他3年")
    ended_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "班子成员"
        ordering = ["org", "title", "term_start"]
        indexes = [models.Index(fields=["org", "ended_on"], name="post_org_current")]

    def __str__(self):
        return f"{self.org} {self.get_title_display()} {self.person}"


class NodeCount(models.Model):
    """Per-node rollup: how many of `key` are in the node's subtree (node included).

    Keys: status:<s> for memberships, and gender:<g>, birth_year:<y>, sector:<s>,
    education:<code>, ethnicity:<name> for party members; kind:<k>, org_sector:<s> for
    organizations without a dissolution date. Kept by orgs.rollups in the same
    transaction as the change that moves them.
    """

    node = models.ForeignKey(Organization, models.CASCADE, related_name="counts")
    key = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "汇总计数"
        constraints = [models.UniqueConstraint(fields=["node", "key"], name="nodecount_unique")]

    def __str__(self):
        return f"{self.node_id} {self.key}={self.value}"


class NodeCountChange(models.Model):
    """How much `key` changed in the node's subtree on `day` (effective date, not the day it
    was entered), for nodes down to rollups.HISTORY_DEPTH: the count at the end of day d is the
    node's NodeCount minus the changes after d. Kept by orgs.rollups beside NodeCount."""

    node = models.ForeignKey(Organization, models.CASCADE, related_name="count_changes")
    key = models.CharField(max_length=40)
    day = models.DateField()
    delta = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "汇总计数变化"
        # (node, day) first: the as-of read takes one node's days after d in index order.
        constraints = [models.UniqueConstraint(fields=["node", "day", "key"], name="nodecountchange_unique")]

    def __str__(self):
        return f"{self.node_id} {self.key} {self.day} {self.delta:+d}"

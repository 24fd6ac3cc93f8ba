"""Panels of the other capabilities, each read from what that capability already keeps:
organizational life from its counters in the rollups, requests from their figures table, the
development pipeline from the rollups' status counts and the cases' kept next step, dues and
village decisions from their own rows under the node. A panel appears only when its
capability has data for the node. Panels whose figures have no history say so for a past
date instead of showing today's numbers."""

import datetime

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from jiceng.core import policy, tree

from .links import cell, link

NO_HISTORY = "该指标不支持历史日期"


def pct(part, whole):
    return None if not whole else round(100 * part / whole, 1)


def cached(node, name, today, compute):
    """compute(), kept for the policy's seconds: reads that sum rows under the node (dues,
    village, development, structural checks) are not repeated on every refresh of a big screen."""
    seconds = policy.get("dashboard.panel_cache_seconds", on=today)
    key = f"dashboard:{name}:{node.pk}:{node.path}:{today}"
    kept = cache.get(key)
    if kept is None:
        kept = {"value": compute()}  # wrapped: "no data" (None) is kept too
        cache.set(key, kept, seconds)
    return kept["value"]


def panel(key, title, rows, href=None, note=""):
    return {"key": key, "title": title, "rows": rows, "href": href, "note": note}


def life(node, counts, today, on):
    from jiceng.life import compliance
    from jiceng.life.choices import KIND_LABELS

    if not counts.get("owes:branch"):
        return None
    href = link("life:compliance", node.pk)
    if on:
        return panel("life", "组织生活", [], href, NO_HISTORY)
    result = compliance.summary(counts, today.year, today)
    met, owed = result.overall
    if not owed and not result.by_kind:
        return None
    rows = [cell("按要求开展（次）", met, href, "met"), cell("应开展（次）", owed, href, "owed"),
            cell("完成率（%）", pct(met, owed), href, "rate")]
    rows += [cell(f"{KIND_LABELS[k]}（%）", pct(*result.by_kind[k]), link("life:compliance", node.pk, kind=k))
             for k in KIND_LABELS if k in result.by_kind]
    return panel("life", f"组织生活（{today.year}年）", rows, href)


def _rates(stats):
    def rate(value):
        return None if value is None else round(100 * value, 1)

    return {"received": stats.received, "response": rate(stats.response_rate),
            "resolution": rate(stats.resolution_rate), "satisfaction": rate(stats.satisfaction_rate),
            "overdue": stats.overdue}


def requests_figures(node, children, today):
    """The requests' figures of this year to date for the node and each child (requests.figures,
    from its kept table), cached like the other panels: {"total": {...}, "children": {id: {...}}}."""
    from jiceng.requests import figures

    def compute():
        end = today + datetime.timedelta(days=1)
        # For a past day, "open and overdue" is judged at the end of that day, not now.
        past = today < timezone.localdate()
        now = timezone.make_aware(datetime.datetime.combine(end, datetime.time())) if past else None
        report = figures.report(node, children, datetime.date(today.year, 1, 1), end, now=now)
        return {"total": _rates(report.total),
                "children": {u.org.pk: _rates(u.stats) for u in report.units if u.org is not None}}

    return cached(node, f"requests:{len(children)}", today, compute)


def requests(node, found, day):
    """This year's requests up to `day` (inclusive): their figures are kept by day, so a past
    date is answered as well as today."""
    total = found["total"]
    if not total["received"]:
        return None
    href = f"{reverse('figures:staff')}?node={node.pk}&start={day.year}-01-01&end={day + datetime.timedelta(days=1)}"
    return panel("requests", f"接诉即办（{day.year}年1月1日至{day.month}月{day.day}日）", [
        cell("受理（件）", total["received"], href, "received"),
        cell("响应率（%）", total["response"], href, "response"),
        cell("解决率（%）", total["resolution"], href, "resolution"),
        cell("满意率（%）", total["satisfaction"], href, "satisfaction"),
        cell("超期（件）", total["overdue"], href, "overdue"),
    ], href)


PIPELINE = [("applicant", "入党申请人"), ("activist", "入党积极分子"), ("candidate", "发展对象"), ("probationary", "预备党员")]


def development(user, node, counts, today, on):
    from jiceng.development import queries

    rows = [cell(label, counts.get(f"status:{s}", 0), link("orgs:members", node.pk, on, status=s), s)
            for s, label in PIPELINE]
    due = {} if on else cached(node, f"development:{user.pk}", today, lambda: queries.summary(user, node, today))
    href = link("development:dashboard", node.pk)
    if due:
        rows.append(cell("待办（人）", sum(n for n, _ in due.values()), href, "due"))
        rows.append(cell("逾期（人）", sum(late for _, late in due.values()), link("development:dashboard", node.pk,
                                                                                   overdue=1), "late"))
    if not any(r["n"] for r in rows):
        return None
    return panel("development", "发展党员", rows, href, NO_HISTORY + "（待办、逾期）" if on else "")


def dues(node, today, on):
    from jiceng.dues.models import Assessment

    def compute():
        month = today.replace(day=1)
        rows = Assessment.objects.filter(tree.subtree_q(node.path, "org__path"))
        if not rows.exists():
            return None
        this = rows.filter(month=month).aggregate(
            owed=Sum("due"), paid=Sum("due", filter=Q(paid_on__isnull=False)),
            members=Count("id"), paid_members=Count("id", filter=Q(paid_on__isnull=False) | Q(due=0)))
        arrears = rows.filter(month__lt=month, paid_on__isnull=True, due__gt=0).aggregate(
            members=Count("person_id", distinct=True), total=Sum("due"))
        return {"month": month, **{f"this_{k}": v for k, v in this.items()},
                **{f"arrears_{k}": v for k, v in arrears.items()}}

    href = link("dues:arrears", node.pk)
    if on:
        return panel("dues", "党费", [], href, NO_HISTORY) if cached(node, "dues", today, compute) else None
    kept = cached(node, "dues", today, compute)
    if not kept:
        return None
    money = lambda v: round(float(v or 0), 2)  # noqa: E731
    return panel("dues", f"党费（{kept['month']:%Y年%-m月}）", [
        cell("本月应交（人）", kept["this_members"] or 0, href, "members"),
        cell("本月已交（人）", kept["this_paid_members"] or 0, href, "paid_members"),
        cell("本月交纳率（%）", pct(kept["this_paid_members"] or 0, kept["this_members"]), href, "rate"),
        cell("本月已交（元）", money(kept["this_paid"]), href, "paid"),
        cell("往月欠交（人）", kept["arrears_members"] or 0, href, "arrears_members"),
        cell("往月欠交（元）", money(kept["arrears_total"]), href, "arrears"),
    ], href)


def village(node, today, on):
    from jiceng.village.models import Disclosure, Matter

    def compute():
        matters = dict(Matter.objects.filter(tree.subtree_q(node.path, "village__path"))
                       .values_list("status").annotate(n=Count("id")).order_by())
        if not matters:
            return None
        posted = Disclosure.objects.filter(tree.subtree_q(node.path, "village__path"), taken_down_on__isnull=True,
                                           posted_on__lte=today).count()
        return {"matters": matters, "posted": posted}

    kept = cached(node, "village", today, compute)
    if not kept:
        return None
    href = link("village:matters", node.pk) if node.kind == "village" else None
    if on:
        return panel("village", "村级重大事项（四议两公开）", [], href, NO_HISTORY)
    m = kept["matters"]
    return panel("village", "村级重大事项（四议两公开）", [
        cell("进行中（项）", m.get("open", 0), href, "open"), cell("已完成（项）", m.get("done", 0), href, "done"),
        cell("已终止（项）", m.get("ended", 0), href, "ended"), cell("公开栏在公开（条）", kept["posted"], href, "posted"),
    ], href)


def problems(user, node, today, on):
    from jiceng.orgs import checks, queries

    href = link("orgs:problems", node.pk)
    if on:
        return panel("problems", "结构检查", [], href, NO_HISTORY)

    counted = cached(node, f"problems:{user.pk}", today,
                     lambda: checks.counts_under(node, queries.visible(user), today))
    rows = [cell(label, counted.get(code, 0), link("orgs:problems", node.pk, code=code), code)
            for code, label in checks.LABELS.items()]
    return panel("problems", "结构检查", rows, href, "" if counted else "未发现问题")


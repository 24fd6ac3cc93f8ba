"""Pages of the figures of residents' requests: for staff, any node they may see and any
period; for the public, a jurisdiction's figures by year or month, without personal data
(counts and unit names only), cached for the policy's seconds."""

import datetime
import math
import re
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from jiceng.core import policy
from jiceng.core.errors import DomainError
from jiceng.orgs import queries
from jiceng.orgs.models import Organization

from . import figures, services

# More polygons than this make a heavy map nobody can read on a phone: above it the map
# shows the child units (their own areas) instead of the grids, each a link down to its
# grids. A typical street (up to ~100 grids) is drawn by grid; the bench's dense street of
# 400 grids by community (drawing its 400 grids cost ~100 ms more on PostgreSQL).
MAP_MAX_AREAS = 150
MAP_WIDTH = 600
COLOURS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")  # light to dark (ColorBrewer Reds)
NO_REQUESTS = "#eef1f4"


# -- formatting --------------------------------------------------------------------------------

def _percent(rate):
    return "—" if rate is None else f"{100 * rate:.1f}%"


def _duration(median):
    if median is None:
        return "—"
    if median.bound == "<":
        return "15分钟内"
    if median.bound == ">":
        return f"超过{median.hours:.0f}小时"
    if median.hours >= 48:
        return f"约{median.hours / 24:.1f}天"
    return f"约{median.hours:.1f}小时"


def row(stats):
    """What a table row shows of Stats."""
    return {
        "received": stats.received, "response": _percent(stats.response_rate),
        "resolution": _percent(stats.resolution_rate), "in_time": _percent(stats.resolved_in_time_rate),
        "satisfaction": _percent(stats.satisfaction_rate), "rated": stats.rated, "overdue": stats.overdue,
        "respond_median": _duration(stats.median_respond), "resolve_median": _duration(stats.median_resolve),
    }


# -- the heat map ------------------------------------------------------------------------------

def _rings(area):
    polygons = [area["coordinates"]] if area["type"] == "Polygon" else area["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def heat_map(areas, href=None):
    """An SVG map drawn here from GeoJSON areas: [(org id, name, area, count)] → the markup of
    the paths (built here, not in the template: a street has 400 grids), each coloured by its
    count in five equal steps up to the largest. `href(org id)` links an area or gives None."""
    areas = [a for a in areas if a[2]]
    if not areas:
        return None
    points = [p for a in areas for ring in _rings(a[2]) for p in ring]
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((min_y + max_y) / 2))  # equirectangular: fine at a city's size
    scale = MAP_WIDTH / max((max_x - min_x) * kx, max_y - min_y, 1e-9)
    top = max((n for *_, n in areas), default=0)
    shapes = []
    for org_id, name, area, n in areas:
        d = []
        for ring in _rings(area):
            kept, last = [], None
            for lon, lat, *_ in ring:
                x, y = (lon - min_x) * kx * scale, (max_y - lat) * scale
                if last is None or abs(x - last[0]) + abs(y - last[1]) >= 0.75:  # drop sub-pixel steps
                    kept.append(f"{x:.1f},{y:.1f}")
                    last = (x, y)
            if len(kept) >= 3:
                d.append("M" + "L".join(kept) + "Z")
        step = math.ceil(len(COLOURS) * n / top) - 1 if n else None
        path = format_html('<path d="{}" fill="{}" fill-rule="evenodd" stroke="#ffffff" stroke-width="0.6">'
                           "<title>{}：{} 件</title></path>", "".join(d),
                           NO_REQUESTS if step is None else COLOURS[step], name, n)
        link = href(org_id) if href else None
        shapes.append(format_html('<a href="{}">{}</a>', link, path) if link else path)
    legend = [(NO_REQUESTS, "0")]
    for i, colour in enumerate(COLOURS):
        low, high = math.floor(top * i / len(COLOURS)) + 1, math.floor(top * (i + 1) / len(COLOURS))
        if low <= high:
            legend.append((colour, f"{low}" if low == high else f"{low}–{high}"))
    return {"width": MAP_WIDTH, "height": math.ceil((max_y - min_y) * scale),
            "svg": mark_safe("".join(shapes)),  # every piece escaped by format_html
            "legend": legend}


def map_areas(node, report):
    """([(org id, name, area, count)], what they are): the node's grids when there are at most
    MAP_MAX_AREAS, else its child units that have an area."""
    grid_ids = list(Organization.objects.filter(node.subtree_q(), kind="grid", area__isnull=False)
                    .order_by("path").values_list("id", flat=True)[:MAP_MAX_AREAS + 1])
    if grid_ids and len(grid_ids) <= MAP_MAX_AREAS:
        counts, level = figures.located(grid_ids, report.start, report.end), "网格"
    else:
        counts, level = report.located, "下级单位"
    rows = Organization.objects.filter(pk__in=list(counts) if level == "下级单位" else grid_ids,
                                       area__isnull=False).order_by("path").values_list("id", "name", "area")
    return [(pk, name, area, counts.get(pk) or 0) for pk, name, area in rows], level


def _context(report, href):
    areas, level = map_areas(report.node, report)
    return {
        "report": report,
        "total": row(report.total),
        "categories": [(name, row(stats)) for _, name, stats in report.by_category],
        "units": [(unit.org, unit.org and href(unit.org.pk), row(unit.stats)) for unit in report.units],
        "league": [(unit.rank, unit.org, href(unit.org.pk), _percent(unit.score), row(unit.stats))
                   for unit in report.league],
        "map": heat_map(areas, href), "map_level": level,
        "last_day": report.end - datetime.timedelta(days=1),
    }


# -- staff -------------------------------------------------------------------------------------

class PeriodForm(forms.Form):
    node = forms.IntegerField(required=False, widget=forms.HiddenInput,
                              error_messages={"invalid": "单位编号应为数字"})
    start = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": "起始日期应写作 年-月-日，如 2025-01-01"})
    end = forms.DateField(label="截止日期（不含当日）", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": "截止日期应写作 年-月-日，如 2026-01-01"})

    def period(self, today):
        """[start, end): by default from 1 January to today inclusive."""
        start = self.cleaned_data["start"] or datetime.date(today.year, 1, 1)
        end = self.cleaned_data["end"] or today + datetime.timedelta(days=1)
        if start >= end:
            self.add_error("end", f"截止日期应晚于起始日期（{start:%Y-%m-%d}）；截止日期当天不计入")
        return start, end


def _staff_node(user, pk):
    if pk is not None:
        return queries.get(user, pk)
    roots = queries.roots(user)
    if not roots:
        raise PermissionDenied("您没有可以查看诉求统计的单位")
    return roots[0]


def _shortcuts(node, today):
    """Links to this month, last month, this year and last year."""
    month = today.replace(day=1)
    last_month = (month - datetime.timedelta(days=1)).replace(day=1)
    periods = [("本月", month, today + datetime.timedelta(days=1)), ("上月", last_month, month),
               ("今年", month.replace(month=1), today + datetime.timedelta(days=1)),
               ("去年", datetime.date(today.year - 1, 1, 1), datetime.date(today.year, 1, 1))]
    return [(label, "?" + urlencode({"node": node.pk, "start": start, "end": end})) for label, start, end in periods]


@login_required
@require_GET
def staff(request):
    form = PeriodForm(request.GET)
    if not form.is_valid() and "node" in form.errors:
        raise Http404("单位编号无效")
    node = _staff_node(request.user, form.cleaned_data.get("node"))
    today = timezone.localdate()
    context = {"node": node, "form": form, "shortcuts": _shortcuts(node, today),
               "ancestors": queries.breadcrumbs(request.user, node)[:-1]}
    if form.is_valid():
        start, end = form.period(today)
    if form.errors:
        return render(request, "requests/figures.html", context, status=400)
    children = list(queries.children(request.user, node))
    report = figures.report(node, children, start, end)

    period = urlencode({"start": start, "end": end})

    def href(org_id):
        return f"?{period}&node={org_id}"

    context.update(_context(report, href))
    return render(request, "requests/figures.html", context)


# -- public ------------------------------------------------------------------------------------

PERIOD = re.compile(r"(\d{4})(?:-(\d{1,2}))?")


def public_period(text, today):
    """(start, end, label): '2025' → the year, '2025-03' → the month, '' → this year to date;
    else DomainError."""
    if not text:
        return datetime.date(today.year, 1, 1), today + datetime.timedelta(days=1), str(today.year)
    match = PERIOD.fullmatch(text.strip())
    year, month = (int(match[1]), int(match[2]) if match[2] else None) if match else (0, None)
    if not match or not 2000 <= year <= today.year or (month is not None and not 1 <= month <= 12):
        raise DomainError("period_invalid", f"统计期应为 2000 年至今的年份（如 {today.year}）或年月（如 "
                                            f"{today:%Y-%m}），收到的是“{text}”", "period")
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1), str(year)
    start = datetime.date(year, month, 1)
    return start, (start + datetime.timedelta(days=32)).replace(day=1), f"{start:%Y-%m}"


@require_GET
def public(request, division_code):
    today = timezone.localdate()
    try:
        node = services.jurisdiction(division_code)
        start, end, label = public_period(request.GET.get("period", ""), today)
    except DomainError as exc:
        status = 404 if exc.code == "jurisdiction_unknown" else 400
        return render(request, "requests/figures_public.html", {"error": exc.message}, status=status)
    seconds = policy.get("requests.public_figures_cache_seconds", on=today)
    key = f"requests:figures:public:{node.pk}:{start}:{end}"
    html = cache.get(key)
    if html is None:
        children = list(Organization.objects.filter(parent=node).order_by("path"))
        report = figures.report(node, children, start, end)
        codes = {c.pk: c.division_code for c in children if c.division_code}

        def href(org_id):
            code = codes.get(org_id)
            return reverse("figures:public", args=[code]) + "?" + urlencode({"period": label}) if code else None

        years = list(range(today.year, max(today.year - 5, 1999), -1))
        # Rendered without the request: the cached page must not carry anyone's session.
        html = render_to_string("requests/figures_public.html",
                                {**_context(report, href), "years": years, "node": node, "label": label,
                                 "months": [f"{start.year}-{m:02d}" for m in range(1, 13)
                                            if datetime.date(start.year, m, 1) <= today]})
        cache.set(key, html, seconds)
    response = HttpResponse(html)
    patch_cache_control(response, public=True, max_age=seconds)
    return response

import datetime

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from jiceng.core import policy
from jiceng.core.errors import DomainError
from jiceng.orgs import queries

from . import assets, figures, geo


def parse_on(text, today):
    """The as-of date of `?on=YYYY-MM-DD`: None for today (or empty); DomainError if bad."""
    if not text:
        return None
    try:
        on = datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError("date_invalid", f"日期应写作 年-月-日，如 {today:%Y-%m-%d}；收到的是“{text}”", "on") from None
    if on > today:
        raise DomainError("date_future", f"日期不能晚于今天（{today:%Y-%m-%d}）；收到的是 {on:%Y-%m-%d}", "on")
    return None if on == today else on


def _asked(request, org_id):
    """(node, as-of date, error message): the node 404s outside the user's grants."""
    node = queries.get(request.user, org_id)
    today = timezone.localdate()
    try:
        return node, parse_on(request.GET.get("on", ""), today), None
    except DomainError as exc:
        return node, None, exc.message


@login_required
@require_GET
def index(request):
    """The top node the user may see."""
    roots = queries.roots(request.user)
    if not roots:
        return render(request, "dashboard/none.html", status=404)
    return redirect("dashboard:node", org_id=roots[0].pk)


def _crumbs(request, node):
    return queries.breadcrumbs(request.user, node)


@login_required
@require_GET
def node(request, org_id):
    node, on, error = _asked(request, org_id)
    data = figures.dashboard(request.user, node, on)
    return render(request, "dashboard/node.html", {
        "node": node, "data": data, "on": on, "error": error, "dash_crumbs": _crumbs(request, node),
        "echarts": assets.echarts_static_path(),
    }, status=400 if error else 200)


@login_required
@require_GET
def data(request, org_id):
    node, on, error = _asked(request, org_id)
    if error:
        return JsonResponse({"detail": error}, status=400)
    return JsonResponse(figures.dashboard(request.user, node, on), json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def map_json(request, org_id):
    """GeoJSON of the children the user may see (never more)."""
    node = queries.get(request.user, org_id)
    children = list(queries.children(request.user, node)[:500])
    return JsonResponse(geo.feature_collection(children, timezone.localdate()),
                        json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def screen(request, org_id):
    node, on, error = _asked(request, org_id)
    today = timezone.localdate()
    return render(request, "dashboard/screen.html", {
        "node": node, "on": on, "error": error, "data": figures.dashboard(request.user, node, on),
        "echarts": assets.echarts_static_path(), "refresh": policy.get("dashboard.screen_refresh_seconds", on=today),
    }, status=400 if error else 200)

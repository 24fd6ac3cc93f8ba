"""The statistics tables of a node as a page, the workbook download, and the rows behind a cell."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from jiceng.core.errors import DomainError
from jiceng.core.scoping import scope
from jiceng.orgs import queries as org_queries

from . import checks, figures, pages, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request):
    return pages.year_from(request.GET.get("year"), timezone.localdate())


@login_required
@require_GET
def report(request, org_id):
    org = org_queries.get(request.user, org_id)
    context = {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org),
               "years": pages.recent_years(timezone.localdate())}
    try:
        year = _year(request)
    except DomainError as exc:
        return render(request, "reports/report.html", {**context, "problem": exc.message}, status=400)
    result = figures.compute(org, year)
    movements = checks.flows(org, year)
    findings = checks.run(result, movements)
    flagged = {f.cell for f in findings if f.cell}
    return render(request, "reports/report.html", {
        **context, "year": year, "report": result, "movements": movements, "findings": findings,
        "tables": [pages.html_table(i, t, flagged) for i, t in enumerate(result.tables)],
        "flow_rows": pages.flow_rows(movements),
    })


@login_required
@require_GET
def download(request, org_id):
    org = org_queries.get(request.user, org_id)
    try:
        year = _year(request)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    data = workbook.build(org, year, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, workbook.filename(org, year))
    return response


@login_required
@require_GET
def rows(request, org_id):
    """The members or organizations behind one figure, by the filters in its link."""
    org = org_queries.get(request.user, org_id)
    context = {"org": org, "crumbs": org_queries.breadcrumbs(request.user, org)}
    try:
        year = _year(request)
        table, filters = pages.cell_filters(request.GET)
    except DomainError as exc:
        return render(request, "reports/rows.html", {**context, "problem": exc.message}, status=400)
    people = table in ("members", "development")
    found = scope(request.user, figures.member_rows(org, year, filters) if people
                  else figures.org_rows(org, year, table, filters))
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(request, "reports/rows.html", {
        **context, "year": year, "page": page, "people": people, "describe": pages.describe(table, filters, year),
        "back": f"?year={year}",
    })

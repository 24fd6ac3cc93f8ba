from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import policy
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE
from jiceng.core.scoping import can, scope
from jiceng.orgs import queries as org_queries

from . import jobs, report
from .forms import CommitForm, UploadForm
from .models import ImportJob
from .rosters import LABELS, MEMBER_COLUMNS, ORG_COLUMNS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job(request, job_id):
    return get_object_or_404(scope(request.user, ImportJob.objects.select_related("org", "user")), pk=job_id)


@login_required
def upload(request, org_id):
    """Choose a roster file: it is checked at once (type, size, columns), then previewed."""
    org = org_queries.get(request.user, org_id, CHANGE)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.upload(request.user, org, form.cleaned_data["kind"], form.cleaned_data["file"])
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            jobs.enqueue(job)
            return redirect("exchange:job", job_id=job.pk)
    recent = scope(request.user, ImportJob.objects.filter(org=org))[:10]
    return render(request, "exchange/upload.html", {
        "org": org, "form": form, "recent": recent, "crumbs": org_queries.breadcrumbs(request.user, org),
        "columns": [(LABELS[k], "、".join(v)) for k, v in MEMBER_COLUMNS.items()],
        "org_columns": [(LABELS[k], "、".join(v)) for k, v in ORG_COLUMNS.items()],
    })


@login_required
def job(request, job_id):
    """The mapping, the counts, the row-by-row report (paginated), and the commit button."""
    job = _job(request, job_id)
    per_page = policy.get("exchange.preview_page_rows", on=timezone.localdate())
    page = Paginator(jobs.problems(job), per_page).get_page(request.GET.get("page"))
    progress = jobs.progress(job)
    return render(request, "exchange/job.html", {
        "job": job, "org": job.org, "page": page, "form": CommitForm(),
        "labels": LABELS, "progress": progress,
        "running": job.status in (ImportJob.PREVIEWING, ImportJob.COMMITTING) and not progress["interrupted"],
        "stalled_minutes": policy.get("exchange.stalled_minutes", on=timezone.localdate()),
        "can_change": can(request.user, CHANGE, job.org),
        "crumbs": org_queries.breadcrumbs(request.user, job.org),
    })


@login_required
def progress(request, job_id):
    return JsonResponse(jobs.progress(_job(request, job_id)))


@login_required
def report_xlsx(request, job_id):
    job = _job(request, job_id)
    response = HttpResponse(report.workbook(jobs.problems(job)), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.filename + '.检查报告.xlsx')}"
    return response


@login_required
@require_POST
def commit(request, job_id):
    job = _job(request, job_id)
    form = CommitForm(request.POST)
    form.is_valid()
    try:
        jobs.request_commit(request.user, job, form.cleaned_data.get("skip_invalid", False))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("exchange:job", job_id=job.pk)


@login_required
@require_POST
def retry(request, job_id):
    """Run an interrupted check or import again."""
    job = _job(request, job_id)
    try:
        jobs.retry(request.user, job)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("exchange:job", job_id=job.pk)

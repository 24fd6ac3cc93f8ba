from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jiceng.core import notices as notices_service
from jiceng.orgs import queries as org_queries
from jiceng.orgs import rollups
from jiceng.people import queries as people_queries


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the database is unreachable: say so, with 503
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request):
    roots = org_queries.roots(request.user)
    person = getattr(request.user, "person", None)
    if not roots and person is not None:
        return redirect("people:detail", person_id=person.pk)
    counts = rollups.counts_for(roots)
    rows = [(org, counts.get(org.pk, {})) for org in roots]
    return render(request, "core/home.html", {"rows": rows, "person": person})


@login_required
def search(request):
    term = request.GET.get("q", "").strip()
    orgs = people = []
    if term:
        orgs = list(org_queries.search(request.user, term))
        people = list(people_queries.search(request.user, term))
    return render(request, "core/search.html", {"q": term, "orgs": orgs, "people": people})


@login_required
def notices(request):
    if request.method == "POST":
        notices_service.mark_read(request.user)
        return redirect("notices")
    rows = request.user.notices.all()[:200]
    return render(request, "core/notices.html", {"rows": rows})

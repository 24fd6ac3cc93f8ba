"""Public pages for residents (no login): submit a request, follow it, rate it.

A resident proves a request is theirs by its tracking number and the phone number they gave;
the match is kept in their session (as after submitting), so they can rate and see photos
without typing again. Lookups are counted per session and per address (policy
`requests.track_lookups_per_hour`) so tracking numbers cannot be guessed in bulk."""

import datetime
import time
from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.core import crypto, policy, ratelimit
from jiceng.core.web import form_page

from . import choices, services
from .forms import RateForm, SubmitForm, TrackForm
from .models import Photo, Request
from .views import category_names, deadline_text, visible

TRACKED = "requests.tracked"  # session: pks of the requests this resident has proved theirs, newest first
LOOKUPS = "requests.lookups"  # session: [hour, lookups made in it]
KEEP = 20  # requests remembered per session


def _tracked(request):
    return request.session.get(TRACKED, [])


def _remember(request, case):
    request.session[TRACKED] = [case.pk] + [pk for pk in _tracked(request) if pk != case.pk][:KEEP - 1]


@require_http_methods(["GET", "POST"])
def submit(request):
    on = timezone.localdate()
    form = SubmitForm(request.POST or None, request.FILES or None, on=on)

    def call(data):
        lon, lat = data["location"]
        case, _ = services.submit(choices.WEB, category=data["category"], description=data["description"],
                                  phone=data["phone"], lon=lon, lat=lat, address=data["address"],
                                  photos=data["photos"], idempotency_key=data["idempotency_key"] or None)
        _remember(request, case)
        return case

    return form_page(request, form, "requests/submit.html",
                     {"photo_help": f"最多 {policy.get('requests.photo_max_count', on=on)} 张，每张不超过 "
                                    f"{policy.get('requests.photo_max_mb', on=on)} MB（JPG、PNG、WebP）"},
                     call, lambda case: "提交成功", lambda case: reverse("public:submitted", args=[case.tracking_no]))


def _over_limit(request):
    """Count one lookup against this session and this address; True once either is past its hourly limit."""
    limits = policy.get("requests.track_lookups_per_hour", on=timezone.localdate())
    hour = int(time.time() // 3600)
    seen_hour, seen = request.session.get(LOOKUPS, [hour, 0])
    seen = seen + 1 if seen_hour == hour else 1
    request.session[LOOKUPS] = [hour, seen]
    within = ratelimit.hit(f"requests.lookups:{ratelimit.client_address(request)}", limits["address"], 3600)
    return seen > limits["session"] or not within


@require_http_methods(["GET", "POST"])
def track(request):
    form = TrackForm(request.POST or None, initial={"tracking_no": request.GET.get("no", "")[:20]})
    if request.method == "POST" and form.is_valid():
        if _over_limit(request):
            form.add_error(None, "查询次数过多，请一小时后再试")
        else:
            case = Request.objects.filter(tracking_no=form.cleaned_data["tracking_no"],
                                          phone_index=crypto.blind_index(form.cleaned_data["phone"])).first()
            if case is None:
                form.add_error(None, "未找到：请核对受理编号和手机号码")
            else:
                _remember(request, case)
                return redirect("public:case", tracking_no=case.tracking_no)
    recent = Request.objects.filter(pk__in=_tracked(request)).order_by("-received_at")
    return render(request, "requests/track.html", {"form": form, "recent": recent})


def _rateable(case, now):
    if case.resolved_at is None or case.rated_at:
        return False
    days = policy.get("requests.rating_window_days", on=timezone.localdate(case.resolved_at))
    return now <= case.resolved_at + datetime.timedelta(days=days)


def _own(request, tracking_no):
    """The request with this number if this session has proved it the resident's, else None."""
    return (Request.objects.filter(tracking_no=tracking_no, pk__in=_tracked(request))
            .select_related("owner", "merged_into__owner").first())


def _ask(tracking_no):
    return redirect(f"{reverse('public:track')}?{urlencode({'no': tracking_no})}")


@require_GET
def submitted(request, tracking_no):
    case = _own(request, tracking_no)
    return render(request, "requests/submitted.html", {"case": case}) if case else _ask(tracking_no)


@require_http_methods(["GET", "POST"])
def case_page(request, tracking_no):
    case = _own(request, tracking_no)
    if case is None:
        return _ask(tracking_no)
    now = timezone.now()
    # A merged request is handled as part of another: the resident sees that one's progress and outcome.
    handled = case.merged_into if case.status == choices.MERGED else case
    rateable = _rateable(case, now)
    form = RateForm(request.POST or None) if rateable or request.method == "POST" else None
    context = {
        "case": case, "handled": handled, "rateable": rateable, "now": now,
        "category": category_names(timezone.localdate(case.received_at)).get(case.category, case.category),
        "respond_by": deadline_text(handled.respond_by), "resolve_by": deadline_text(handled.resolve_by),
        "late": handled.is_open and now > handled.resolve_by,
        "events": case.events.filter(public=True).select_related("org").order_by("at", "pk"),
        "intake_photos": case.photos.filter(stage=choices.PHOTO_INTAKE).order_by("pk"),
        "result_photos": handled.photos.filter(stage=choices.PHOTO_RESULT).order_by("pk"),
    }
    if form is None:
        return render(request, "requests/case.html", context)
    return form_page(request, form, "requests/case.html", context,
                     lambda d: services.rate(case, d["rating"], d["comment"]), lambda _: "感谢您的评价",
                     lambda _: reverse("public:case", args=[case.tracking_no]))


@require_GET
def photo(request, photo_id):
    """A request's photo, to the resident who proved the request theirs (their own photos and the
    result photos of the request it was merged into) and to staff who may open the request."""
    row = Photo.objects.filter(pk=photo_id).select_related("request").first()
    if row is None:
        raise Http404
    tracked = _tracked(request)
    merged_into = Request.objects.filter(pk__in=tracked, merged_into__isnull=False).values_list("merged_into_id",
                                                                                                flat=True)
    allowed = (row.request_id in tracked
               or (row.stage == choices.PHOTO_RESULT and row.request_id in set(merged_into))
               or (request.user.is_authenticated and visible(request.user).filter(pk=row.request_id).exists()))
    if not allowed:
        raise Http404
    response = FileResponse(row.file.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response

from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin, SuperuserReadOnlyAdmin

from .models import ApiClient, Event, Photo, Request, Summons


@admin.register(Request)
class RequestAdmin(ScopedReadOnlyAdmin):
    list_display = ["tracking_no", "received_at", "category", "status", "owner"]
    list_filter = ["status", "channel"]
    list_select_related = ["owner"]
    search_fields = ["tracking_no"]
    exclude = ["phone_enc", "phone_index", "wechat_openid"]  # the page shows the number masked, not these
    show_full_result_count = False


@admin.register(Event)
class EventAdmin(ScopedReadOnlyAdmin):
    list_display = ["request", "at", "kind", "org", "public"]
    list_filter = ["kind"]
    list_select_related = ["request", "org"]
    show_full_result_count = False


@admin.register(Photo)
class PhotoAdmin(ScopedReadOnlyAdmin):
    list_display = ["request", "stage", "uploaded_at"]
    list_select_related = ["request"]
    exclude = ["file"]  # served through the request's pages, never as a public media URL


@admin.register(Summons)
class SummonsAdmin(ScopedReadOnlyAdmin):
    list_display = ["request", "department", "called_by", "called_at", "accepted_at", "reported_at"]
    list_select_related = ["request", "department", "called_by"]


@admin.register(ApiClient)
class ApiClientAdmin(SuperuserReadOnlyAdmin):
    """Keys are issued by `jiceng open311_key create`, which shows a key once; only its digest is kept."""

    list_display = ["name", "active", "created_at"]

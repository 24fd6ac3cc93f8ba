from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Call, Deployment, Need


@admin.register(Call)
class CallAdmin(ScopedReadOnlyAdmin):
    list_display = ["title", "caller", "starts_at", "ends_at", "status"]
    list_select_related = ["caller"]


@admin.register(Need)
class NeedAdmin(ScopedReadOnlyAdmin):
    list_display = ["call", "community", "role", "needed", "signed", "arrived"]
    list_select_related = ["call", "community"]


@admin.register(Deployment)
class DeploymentAdmin(ScopedReadOnlyAdmin):
    list_display = ["person", "need", "how", "signed_at", "arrived_at", "withdrawn_at"]
    list_select_related = ["person", "need", "need__community"]
    show_full_result_count = False

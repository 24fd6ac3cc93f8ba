from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Claim, PartnerUnit, Registration, Task


@admin.register(Registration)
class RegistrationAdmin(ScopedReadOnlyAdmin):
    list_display = ["person", "community", "started_on", "ended_on"]
    list_select_related = ["person", "community"]
    show_full_result_count = False


@admin.register(PartnerUnit)
class PartnerUnitAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "community", "started_on", "ended_on"]
    list_select_related = ["community"]


@admin.register(Task)
class TaskAdmin(ScopedReadOnlyAdmin):
    list_display = ["on", "kind", "title", "community", "slots", "claimed", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["community"]
    show_full_result_count = False


@admin.register(Claim)
class ClaimAdmin(ScopedReadOnlyAdmin):
    list_display = ["task", "person", "status", "hours", "served_on"]
    list_filter = ["status"]
    list_select_related = ["task", "person"]
    show_full_result_count = False

from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Case, Document, Step


@admin.register(Case)
class CaseAdmin(ScopedReadOnlyAdmin):
    list_display = ["person", "applied_on", "next_step", "due_on", "deadline", "outcome"]
    list_filter = ["next_step", "outcome"]
    list_select_related = ["person"]
    show_full_result_count = False


@admin.register(Step)
class StepAdmin(ScopedReadOnlyAdmin):
    list_display = ["case", "kind", "on", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["case__person", "recorded_by"]
    show_full_result_count = False


@admin.register(Document)
class DocumentAdmin(ScopedReadOnlyAdmin):
    list_display = ["step", "caption", "file"]
    list_select_related = ["step"]

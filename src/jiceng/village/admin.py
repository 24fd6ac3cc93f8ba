from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Disclosure, Matter, Objection, Question, StepRecord, Supervisor


@admin.register(Matter)
class MatterAdmin(ScopedReadOnlyAdmin):
    list_display = ["proposed_on", "title", "kind", "village", "status"]
    list_filter = ["status"]
    list_select_related = ["village"]


@admin.register(StepRecord)
class StepRecordAdmin(ScopedReadOnlyAdmin):
    list_display = ["held_on", "matter", "step", "body", "passed"]
    list_select_related = ["matter", "step"]


@admin.register(Disclosure)
class DisclosureAdmin(ScopedReadOnlyAdmin):
    list_display = ["posted_on", "matter", "kind", "keep_until", "taken_down_on"]
    list_select_related = ["matter"]


@admin.register(Question)
class QuestionAdmin(ScopedReadOnlyAdmin):
    list_display = ["asked_on", "disclosure", "answered_on"]
    exclude = ["phone_enc"]


@admin.register(Supervisor)
class SupervisorAdmin(ScopedReadOnlyAdmin):
    list_display = ["village", "user", "appointed_on", "ended_on"]


@admin.register(Objection)
class ObjectionAdmin(ScopedReadOnlyAdmin):
    list_display = ["raised_on", "matter", "raised_by", "answered_on"]

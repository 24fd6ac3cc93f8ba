from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Attendance, Meeting, Talk


@admin.register(Meeting)
class MeetingAdmin(ScopedReadOnlyAdmin):
    list_display = ["held_on", "kind", "topic", "org"]
    list_filter = ["kind"]
    list_select_related = ["org"]
    show_full_result_count = False


@admin.register(Attendance)
class AttendanceAdmin(ScopedReadOnlyAdmin):
    list_display = ["meeting", "person", "status", "self_confirmed_at"]
    list_filter = ["status"]
    list_select_related = ["meeting", "person"]
    show_full_result_count = False


@admin.register(Talk)
class TalkAdmin(ScopedReadOnlyAdmin):
    list_display = ["held_on", "org", "leader", "member"]
    list_select_related = ["org", "leader", "member"]

from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Amendment, Attachment, Attendance, Meeting, Talk, Vote


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


@admin.register(Vote)
class VoteAdmin(ScopedReadOnlyAdmin):
    list_display = ["meeting", "motion", "yes", "no", "abstain", "passed"]
    list_select_related = ["meeting"]


@admin.register(Attachment)
class AttachmentAdmin(ScopedReadOnlyAdmin):
    list_display = ["meeting", "caption", "file"]
    list_select_related = ["meeting"]


@admin.register(Amendment)
class AmendmentAdmin(ScopedReadOnlyAdmin):
    list_display = ["meeting", "reason", "by", "at"]
    list_select_related = ["meeting", "by"]

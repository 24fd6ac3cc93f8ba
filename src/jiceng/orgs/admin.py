from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import LeadershipPost, NodeCount, Organization


@admin.register(Organization)
class OrganizationAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "kind", "sector", "division_code", "status", "depth"]
    list_filter = ["kind", "sector", "status"]
    search_fields = ["name", "name_initials", "division_code"]
    show_full_result_count = False


@admin.register(LeadershipPost)
class LeadershipPostAdmin(ScopedReadOnlyAdmin):
    list_display = ["org", "person", "title", "term_start", "term_end", "ended_on"]
    list_filter = ["title"]
    list_select_related = ["org", "person"]


@admin.register(NodeCount)
class NodeCountAdmin(ScopedReadOnlyAdmin):
    list_display = ["node", "key", "value"]
    search_fields = ["key"]
    list_select_related = ["node"]
    show_full_result_count = False

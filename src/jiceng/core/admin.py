"""Admin (zh-Hans). Domain rows are read-only here: every change goes through services, so
the admin never writes behind the audit log or the rollups. Grants are the exception and
go through core.services as well. Every list is scoped like the rest of the site."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from . import services
from .models import AuditEvent, Grant, Notice, ScheduledRun
from .scoping import scope


class ScopedReadOnlyAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return scope(request.user, super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "node", "granted_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "node__name"]
    raw_id_fields = ["user", "node"]
    fields = ["user", "node", "role"]

    def get_queryset(self, request):
        return scope(request.user, super().get_queryset(request), "manage_grants")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.pk = services.grant_role(request.user, obj.user, obj.node, obj.role).pk

    def delete_model(self, request, obj):
        services.revoke_grant(request.user, obj)

    def delete_queryset(self, request, queryset):
        for grant in queryset:
            services.revoke_grant(request.user, grant)


class SuperuserReadOnlyAdmin(admin.ModelAdmin):
    """Rows that belong to no node (the audit log, notices, the schedule): superusers read them, nobody edits."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserReadOnlyAdmin):
    """The audit log is append-only: nothing here changes it."""

    list_display = ["at", "chain", "seq", "actor_name", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["actor_name", "object_id", "action"]


@admin.register(Notice)
class NoticeAdmin(SuperuserReadOnlyAdmin):
    list_display = ["user", "title", "created_at", "read_at"]
    list_select_related = ["user"]


@admin.register(ScheduledRun)
class ScheduledRunAdmin(SuperuserReadOnlyAdmin):
    list_display = ["name", "day", "enqueued_at"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class ScopedUserAdmin(UserAdmin):
    """Accounts with a grant inside the viewer's subtrees; superusers see all."""

    def get_queryset(self, request):
        return scope(request.user, super().get_queryset(request))


class SuperuserOnly:
    """For third-party models that have no place in the tree (tokens, login attempts, task
    results, groups): only superusers may see them."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


for _model, _admin in list(admin.site._registry.items()):
    if _model._meta.app_label not in {"core", "orgs", "people"} and _model is not get_user_model():
        admin.site.unregister(_model)
        admin.site.register(_model, type(f"SuperuserOnly{type(_admin).__name__}", (SuperuserOnly, type(_admin)), {}))

from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Transfer


@admin.register(Transfer)
class TransferAdmin(ScopedReadOnlyAdmin):
    list_display = ["sent_on", "kind", "membership", "from_org", "to_org", "outside_org", "status", "expires_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["membership__person", "from_org", "to_org"]
    show_full_result_count = False

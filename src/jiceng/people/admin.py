from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Membership, MembershipPeriod, Person


@admin.register(Person)
class PersonAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "gender", "ethnicity", "birth_date", "id_number_masked", "residence"]
    list_filter = ["gender", "education"]
    search_fields = ["name", "name_initials"]
    exclude = ["id_number_enc", "phone_enc"]
    readonly_fields = ["id_number_masked", "phone_masked"]
    show_full_result_count = False


@admin.register(Membership)
class MembershipAdmin(ScopedReadOnlyAdmin):
    list_display = ["person", "org", "status", "since"]
    list_filter = ["status"]
    list_select_related = ["person", "org"]
    show_full_result_count = False


@admin.register(MembershipPeriod)
class MembershipPeriodAdmin(ScopedReadOnlyAdmin):
    list_display = ["person", "org", "status", "start", "end"]
    list_filter = ["status"]
    list_select_related = ["person", "org"]
    show_full_result_count = False

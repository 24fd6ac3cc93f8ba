from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import ClosedYear, Cooperative, Dividend, Household, IncomeEntry, YearTotal


@admin.register(IncomeEntry)
class IncomeEntryAdmin(ScopedReadOnlyAdmin):
    list_display = ["village", "year", "source", "amount", "entered_at"]
    list_filter = ["source", "year"]
    list_select_related = ["village"]
    show_full_result_count = False


@admin.register(YearTotal)
class YearTotalAdmin(ScopedReadOnlyAdmin):
    list_display = ["village", "year", "total", "operating"]
    list_select_related = ["village"]
    show_full_result_count = False


@admin.register(ClosedYear)
class ClosedYearAdmin(ScopedReadOnlyAdmin):
    list_display = ["org", "year", "closed_on"]
    list_select_related = ["org"]


@admin.register(Cooperative)
class CooperativeAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "village", "founded_on"]
    list_select_related = ["village"]


@admin.register(Household)
class HouseholdAdmin(ScopedReadOnlyAdmin):
    list_display = ["head_name", "size", "cooperative"]
    list_select_related = ["cooperative"]


@admin.register(Dividend)
class DividendAdmin(ScopedReadOnlyAdmin):
    list_display = ["household", "year", "amount"]
    list_select_related = ["household"]

from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Assessment, DuesProfile, Payment, Reduction


@admin.register(DuesProfile)
class DuesProfileAdmin(ScopedReadOnlyAdmin):
    list_display = ["person", "category", "monthly_income", "flat_amount", "applies_from", "org"]
    list_filter = ["category"]
    list_select_related = ["person", "org"]
    show_full_result_count = False


@admin.register(Assessment)
class AssessmentAdmin(ScopedReadOnlyAdmin):
    list_display = ["month", "person", "org", "category", "base", "rate", "due", "paid_on"]
    list_filter = ["category"]
    list_select_related = ["person", "org"]
    show_full_result_count = False


@admin.register(Payment)
class PaymentAdmin(ScopedReadOnlyAdmin):
    list_display = ["paid_on", "person", "org", "amount", "first_month", "months", "method", "status"]
    list_filter = ["method", "status"]
    list_select_related = ["person", "org"]
    show_full_result_count = False


@admin.register(Reduction)
class ReductionAdmin(ScopedReadOnlyAdmin):
    list_display = ["person", "kind", "first_month", "last_month", "status", "approver_org", "approved_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["person", "approver_org"]

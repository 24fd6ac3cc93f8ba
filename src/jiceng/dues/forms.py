from django import forms

from jiceng.core.widgets import DateInput

from . import months
from .choices import BRANCH_METHODS, CATEGORIES, REDUCTION_KINDS

MONEY = {"max_digits": 12, "decimal_places": 2}


class MonthField(forms.CharField):
    """A month picker (<input type=month>, "2026-03") cleaned to the month's first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if hasattr(value, "strftime") else value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = months.parse(value)
        if month is None:
            raise forms.ValidationError("请按“年-月”填写月份，例如 2026-03")
        return month


class ProfileForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=CATEGORIES)
    monthly_income = forms.DecimalField(label="月收入（税后，元）", required=False, **MONEY,
                                        help_text="在职党员填税后固定月收入，离退休党员填月离退休费")
    flat_amount = forms.DecimalField(label="农民党员每月定额（元）", required=False, **MONEY,
                                     help_text="0.2–1 元，由本人选择；不填按 0.2 元")
    applies_from = forms.DateField(label="适用起始日期", widget=DateInput())
    note = forms.CharField(label="说明", max_length=200, required=False)


class PaymentForm(forms.Form):
    first_month = MonthField(label="起始月份")
    months_count = forms.IntegerField(label="月数", min_value=1, max_value=120, initial=1,
                                      help_text="一次交多个月（含预交）时填写月数")
    method = forms.ChoiceField(label="方式", choices=BRANCH_METHODS)
    paid_on = forms.DateField(label="交纳日期", widget=DateInput())
    reference = forms.CharField(label="收据号/转账凭证号", max_length=100, required=False)


class ReductionForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=REDUCTION_KINDS)
    amount = forms.DecimalField(label="减交后每月金额（元，减交时填写）", required=False, min_value=0, **MONEY)
    first_month = MonthField(label="起始月份")
    last_month = MonthField(label="截止月份")
    reason = forms.CharField(label="理由", max_length=200)
    decided_on = forms.DateField(label="支部决定日期", widget=DateInput())


class RunForm(forms.Form):
    month = MonthField(label="月份")

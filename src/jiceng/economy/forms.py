from django import forms

from .models import SOURCES


class IncomeForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=1949)
    source = forms.ChoiceField(label="来源", choices=SOURCES)
    amount = forms.DecimalField(label="金额（元）", max_digits=14, decimal_places=2)
    note = forms.CharField(label="说明", max_length=200, required=False)


class CorrectionForm(forms.Form):
    source = forms.ChoiceField(label="来源", choices=SOURCES)
    amount = forms.DecimalField(label="更正后金额（元）", max_digits=14, decimal_places=2,
                                help_text="整条录错请填 0")
    note = forms.CharField(label="说明", max_length=200, required=False)
    reason = forms.CharField(label="更正原因", max_length=200)


class CloseYearForm(forms.Form):
    year = forms.IntegerField(label="结账年度", min_value=1949)


class CooperativeForm(forms.Form):
    name = forms.CharField(label="合作社名称", max_length=200)
    founded_on = forms.DateField(label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class HouseholdForm(forms.Form):
    head_name = forms.CharField(label="户主姓名", max_length=50)
    size = forms.IntegerField(label="家庭人口", min_value=1, max_value=99)


class DividendForm(forms.Form):
    household = forms.ModelChoiceField(label="成员户", queryset=None)
    year = forms.IntegerField(label="年度", min_value=1949)
    amount = forms.DecimalField(label="分红（元）", max_digits=12, decimal_places=2)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households

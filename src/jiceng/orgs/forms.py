from django import forms

from .kinds import KINDS, SECTORS


class OrganizationForm(forms.Form):
    name = forms.CharField(label="名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=KINDS)
    sector = forms.ChoiceField(label="领域", choices=SECTORS)
    division_code = forms.CharField(label="行政区划代码", max_length=12, required=False)
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False,
                           help_text="单位填写，18位")
    founded_on = forms.DateField(label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

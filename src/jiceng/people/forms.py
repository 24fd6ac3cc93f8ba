from django import forms

from jiceng.core.widgets import DateInput

from .choices import EDUCATION, ETHNICITY_CHOICES, STATUSES


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码", max_length=20)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial="汉族")
    education = forms.ChoiceField(label="学历", choices=[("", "—")] + EDUCATION, required=False)
    occupation = forms.CharField(label="职业", max_length=100, required=False)
    status = forms.ChoiceField(label="党籍状态", choices=[s for s in STATUSES if s[0] != "left"])
    since = forms.DateField(label="起始日期", widget=DateInput())


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码（更正时填写）", max_length=20, required=False)
    phone = forms.CharField(label="手机号码（更改时填写）", max_length=20, required=False)
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES)
    education = forms.ChoiceField(label="学历", choices=[("", "—")] + EDUCATION, required=False)
    occupation = forms.CharField(label="职业", max_length=100, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=STATUSES)
    on = forms.DateField(label="日期", widget=DateInput())
    reason = forms.CharField(label="原因或依据", max_length=200, required=False)

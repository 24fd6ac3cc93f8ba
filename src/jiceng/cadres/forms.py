from django import forms

from jiceng.core.widgets import DateInput

from .models import Candidate, Station


def _person_field(form, people):
    form.fields["person"].queryset = people
    form.fields["person"].label_from_instance = lambda p: p.name


class ElectionForm(forms.Form):
    held_on = forms.DateField(label="选举日期", widget=DateInput())


class CandidateForm(forms.Form):
    election = forms.ModelChoiceField(label="选举", queryset=None)
    person = forms.ModelChoiceField(label="候选人", queryset=None)
    body = forms.ChoiceField(label="参选组织", choices=Candidate.BODIES)

    def __init__(self, *args, elections, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["election"].queryset = elections
        self.fields["election"].label_from_instance = lambda e: f"{e.held_on:%Y-%m-%d}"
        _person_field(self, people)


class ReviewForm(forms.Form):
    department = forms.ChoiceField(label="审查部门")
    passed = forms.TypedChoiceField(label="结论", choices=[("", "请选择"), ("1", "通过"), ("0", "不通过")],
                                    coerce=lambda v: v == "1")
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label="审查日期", widget=DateInput())

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d["code"], d["name"]) for d in departments]


class FilingForm(forms.Form):
    person = forms.ModelChoiceField(label="村党组织书记", queryset=None)
    on = forms.DateField(label="报备日期", widget=DateInput())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        _person_field(self, people)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label="办理结果", choices=[("", "请选择"), ("1", "同意备案"), ("0", "退回")],
                                     coerce=lambda v: v == "1")
    reason = forms.CharField(label="退回理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label="办理日期", widget=DateInput())


class StationForm(forms.Form):
    person = forms.ModelChoiceField(label="人员", queryset=None)
    role = forms.ChoiceField(label="身份", choices=Station.ROLES)
    sending_unit = forms.CharField(label="派出单位", max_length=200)
    start = forms.DateField(label="驻村开始", widget=DateInput())
    end = forms.DateField(label="驻村结束", widget=DateInput())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        _person_field(self, people)


class WorkLogForm(forms.Form):
    on = forms.DateField(label="日期", widget=DateInput())
    text = forms.CharField(label="工作内容", widget=forms.Textarea(attrs={"rows": 3}))

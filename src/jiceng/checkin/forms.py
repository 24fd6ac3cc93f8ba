from django import forms

from jiceng.core.widgets import DateInput

from .models import Task


def _by_name(field):
    field.label_from_instance = lambda o: o.name
    return field


class RegisterForm(forms.Form):
    community = _by_name(forms.ModelChoiceField(label="居住地社区（村）", queryset=None,
                                                help_text="报到后，组织关系仍在原党支部"))

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class RegisterForMemberForm(RegisterForm):
    person = _by_name(forms.ModelChoiceField(label="党员", queryset=None))
    field_order = ["person", "community"]

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Task.KINDS)
    title = forms.CharField(label="标题", max_length=200)
    on = forms.DateField(label="日期", widget=DateInput())
    place = forms.CharField(label="地点", max_length=200, required=False)
    slots = forms.IntegerField(label="名额", min_value=1)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class UnitForm(forms.Form):
    org = _by_name(forms.ModelChoiceField(label="单位（已在系统中的）", queryset=None, required=False))
    name = forms.CharField(label="单位名称（不在系统中的）", max_length=200, required=False)
    resources = forms.CharField(label="可提供的资源（每行一项）", required=False,
                                widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.CharField(label="联系人", max_length=100, required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class ConfirmForm(forms.Form):
    hours = forms.DecimalField(label="时长（小时）", min_value=0, max_digits=5, decimal_places=1)
    served_on = forms.DateField(label="服务日期", required=False, widget=DateInput())

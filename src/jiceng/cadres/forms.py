from django import forms

from jiceng.core.widgets import DateInput

from .models import Candidate, Pairing, Station


def _person_field(form, people):
    form.fields["person"].queryset = people
    form.fields["person"].label_from_instance = lambda p: p.name


class ElectionForm(forms.Form):
    held_on = forms.DateField(label="选举日期", widget=DateInput())


class HeldForm(forms.Form):
    election = forms.ModelChoiceField(label="已安排的选举", queryset=None, required=False,
                                      empty_label="（未在系统中安排，直接登记）")
    held_on = forms.DateField(label="实际选举日期", widget=DateInput())
    result = forms.CharField(label="选举结果", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="当选的村党组织书记、村委会主任及委员等")

    def __init__(self, *args, elections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["election"].queryset = elections
        self.fields["election"].label_from_instance = lambda e: f"{e.held_on:%Y-%m-%d} 安排的选举"


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


class NamingForm(forms.Form):
    village = forms.ModelChoiceField(label="村", queryset=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    named_on = forms.DateField(label="认定日期", widget=DateInput())
    reason = forms.CharField(label="认定原因", widget=forms.Textarea(attrs={"rows": 3}))
    named_by = forms.CharField(label="认定单位", max_length=200)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda v: f"{v.parent.name} · {v.name}" if v.parent_id else v.name


class PairingForm(forms.Form):
    kind = forms.ChoiceField(label="包联类型", choices=[("", "请选择")] + Pairing.KINDS)
    name = forms.CharField(label="姓名职务或单位名称", max_length=200, required=False,
                           help_text="领导填姓名和职务；第一书记已登记驻村的可不填；帮扶单位可选组织或填写名称")
    station = forms.ModelChoiceField(label="第一书记驻村记录", queryset=None, required=False, empty_label="（无）")
    org = forms.ModelChoiceField(label="帮扶单位（系统内组织）", queryset=None, required=False, empty_label="（无）")
    start = forms.DateField(label="开始日期", widget=DateInput())

    def __init__(self, *args, stations, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["station"].label_from_instance = (
            lambda s: f"{s.person.name}（{s.sending_unit}，{s.start:%Y-%m-%d} 至 {s.end:%Y-%m-%d}）")
        self.fields["org"].queryset = orgs
        self.fields["org"].label_from_instance = lambda o: o.name


class CloseForm(forms.Form):
    on = forms.DateField(label="整顿销号日期", widget=DateInput())

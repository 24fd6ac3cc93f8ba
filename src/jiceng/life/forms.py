from django import forms

from jiceng.core.widgets import DateInput, TimeInput

from .choices import ATTENDANCE, MEETING_KINDS

VOTE_ROWS = 3


class MeetingForm(forms.Form):
    """A meeting with its attendance: one row per member, 出席 preselected, so recording
    who came takes a tap per absentee."""

    kind = forms.ChoiceField(label="类型", choices=MEETING_KINDS)
    group = forms.ModelChoiceField(label="党小组（党小组会填写）", queryset=None, required=False)
    held_on = forms.DateField(label="日期", widget=DateInput())
    starts_at = forms.TimeField(label="开始时间", required=False, widget=TimeInput())
    place = forms.CharField(label="地点", max_length=200, required=False)
    topic = forms.CharField(label="主题", max_length=200)
    host = forms.ModelChoiceField(label="主持人", queryset=None, required=False)
    recorder = forms.ModelChoiceField(label="记录人", queryset=None, required=False)
    agenda = forms.CharField(label="议程", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    decisions = forms.CharField(label="决定事项", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, groups, votes=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        people = [m.person for m in self.members]
        for name in ("host", "recorder"):
            self.fields[name].queryset = _people_qs(people)
            self.fields[name].label_from_instance = lambda p: p.name
        self.fields["group"].queryset = groups
        for m in self.members:
            self.fields[f"att_{m.person_id}"] = forms.ChoiceField(
                label=f"{m.person.name}（{m.get_status_display()}）", choices=ATTENDANCE, initial="present",
                widget=forms.RadioSelect)
        if votes:
            for i in range(1, VOTE_ROWS + 1):
                self.fields[f"vote_motion_{i}"] = forms.CharField(label=f"表决事项 {i}", required=False)
                for part, text in (("yes", "赞成"), ("no", "反对"), ("abstain", "弃权")):
                    self.fields[f"vote_{part}_{i}"] = forms.IntegerField(label=text, min_value=0, required=False)

    def attendance_fields(self):
        return [self[f"att_{m.person_id}"] for m in self.members]

    def meeting_fields(self):
        return [self[n] for n in ("kind", "group", "held_on", "starts_at", "place", "topic", "host", "recorder",
                                  "agenda", "minutes", "decisions") if n in self.fields]

    def vote_rows(self):
        return [[self[f"vote_{p}_{i}"] for p in ("motion", "yes", "no", "abstain")]
                for i in range(1, VOTE_ROWS + 1) if f"vote_motion_{i}" in self.fields]

    def service_arguments(self):
        data = dict(self.cleaned_data)
        attendance = {m.person_id: data.pop(f"att_{m.person_id}") for m in self.members}
        votes = []
        for i in range(1, VOTE_ROWS + 1):
            motion = data.pop(f"vote_motion_{i}", "")
            counts = {p: data.pop(f"vote_{p}_{i}", None) for p in ("yes", "no", "abstain")}
            if motion:
                votes.append({"motion": motion, **counts})
        return data, attendance, votes


def _people_qs(people):
    from jiceng.people.models import Person

    return Person.objects.filter(pk__in=[p.pk for p in people]).order_by("name_pinyin")


class AmendForm(forms.Form):
    reason = forms.CharField(label="更正原因", max_length=200)


class TalkForm(forms.Form):
    held_on = forms.DateField(label="日期", widget=DateInput())
    leader = forms.ModelChoiceField(label="谈话人（支委）", queryset=None)
    member = forms.ModelChoiceField(label="谈话对象", queryset=None)
    topic = forms.CharField(label="主题", max_length=200, required=False)
    notes = forms.CharField(label="谈话要点", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, leaders, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders
        self.fields["member"].queryset = members
        for name in ("leader", "member"):
            self.fields[name].label_from_instance = lambda p: p.name


class AttachmentForm(forms.Form):
    file = forms.FileField(label="照片或扫描件")
    caption = forms.CharField(label="说明", max_length=200, required=False)


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=MEETING_KINDS)
    group = forms.ModelChoiceField(label="党小组（党小组会填写）", queryset=None, required=False)
    held_on = forms.DateField(label="计划日期", widget=DateInput())
    starts_at = forms.TimeField(label="开始时间", required=False, widget=TimeInput())
    place = forms.CharField(label="地点", max_length=200, required=False)
    topic = forms.CharField(label="主题", max_length=200)
    agenda = forms.CharField(label="议程", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups

from django import forms

from jiceng.core.widgets import DateInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Any number of files (none is fine): the step's documents."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, required=False, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(DocumentsField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _names(field):
    field.label_from_instance = lambda p: p.name
    return field


class StepForm(forms.Form):
    on = forms.DateField(label="日期", widget=DateInput())

    def __init__(self, *args, members, committees, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("talker", "mentors", "sponsors"):
            if name in self.fields:
                _names(self.fields[name]).queryset = members
        if "body" in self.fields:
            self.fields["body"].queryset = committees
        self.fields["note"] = forms.CharField(label=self.note_label, required=self.note_required,
                                              widget=forms.Textarea(attrs={"rows": 3}))
        self.fields["documents"] = DocumentsField(label="材料（照片或PDF扫描件，可多选，可不传）")

    note_label, note_required = "说明", False


class VoteForm(StepForm):
    present = forms.IntegerField(label="到会有表决权的正式党员（人）", min_value=0)
    yes = forms.IntegerField(label="赞成（票）", min_value=0)
    no = forms.IntegerField(label="反对（票）", min_value=0, required=False)
    abstain = forms.IntegerField(label="弃权（票）", min_value=0, required=False)


class TalkForm(StepForm):
    talker = forms.ModelChoiceField(label="谈话人", queryset=None)
    note_label = "谈话要点"


class ActivistForm(StepForm):
    mentors = forms.ModelMultipleChoiceField(label="培养联系人（正式党员）", queryset=None,
                                             widget=forms.CheckboxSelectMultiple)


class ReviewForm(StepForm):
    note_label = "考察意见"


class SponsorsForm(StepForm):
    sponsors = forms.ModelMultipleChoiceField(label="入党介绍人（正式党员）", queryset=None,
                                              widget=forms.CheckboxSelectMultiple)


class PoliticalReviewForm(StepForm):
    note_label = "政审结论"


class TrainingForm(StepForm):
    days = forms.IntegerField(label="培训天数", min_value=0, required=False)
    hours = forms.IntegerField(label="培训学时", min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].label = "结业日期"


class ApprovalForm(StepForm):
    body = forms.ModelChoiceField(label="审批党委", queryset=None, required=False)
    special_reason = forms.CharField(label="超过通常期限审批的特殊原因", max_length=200, required=False)


class ExtendForm(VoteForm):
    months = forms.TypedChoiceField(label="延长时间", coerce=int, choices=[])

    def __init__(self, *args, lengths, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = [(m, f"{m} 个月") for m in lengths]


class CancelForm(VoteForm):
    note_label, note_required = "取消原因", True


FORMS = {"talk": TalkForm, "activist": ActivistForm, "review": ReviewForm, "candidate": StepForm,
         "sponsors": SponsorsForm, "political_review": PoliticalReviewForm, "training": TrainingForm,
         "assembly": VoteForm, "approval": ApprovalForm, "oath": StepForm, "convert": VoteForm,
         "extend": ExtendForm, "cancel": CancelForm}


class ApplyForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码", max_length=18)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    applied_on = forms.DateField(label="递交入党申请书日期", widget=DateInput())
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = DocumentsField(label="入党申请书（照片或PDF扫描件，可不传）")

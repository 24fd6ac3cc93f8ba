from django import forms

from .models import BODIES

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
COUNT = {"required": False, "min_value": 0}


class ProposeForm(forms.Form):
    title = forms.CharField(label="事项", max_length=200)
    kind = forms.ChoiceField(label="事项类别")
    # The service refuses a negative or over-precise amount with the rule; the form only parses it.
    amount = forms.DecimalField(label="涉及金额（元）", required=False)
    template = forms.ModelChoiceField(label="决策程序", queryset=None, empty_label=None, required=False,
                                      help_text="政策所列重大事项和涉及金额达到标准的事项必须选用“四议两公开”")
    proposed_on = forms.DateField(label="提出日期", widget=DATE)
    description = forms.CharField(label="事项说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, kinds=(), templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, k) for k in kinds]
        self.fields["template"].queryset = templates


class StepForm(forms.Form):
    order = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.ChoiceField(label="决策主体", choices=BODIES)
    held_on = forms.DateField(label="日期（公开步骤为张贴日期）", widget=DATE)
    entitled = forms.IntegerField(label="应到人数", **COUNT)
    present = forms.IntegerField(label="实到人数", **COUNT)
    yes = forms.IntegerField(label="同意", **COUNT)
    no = forms.IntegerField(label="反对", **COUNT)
    abstain = forms.IntegerField(label="弃权", **COUNT)
    minutes = forms.CharField(label="会议记录 / 公开内容", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, step=None, **kwargs):
        super().__init__(*args, **kwargs)
        if step is not None:
            self.fields["body"].choices = [(c, l) for c, l in BODIES if c in step.body_codes]
            if not step.voted:
                for name in ("entitled", "present", "yes", "no", "abstain"):
                    del self.fields[name]


class TextForm(forms.Form):
    text = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label="日期", widget=DATE)


class AskForm(forms.Form):
    question = forms.CharField(label="您的问题", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    phone = forms.CharField(label="联系电话（选填，不会公开）", max_length=20, required=False)


class SupervisorForm(forms.Form):
    member = forms.ModelChoiceField(label="成员（须已有本村“审计（只读）”授权）", queryset=None)
    on = forms.DateField(label="任职日期", widget=DATE)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = candidates
        self.fields["member"].label_from_instance = lambda u: u.get_full_name() or u.username


class EndSupervisorForm(forms.Form):
    on = forms.DateField(label="离任日期", widget=DATE)
    reason = forms.CharField(label="离任原因", max_length=200)

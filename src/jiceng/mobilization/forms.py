from django import forms


class DateTimeInput(forms.DateTimeInput):
    """The browser's native date-and-time picker (ISO value whatever the locale)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class CallForm(forms.Form):
    title = forms.CharField(label="动员令标题", max_length=200)
    starts_at = forms.DateTimeField(label="开始时间", widget=DateTimeInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label="结束时间", widget=DateTimeInput(),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    communities = forms.ModelMultipleChoiceField(label="社区（村）", queryset=None,
                                                 widget=forms.CheckboxSelectMultiple)
    roles = forms.CharField(label="岗位（每行一个）", widget=forms.Textarea(attrs={"rows": 3}),
                            initial="卡口值守\n核酸采样协助\n物资配送")
    count = forms.IntegerField(label="每个社区每个岗位人数", min_value=1, initial=2,
                               help_text="发布后可在动员令页面逐一调整")
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities
        self.fields["communities"].label_from_instance = lambda o: o.name

    def needs(self):
        roles = [r.strip() for r in self.cleaned_data["roles"].splitlines() if r.strip()]
        return [(c, r, self.cleaned_data["count"]) for c in self.cleaned_data["communities"] for r in roles]


class AssignForm(forms.Form):
    need = forms.ModelChoiceField(label="岗位", queryset=None)
    person = forms.ModelChoiceField(label="人员", queryset=None)

    def __init__(self, *args, needs, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = needs
        self.fields["need"].label_from_instance = lambda n: f"{n.community.name} · {n.role}（缺 {n.gap}）"
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: p.name

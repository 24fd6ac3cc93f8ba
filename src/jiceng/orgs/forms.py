from django import forms

from jiceng.core import tree
from jiceng.core.widgets import DateInput

from . import queries
from .kinds import ALLOWED_PARENTS, KINDS, POST_TITLES, SECTORS


class OrganizationForm(forms.Form):
    name = forms.CharField(label="名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=KINDS)
    sector = forms.ChoiceField(label="领域", choices=SECTORS)
    division_code = forms.CharField(label="行政区划代码", max_length=12, required=False)
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False,
                           help_text="单位填写，18位")
    founded_on = forms.DateField(label="成立日期", required=False, widget=DateInput())


class MoveForm(forms.Form):
    parent = forms.ModelChoiceField(label="新的上级组织", queryset=None)

    def __init__(self, *args, user, org, **kwargs):
        super().__init__(*args, **kwargs)
        # Candidates: what the user may change, outside the moved subtree, the nearest first.
        self.fields["parent"].queryset = (
            queries.visible(user, "change").exclude(tree.subtree_q(org.path))
            .filter(kind__in=ALLOWED_PARENTS[org.kind] - {None}).order_by("path")
        )
        self.fields["parent"].label_from_instance = lambda o: f"{o.name}（{o.get_kind_display()}）"


class PostForm(forms.Form):
    membership = forms.ModelChoiceField(label="人员（本组织党员）", queryset=None)
    title = forms.ChoiceField(label="职务", choices=POST_TITLES)
    term_start = forms.DateField(label="任期开始", widget=DateInput())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = people.order_by("person__name_pinyin")
        self.fields["membership"].label_from_instance = lambda m: f"{m.person.name}（{m.get_status_display()}）"


class EndPostForm(forms.Form):
    ended_on = forms.DateField(label="离任日期", widget=DateInput())

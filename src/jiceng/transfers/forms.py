from django import forms

from jiceng.core.widgets import DateInput
from jiceng.people.choices import STATUSES
from jiceng.people.forms import MemberForm


class _MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return f"{person.name}（{person.membership.get_status_display()}）"


class SendForm(forms.Form):
    """Send within the system. The destination's choices are the search results (`q`), shown
    as radio buttons; any branch in the system is a valid answer."""

    q = forms.CharField(label="查找接收党支部", required=False,
                        help_text="输入名称开头或拼音首字母后点“查找”，再在下面选择")
    to_org = forms.ModelChoiceField(label="接收党支部", queryset=None, widget=forms.RadioSelect,
                                    error_messages={"required": "请先查找并选择接收党支部"})
    person = _MemberChoice(label="党员", queryset=None)
    on = forms.DateField(label="转出日期", widget=DateInput())
    reason = forms.CharField(label="转接原因", max_length=200, required=False,
                             help_text="如：工作调动、升学、迁居")

    def __init__(self, *args, members, destinations, found, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = members
        self.fields["to_org"].queryset = destinations
        self.fields["to_org"].widget.choices = found  # [(pk, label)] of the search results


class LetterForm(forms.Form):
    person = _MemberChoice(label="党员", queryset=None)
    outside_org = forms.CharField(label="去往的党组织（系统外）", max_length=200)
    on = forms.DateField(label="开具日期", widget=DateInput())
    reason = forms.CharField(label="转接原因", max_length=200, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = members


class DateForm(forms.Form):
    on = forms.DateField(label="日期", widget=DateInput())


class ReturnForm(forms.Form):
    on = forms.DateField(label="退回日期", widget=DateInput())
    reason = forms.CharField(label="退回原因", max_length=200)


class IncomingLetterForm(MemberForm):
    """A letter from outside: the letter's code, origin and date, then the person as when
    registering a member; the status is one of a party member's."""

    code = forms.CharField(label="介绍信编号", max_length=40)
    outside_org = forms.CharField(label="开具介绍信的党组织", max_length=200)
    letter_date = forms.DateField(label="开具日期", widget=DateInput())
    field_order = ["code", "outside_org", "letter_date", "since"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [s for s in STATUSES if s[0] in {"full", "probationary"}]
        self.fields["since"].label = "报到日期"

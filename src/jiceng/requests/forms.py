"""Forms of the request pages: the resident's (submit, track, rate) and the staff's actions.
They check the shape of the input; the services check its meaning (phone format, photo type
and count, limits), and the views put the services' messages beside the fields named here."""

import secrets

from django import forms
from django.core.exceptions import ValidationError

from jiceng.core.errors import DomainError
from jiceng.core.validators import normalize, validate_phone

from . import categories, choices

IMAGE_TYPES = "image/jpeg,image/png,image/webp"


def _messages(required, invalid_choice=None):
    found = {"required": required}
    if invalid_choice:
        found |= {"invalid_choice": invalid_choice, "invalid_pk_value": invalid_choice, "invalid_list": invalid_choice}
    return found


def _text(label, required_message=None, rows=3, **kwargs):
    return forms.CharField(label=label, required=bool(required_message),
                           error_messages=_messages(required_message) if required_message else None,
                           widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class PhotoInput(forms.FileInput):
    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": IMAGE_TYPES, "multiple": True, **(attrs or {})})


class PhotosField(forms.FileField):
    """Any number of files (the policy's limit is the service's to check); a list, maybe empty."""

    widget = PhotoInput

    def __init__(self, **kwargs):
        super().__init__(required=False, error_messages={"empty": "照片文件是空的，请重新选择"}, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(PhotosField, self).clean(upload, initial) for upload in files]


class SubmitForm(forms.Form):
    """A resident's request. `location` is "lon,lat", filled by the page's “使用我的位置” button;
    `idempotency_key` is drawn when the form is shown, so a double tap makes one request."""

    category = forms.ChoiceField(label="诉求类别", error_messages=_messages("请选择诉求类别", "请从列表中选择诉求类别"))
    description = _text("诉求内容", "请写明您反映的问题", rows=5)
    location = forms.CharField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label="地址或位置说明", max_length=200, required=False,
                              widget=forms.TextInput(attrs={"placeholder": "如：幸福小区 3 号楼东侧", "autocomplete": "off"}))
    photos = PhotosField(label="照片（可选）")
    phone = forms.CharField(label="手机号码", max_length=20, error_messages=_messages("请填写手机号码，以便告知办理结果"),
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories.all_categories(on)
        groups = {}
        for c in self.categories:
            groups.setdefault(c.group, []).append((c.code, c.name))
        self.fields["category"].choices = [("", "请选择")] + list(groups.items())
        if not self.is_bound:
            self.initial["idempotency_key"] = secrets.token_urlsafe(16)

    def clean_location(self):
        value = self.cleaned_data["location"].strip()
        if not value:
            return None, None
        lon, comma, lat = value.partition(",")
        if not comma:
            raise ValidationError("定位数据不完整，请重新点“使用我的位置”")
        return lon.strip(), lat.strip()


class TrackForm(forms.Form):
    tracking_no = forms.CharField(label="受理编号", max_length=20, error_messages=_messages("请填写受理编号"),
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    phone = forms.CharField(label="提交时填写的手机号码", max_length=20, error_messages=_messages("请填写手机号码"),
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean_tracking_no(self):
        return normalize(self.cleaned_data["tracking_no"])

    def clean_phone(self):
        try:
            return validate_phone(self.cleaned_data["phone"])
        except DomainError as exc:
            raise ValidationError(exc.message) from None


class RateForm(forms.Form):
    rating = forms.ChoiceField(label="您对办理结果是否满意", choices=choices.RATINGS, widget=forms.RadioSelect,
                               error_messages=_messages("请选择满意、基本满意或不满意", "请选择满意、基本满意或不满意"))
    comment = _text("意见或建议（可选）", max_length=500)


# -- staff actions ------------------------------------------------------------------------------

class NoteForm(forms.Form):
    note = _text("办理进展", "请填写办理进展")
    public = forms.BooleanField(label="向群众公开（群众查询时可以看到）", required=False, initial=True)


class HelpForm(forms.Form):
    note = _text("需要上级协助的事项", "请说明需要协助的事项")


class ResolveForm(forms.Form):
    result = _text("办理结果（群众可以看到）", "请填写办理结果", rows=4)
    photos = PhotosField(label="现场照片（可选）")


class DispatchForm(forms.Form):
    owner = forms.ModelChoiceField(label="承办单位", queryset=None, empty_label="请选择",
                                   error_messages=_messages("请选择承办单位", "请从列表中选择承办单位"))
    note = _text("派单说明（可选）", rows=2)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda o: f"{'　' * (o.depth - 1)}{o.name}"


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(label="合并到", queryset=None, widget=forms.RadioSelect,
                                  error_messages=_messages("请选择要合并到的诉求", "请从列表中选择要合并到的诉求"))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = targets
        self.fields["into"].label_from_instance = lambda r: f"{r.tracking_no} {r.description[:30]}"


class SummonForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label="需要报到的部门", queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages=_messages("请选择需要报到的部门", "请从列表中选择部门"))
    note = _text("需要部门做什么（可选）", rows=2)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments
        self.fields["departments"].label_from_instance = lambda d: d.name


class ReportForm(forms.Form):
    report = _text("处置情况", "请填写处置情况")

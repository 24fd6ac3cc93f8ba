from django import forms

from .rosters import KIND_NAMES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="名册类型", choices=list(KIND_NAMES.items()))
    file = forms.FileField(label="文件（.xlsx 或 .csv）")


class CommitForm(forms.Form):
    skip_invalid = forms.BooleanField(label="跳过有错误的行，只导入无误的行", required=False)

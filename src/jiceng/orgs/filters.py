"""The filters of the members list and the organization list, read from the query string.

They use the dashboard's categories (orgs.figures, the rollup keys), so a number on the
dashboard and the list it links to count the same rows. As in the statistics, composition
(gender, age, education, ethnicity, sector) is counted over party members (正式 and 预备):
a composition filter without a status means status=party.
"""

import datetime
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils import timezone

from jiceng.people.choices import EDUCATION, ETHNICITY_CHOICES, GENDERS, PARTY_MEMBER_STATUSES, STATUSES

from .figures import AGE_BANDS
from .kinds import KINDS, SECTORS

PARTY = "party"
COMPOSITION = ("gender", "age", "education", "ethnicity", "sector")


def _choices(pairs, blank="全部"):
    return [("", blank), *pairs]


def _on_field():
    return forms.DateField(label="日期", required=False, input_formats=["%Y-%m-%d"],
                           error_messages={"invalid": "日期须写成 YYYY-MM-DD，例如 2025-12-31"},
                           widget=forms.DateInput(attrs={"type": "date"}))


class Filters(forms.Form):
    def __init__(self, data):
        super().__init__({k: v for k, v in data.items() if k in self.base_fields})

    def problems(self):
        """zh-Hans messages naming each filter that is not valid."""
        return [f"筛选条件“{self.fields[name].label}”无效：{'；'.join(errors)}" for name, errors in self.errors.items()]

    def given(self):
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class MemberFilters(Filters):
    status = forms.ChoiceField(label="状态", required=False, choices=_choices(
        [(PARTY, "党员（正式和预备）"), *[s for s in STATUSES if s[0] != "left"]], "全部（不含已离开）"))
    gender = forms.ChoiceField(label="性别", required=False, choices=_choices(GENDERS))
    age = forms.TypedChoiceField(label="年龄", required=False, coerce=int, empty_value=None,
                                 choices=_choices([(str(i), label) for i, (_, _, label) in enumerate(AGE_BANDS)]))
    education = forms.ChoiceField(label="学历", required=False, choices=_choices(EDUCATION))
    ethnicity = forms.ChoiceField(label="民族", required=False, choices=_choices(ETHNICITY_CHOICES))
    sector = forms.ChoiceField(label="领域", required=False, choices=_choices(SECTORS))
    on = _on_field()

    def day(self):
        return self.cleaned_data.get("on") or timezone.localdate()

    def statuses(self):
        status = self.cleaned_data["status"]
        if status == PARTY or (not status and any(self.cleaned_data.get(k) not in ("", None) for k in COMPOSITION)):
            return set(PARTY_MEMBER_STATUSES)
        return {status} if status else None

    def born(self):
        """Birth dates of the chosen age band: the age reached in the year of the date shown."""
        band = self.cleaned_data.get("age")
        if band is None:
            return None
        lo, hi, _ = AGE_BANDS[band]
        year = self.day().year
        return datetime.date(year - hi, 1, 1), datetime.date(year - lo, 12, 31)

    def query(self):
        """Keyword arguments of people.queries.members_filtered."""
        d = self.cleaned_data
        return {"statuses": self.statuses(), "gender": d["gender"], "born": self.born(),
                "education": d["education"], "ethnicity": d["ethnicity"], "sector": d["sector"], "on": d["on"]}

    def rollup_count(self, counts):
        """The list's count from the kept rollups where one key family answers it, else None."""
        d = self.cleaned_data
        if d["on"]:
            return None
        given = [k for k in COMPOSITION if d.get(k) not in ("", None)]
        statuses = self.statuses()
        if not given:
            keys = statuses or {s for s, _ in STATUSES if s != "left"}
            return sum(counts.get(f"status:{s}", 0) for s in keys)
        if len(given) > 1 or statuses != PARTY_MEMBER_STATUSES:
            return None
        if given == ["gender"]:
            return counts.get(f"gender:{d['gender']}", 0)
        if given == ["sector"]:
            return counts.get(f"sector:{d['sector']}", 0)
        if given == ["age"]:
            first, last = self.born()
            return sum(counts.get(f"birth_year:{y}", 0) for y in range(first.year, last.year + 1))
        return None


class OrgFilters(Filters):
    kind = forms.ChoiceField(label="类型", required=False, choices=_choices(KINDS))
    sector = forms.ChoiceField(label="领域", required=False, choices=_choices(SECTORS))
    on = _on_field()

    def rollup_count(self, counts):
        d = self.cleaned_data
        if d["on"] or (d["kind"] and d["sector"]):
            return None
        if d["kind"]:
            return counts.get(f"kind:{d['kind']}", 0)
        if d["sector"]:
            return counts.get(f"org_sector:{d['sector']}", 0)
        return sum(n for k, n in counts.items() if k.startswith("kind:"))


def list_url(org, key, on=None):
    """The list behind a dashboard figure: a rollup key ("status:full", "gender:F",
    "age:3" for AGE_BANDS[3], "kind:branch", "org_sector:rural", …) → the members list or the
    organization list of `org` filtered the same way (as of `on` if given); None for a key no
    list answers (e.g. birth_year:, owes:, other apps' keys)."""
    family, _, value = key.partition(":")
    params = {"on": f"{on:%Y-%m-%d}"} if on else {}
    if family in ("kind", "org_sector"):
        name, params = "orgs:list", {**params, ("kind" if family == "kind" else "sector"): value}
    elif family == "status":
        name, params = "orgs:members", {**params, "status": value}
    elif family in COMPOSITION:
        name, params = "orgs:members", {**params, "status": PARTY, family: value}
    else:
        return None
    return f"{reverse(name, args=[org.pk])}?{urlencode(params)}"

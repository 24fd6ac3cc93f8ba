"""The term calendar (换届日历): each village's two committees serve the policy's term
(orgs.term_years, the same key that sets village posts' term_end) from the last election
recorded as held; within cadres.term_warning_days of its end the election is due."""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q

from jiceng.core import policy
from jiceng.core.dates import add_years
from jiceng.orgs.models import Organization
from jiceng.orgs.services import region_of, term_years_from

from .models import VILLAGE_KINDS, Election

OVERDUE, DUE, FINE, UNKNOWN = "overdue", "due", "fine", "unknown"
STATES = {OVERDUE: "已逾期", DUE: "即将到期", FINE: "任期内", UNKNOWN: "未记录换届"}
_AREA_KINDS = ("province", "city", "county", "street", "township", "community", "village")


@dataclass
class Term:
    village: Organization
    last_held: datetime.date | None
    term_end: datetime.date | None
    state: str
    on: datetime.date

    @property
    def state_label(self):
        return STATES[self.state]

    @property
    def days_left(self):
        return None if self.term_end is None else (self.term_end - self.on).days

    @property
    def days_over(self):
        return None if self.term_end is None else -self.days_left


def _regions(root, villages):
    """{village pk: policy region}: the division code of the village or its nearest ancestor,
    read in one query over the area nodes above `root` and in its subtree."""
    if not villages:
        return {}
    codes = dict(Organization.objects.filter(Q(path__in=root.ancestor_paths()) | (
        root.subtree_q() & Q(kind__in=_AREA_KINDS, depth__lte=max(v.depth for v in villages))))
        .exclude(division_code="").values_list("path", "division_code"))
    return {v.pk: next((codes[p] for p in reversed(v.ancestor_paths(include_self=True)) if p in codes), "")
            for v in villages}


def warning_days(org, on):
    return policy.get("cadres.term_warning_days", on=on, region=region_of(org))


def villages_under(root):
    return Organization.objects.filter(root.subtree_q(), kind__in=VILLAGE_KINDS, status=Organization.ACTIVE)


def calendar(root, on, villages=None, elections=None):
    """[Term] on `on` for `villages` (a queryset, by default every active village under `root`).
    `elections` narrows the elections read (the caller's scope); by default all of them."""
    chosen = villages_under(root) if villages is None else villages
    villages = list(chosen.select_related("parent"))
    elections = Election.objects.all() if elections is None else elections
    last = dict(elections.filter(held=True, village__in=chosen.values("pk")).values("village")
                .annotate(last=Max("held_on")).values_list("village", "last"))
    regions = _regions(root, villages)
    terms = []
    for v in villages:
        held = last.get(v.pk)
        if held is None:
            terms.append(Term(v, None, None, UNKNOWN, on))
            continue
        region = regions[v.pk]
        years = term_years_from(policy.get("orgs.term_years", on=held, region=region), v.kind,
                                v.parent.kind if v.parent_id else None, v.sector)
        end = add_years(held, years)
        warn = policy.get("cadres.term_warning_days", on=on, region=region)
        state = OVERDUE if on > end else DUE if on >= end - datetime.timedelta(days=warn) else FINE
        terms.append(Term(v, held, end, state, on))
    return terms


def of_village(village, on, elections=None):
    return calendar(village, on, Organization.objects.filter(pk=village.pk), elections)[0]


_ORDER = {OVERDUE: 0, DUE: 1, UNKNOWN: 2, FINE: 3}
SORTS = {
    "name": lambda t: t.village.name_initials,
    "last": lambda t: t.last_held,
    "due": lambda t: t.term_end,
    "state": lambda t: (_ORDER[t.state], t.term_end or datetime.date.max),
}


def sort(terms, key):
    """Sort by `key` from SORTS, "-key" descending; villages without a date stay last."""
    name = key.lstrip("-")
    name = name if name in SORTS else "state"
    dated = name in {"last", "due"}
    known = [t for t in terms if t.term_end or not dated]
    known.sort(key=SORTS[name], reverse=key.startswith("-"))
    return known + [t for t in terms if dated and not t.term_end]

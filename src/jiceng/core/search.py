"""Search terms to filters: names by prefix, pinyin initials or full pinyin, ID numbers by
blind index. Every filter is an index range, never a LIKE over the table."""

import re

from django.db.models import Q

from . import crypto
from .validators import normalize

ID_LIKE = re.compile(r"\d{17}[\dX]|\d{15}")
LATIN = re.compile(r"[a-z]+")


def prefix_q(field, prefix):
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})


def name_q(term, name="name", initials="name_initials", pinyin=None):
    """Names starting with `term`; latin letters match pinyin initials (zs) or full pinyin."""
    latin = normalize(term).lower()
    if LATIN.fullmatch(latin):
        term = latin
        q = prefix_q(initials, term)
        if pinyin:
            q |= prefix_q(pinyin, term)
        return q
    return prefix_q(name, term.strip())


def id_number_index(term):
    """The blind index of `term` if it looks like an ID-card number, else None."""
    number = normalize(term)
    return crypto.blind_index(number) if ID_LIKE.fullmatch(number) else None

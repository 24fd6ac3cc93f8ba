"""Search terms to filters: names by prefix, pinyin initials or full pinyin, ID numbers by
blind index. Every filter is an index range, never a LIKE over the table."""

import re

from django.db.models import Q

from . import crypto
from .validators import normalize

ID_LIKE = re.compile(r"\d{17}[\dX]|\d{15}")
LATIN = re.compile(r"[a-z]+")
VOWELS = re.compile(r"[aeiouv]")


def prefix_q(field, prefix):
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})


def name_q(term, name="name", initials="name_initials", pinyin=None):
    """(filter, ordering) for names starting with `term`. Latin letters without a vowel are
    pinyin initials (zs finds 张三); with one, a full-pinyin prefix (zhangs). Each case is a
    range on one index, ordered by that index, so the database walks only the matches."""
    latin = normalize(term).lower()
    if LATIN.fullmatch(latin):
        if pinyin and VOWELS.search(latin):
            return prefix_q(pinyin, latin), pinyin
        return prefix_q(initials, latin), initials
    return prefix_q(name, term.strip()), name


def id_number_index(term):
    """The blind index of `term` if it looks like an ID-card number, else None."""
    number = normalize(term)
    return crypto.blind_index(number) if ID_LIKE.fullmatch(number) else None

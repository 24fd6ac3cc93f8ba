"""Pinyin keys for search: `zs` and `zhangsan` both find 张三."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=20000)
def _syllable(char):
    return lazy_pinyin(char, style=Style.NORMAL, errors="default")[0].lower()


def keys(text):
    """(initials, full) for a name, e.g. ("zs", "zhangsan")."""
    syllables = [_syllable(c) for c in text if not c.isspace()]
    initials = "".join(s[0] for s in syllables if s)
    return initials[:50], "".join(syllables)[:200]

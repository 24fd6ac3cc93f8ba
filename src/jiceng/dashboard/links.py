"""Links from a number to the list behind it. A list another capability has not built yet
(NoReverseMatch) leaves the number unlinked rather than breaking the page."""

from functools import lru_cache
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

_ID = 987654321  # reversed once per name, then replaced: a dashboard has over a hundred links


@lru_cache(maxsize=64)
def _pattern(name):
    try:
        return reverse(name, args=[_ID])
    except NoReverseMatch:
        return None


def link(name, org_id, on=None, **params):
    pattern = _pattern(name)
    if pattern is None:
        return None
    url = pattern.replace(str(_ID), str(org_id))
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if on is not None:
        query["on"] = on.isoformat()
    return f"{url}?{urlencode(query)}" if query else url


def cell(label, n, href=None, key=""):
    return {"label": label, "n": n, "href": href, "key": key}

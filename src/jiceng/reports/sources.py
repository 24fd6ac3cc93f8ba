"""Where each figure comes from: the filtered list that reproduces it.

A figure the project's lists can filter exactly goes to them:
  /orgs/<id>/members/?status=&gender=&age=&education=&sector=&on=YYYY-MM-DD (orgs.filters)
  /orgs/<id>/list/?kind=&sector=&on=
Any other (少数民族, 大专及以上, a year's development, several kinds at once, coverage) goes
to this app's own list of the rows behind the cell, /reports/<id>/rows/?year=&table=&…, which
runs the same filters as the table's GROUP BY (figures.member_rows / org_rows).
"""

from urllib.parse import urlencode

from django.urls import reverse

MEMBER_LIST_KEYS = {"status", "gender", "age", "education", "sector", "on"}


def _url(base, filters):
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


def _member_list_can(filters):
    return (set(filters) <= MEMBER_LIST_KEYS and filters.get("education") != "college_plus"
            and "," not in filters.get("sector", ""))


def _org_list_can(filters):
    return "," not in filters.get("kind", "") and "," not in filters.get("sector", "") and "party" not in filters


def url(node, year, table, filters):
    if table == "members" and _member_list_can(filters):
        return _url(reverse("orgs:members", args=[node.pk]), filters)
    if table == "organizations" and _org_list_can(filters):
        return _url(reverse("orgs:list", args=[node.pk]), filters)
    return _url(reverse("reports:rows", args=[node.pk]),
                {"year": year, "table": table, **{k: v for k, v in filters.items() if k != "on"}})

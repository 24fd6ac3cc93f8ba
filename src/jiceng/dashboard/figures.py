"""Everything one dashboard shows, as plain data (the page renders it, the big screen and the
map read it as JSON): member and organization tables from the rollups or, for a past date, the
histories; the other capabilities' panels; the children with their key figures. Every number
carries the link to the list behind it."""

from django.utils import timezone

from jiceng.orgs import figures as org_figures
from jiceng.orgs import queries
from jiceng.orgs.kinds import KIND_LABELS, SECTOR_LABELS
from jiceng.people.choices import EDUCATION, GENDERS, STATUSES

from . import panels, sources
from .links import cell, link

EDUCATION_LABELS = dict(EDUCATION)
# Figures a map can be coloured by: (key, label); rates are in per cent.
MAP_FIGURES = [("party_members", "党员数"), ("full", "正式党员"), ("probationary", "预备党员"),
               ("pipeline", "入党申请人至发展对象"), ("orgs", "组织数"), ("branches", "党支部数"),
               ("life_rate", "组织生活完成率（%）"), ("received", "诉求受理量"),
               ("resolution_rate", "诉求解决率（%）"), ("satisfaction_rate", "诉求满意率（%）")]
CURRENT_ONLY = {"life_rate"}


def _family(counts, prefix, labels, node, on, param):
    rows = [(k[len(prefix):], v) for k, v in counts.items() if k.startswith(prefix)]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return [cell(labels.get(code, code), n, link("orgs:members", node.pk, on, **{param: code}), code)
            for code, n in rows]


def member_tables(node, counts, on):
    year = (on or timezone.localdate()).year
    tables = org_figures.tables(counts, year)
    members = lambda **p: link("orgs:members", node.pk, on, **p)  # noqa: E731
    return {
        "party_members": cell("党员", tables["party_members"], members(status="party")),
        "status": [cell(label, counts.get(f"status:{key}", 0), members(status=key), key)
                   for key, label in STATUSES if key != "left"],
        "gender": [cell(label, counts.get(f"gender:{key}", 0), members(gender=key), key) for key, label in GENDERS],
        "age": [cell(label, n, members(age=i), str(i)) for i, (label, n) in enumerate(tables["age"])],
        "sector": _family(counts, "sector:", SECTOR_LABELS, node, on, "sector"),
        "education": _family(counts, "education:", EDUCATION_LABELS, node, on, "education"),
        "ethnicity": _family(counts, "ethnicity:", {}, node, on, "ethnicity"),
    }


def org_tables(node, counts, on):
    return {
        "total": sum(v for k, v in counts.items() if k.startswith("kind:")),
        "kind": [cell(KIND_LABELS.get(k, k), n, link("orgs:list", node.pk, on, kind=k), k)
                 for k, n in sorted(((k[5:], v) for k, v in counts.items() if k.startswith("kind:")),
                                    key=lambda r: -r[1])],
        "sector": [cell(SECTOR_LABELS.get(k, k), n, link("orgs:list", node.pk, on, sector=k), k)
                   for k, n in sorted(((k[11:], v) for k, v in counts.items() if k.startswith("org_sector:")),
                                      key=lambda r: -r[1])],
    }


def key_figures(counts):
    full, probationary = counts.get("status:full", 0), counts.get("status:probationary", 0)
    return {"party_members": full + probationary, "full": full, "probationary": probationary,
            "pipeline": sum(counts.get(f"status:{s}", 0) for s in ("applicant", "activist", "candidate")),
            "orgs": sum(v for k, v in counts.items() if k.startswith("kind:")),
            "branches": counts.get("kind:branch", 0)}  # 党支部 as the organization list filters it


def _life_rate(counts, today):
    from jiceng.life import compliance

    if not counts.get("owes:branch"):
        return None
    met, owed = compliance.summary(counts, today.year, today).overall
    return panels.pct(met, owed)


def dashboard(user, node, on=None):
    """The whole dashboard of `node` (already checked visible to `user`) today or on `on`."""
    today = timezone.localdate()
    on = on if sources.is_past(on) else None
    children = list(queries.children(user, node)[:500])
    found = sources.counts_for([node, *children], on)
    counts = found[node.pk]
    now = counts if not on else sources.counts(node)  # which capabilities have data here at all
    found_requests = panels.requests_figures(node, children, on or today)  # dated rows: any day
    per_child_requests = found_requests["children"]
    child_rows = []
    for child in children:
        c = found.get(child.pk, {})
        row = {"id": child.pk, "name": child.name, "kind": KIND_LABELS.get(child.kind, child.kind),
               "href": link("dashboard:node", child.pk, on),
               "members_href": link("orgs:members", child.pk, on, status="party"),
               "orgs_href": link("orgs:list", child.pk, on), **key_figures(c)}
        stats = per_child_requests.get(child.pk, {})
        row.update(life_rate=None if on else _life_rate(c, today), received=stats.get("received", 0),
                   resolution_rate=stats.get("resolution"), satisfaction_rate=stats.get("satisfaction"))
        child_rows.append(row)
    found_panels = [
        panels.problems(user, node, today, on),
        panels.life(node, now, today, on),
        panels.requests(node, found_requests, on or today),
        panels.development(user, node, counts, today, on),
        panels.dues(node, today, on),
        panels.village(node, today, on),
    ]
    return {
        "node": {"id": node.pk, "name": node.name, "kind": KIND_LABELS.get(node.kind, node.kind)},
        "on": on.isoformat() if on else None,
        "today": today.isoformat(),
        "figures": key_figures(counts),
        "links": {"orgs": link("orgs:list", node.pk, on), "branches": link("orgs:list", node.pk, on, kind="branch")},
        "members": member_tables(node, counts, on),
        "orgs": org_tables(node, counts, on),
        "panels": [p for p in found_panels if p],
        "children": child_rows,
        "map_figures": [{"key": k, "label": label} for k, label in MAP_FIGURES if not (on and k in CURRENT_ONLY)],
    }

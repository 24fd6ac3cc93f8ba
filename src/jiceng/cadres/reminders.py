"""Election reminders: the county organization department (org_admin of the village's
county) and the village's secretaries are told when a village's term enters the policy's
warning window and again when it is overdue; each notice once per term (its key)."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from jiceng.core.models import Grant
from jiceng.core.notices import notify
from jiceng.orgs.models import Organization

from . import terms


def _recipients(rows):
    """{village pk: [users]}: org_admin of the county above the village, secretaries of the village."""
    counties = dict(Organization.objects.filter(kind="county").values_list("path", "pk"))
    county_of = {t.village.pk: next((counties[p] for p in t.village.ancestor_paths() if p in counties), None)
                 for t in rows}
    grants = Grant.objects.filter(role="org_admin", node_id__in=set(county_of.values()) - {None}) | \
        Grant.objects.filter(role="secretary", node_id__in=county_of.keys())
    by_node = {}
    for node_id, role, user_id in grants.values_list("node_id", "role", "user_id"):
        by_node.setdefault((node_id, role), set()).add(user_id)
    wanted = {pk: by_node.get((county, "org_admin"), set()) | by_node.get((pk, "secretary"), set())
              for pk, county in county_of.items()}
    users = get_user_model().objects.in_bulk({u for ids in wanted.values() for u in ids})
    return {pk: [users[u] for u in sorted(ids)] for pk, ids in wanted.items()}


def _message(t):
    end, held = f"{t.term_end:%Y-%m-%d}", f"{t.last_held:%Y-%m-%d}"
    if t.state == terms.OVERDUE:
        return (f"{t.village.name}“两委”任期已于 {end} 届满，尚未登记新一届选举",
                f"上次换届 {held}。请尽快安排换届选举；已举行的，请在村干部页面登记选举结果。")
    return (f"{t.village.name}“两委”任期将于 {end} 届满，请准备换届",
            f"上次换届 {held}，距届满 {t.days_left} 天。请提前安排候选人资格联审和选举。")


def remind(on):
    """Notices for villages whose term is due or overdue on `on`. Returns how many were new."""
    rows = [t for root in Organization.objects.filter(depth=1) for t in terms.calendar(root, on)
            if t.state in (terms.DUE, terms.OVERDUE)]
    recipients = _recipients(rows)
    sent = 0
    for t in rows:
        title, body = _message(t)
        for user in recipients[t.village.pk]:
            _, created = notify(user, key=f"cadres.term_{t.state}:{t.village.pk}:{t.term_end:%Y-%m-%d}",
                                title=title, body=body, link=reverse("cadres:overview", args=[t.village.pk]))
            sent += created
    return sent

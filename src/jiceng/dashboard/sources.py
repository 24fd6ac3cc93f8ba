"""Where the dashboard's member and organization counts come from: today, the kept rollups
(orgs.rollups); for a past date, the status histories (orgs.history, answered from the
records, never from snapshots). Both give the same keys (status:, gender:, birth_year:,
sector:, education:, ethnicity:, kind:, org_sector:); only the rollups also carry other
apps' kept keys (owes:, life:)."""

from django.utils import timezone

from jiceng.orgs import history, rollups


def is_past(on):
    return on is not None and on < timezone.localdate()


def counts(node, on=None):
    return counts_for([node], on).get(node.pk, {})


def counts_for(nodes, on=None):
    """{node id: {key: n}} for `nodes` today, or at the end of the day `on`."""
    nodes = list(nodes)
    if not nodes:
        return {}
    found = history.counts_on_for(nodes, on) if is_past(on) else rollups.counts_for(nodes)
    return {n.pk: dict(found.get(n.pk, {})) for n in nodes}

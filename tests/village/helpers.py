"""A village with a matter, and the six steps of 四议两公开 as a test drives them."""

import datetime

from jiceng.village import services

from tests import builders as b

D = datetime.date(2025, 3, 3)
KIND = "村级公益事业建设"


def village(side):
    from jiceng.orgs.models import Organization

    return Organization.objects.filter(parent=side.street, kind="village").first() or \
        b.org(side.street, f"{side.county.name[0]}溪村", "village", "rural")


def matter(side, title="修建村道", actor=None):
    return services.propose(actor, village(side), title=title, kind=KIND, proposed_on=D, amount=80000)


VOTE = {"entitled": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2}
STEPS = [
    (1, "party_org", {}),
    (2, "two_committees", {"entitled": 7, "present": 7, "yes": 7, "no": 0, "abstain": 0}),
    (3, "party_assembly", VOTE),
    (4, "representatives_assembly", VOTE),
    (5, "board", {}),
    (6, "board", {}),
]


def step(m, order, actor=None, on=None, **override):
    _, body, counts = STEPS[order - 1]
    args = {"body": body, "held_on": on or D + datetime.timedelta(days=order), "minutes": f"第{order}步：同意修建村道",
            **counts, **override}
    return services.record_step(actor, m, order=order, **args)

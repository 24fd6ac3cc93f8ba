"""下沉 for the demo: in every county the first street has a call running (from two days ago to
five days ahead) naming its communities and three roles; members of the street's branches and
in-service members registered there signed up, most of them arrived. Written in bulk, with the
counts on each need row computed here as the services would keep them."""

import datetime
import random

from django.utils import timezone

from jiceng.checkin.models import Registration
from jiceng.mobilization.models import Call, Deployment, Need
from jiceng.orgs.models import Organization
from jiceng.people.models import Membership

from .rows import Keys, reset_sequences

ROLES = ["卡口值守", "核酸采样协助", "物资配送"]


def load(seed, today):
    rng = random.Random(seed * 11 + 3)
    key = Keys(Call, Need, Deployment)
    calls, needs, rows = [], [], []
    morning = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8)))
    for street in Organization.objects.filter(kind="street", parent__kind="county").order_by("parent_id", "path"):
        if calls and calls[-1].caller.parent_id == street.parent_id:
            continue  # the first street of each county
        communities = list(Organization.objects.filter(street.subtree_q(), kind="community").order_by("path"))
        if not communities:
            continue
        call = Call(pk=key(Call), caller=street, title=f"{street.name}疫情防控下沉社区",
                    description="请党员干部就近报名，按时到岗。", starts_at=morning - datetime.timedelta(days=2),
                    ends_at=morning + datetime.timedelta(days=5))
        calls.append(call)
        people = set(Membership.objects.filter(street.subtree_q("org__path"), status__in=("full", "probationary"))
                     .values_list("person_id", flat=True))
        people |= set(Registration.objects.filter(street.subtree_q("community__path"), ended_on__isnull=True)
                      .values_list("person_id", flat=True))
        pool = rng.sample(sorted(people), len(people))
        for community in communities:
            for role in ROLES:
                need = Need(pk=key(Need), call=call, community=community, role=role, needed=rng.randrange(2, 6))
                needs.append(need)
                for _ in range(min(len(pool), rng.randrange(0, need.needed + 1))):
                    arrived = rng.random() < 0.8
                    came = call.starts_at + datetime.timedelta(hours=1)
                    rows.append(Deployment(pk=key(Deployment), call=call, need=need, person_id=pool.pop(),
                                           how=rng.choice([Deployment.VOLUNTEERED, Deployment.ASSIGNED]),
                                           signed_at=call.starts_at - datetime.timedelta(hours=rng.randrange(1, 24)),
                                           arrived_at=came if arrived else None))
                    need.signed += 1
                    need.arrived += arrived
    Call.objects.bulk_create(calls, batch_size=2000)
    Need.objects.bulk_create(needs, batch_size=2000)
    Deployment.objects.bulk_create(rows, batch_size=2000)
    reset_sequences(Call, Need, Deployment)
    return len(calls)

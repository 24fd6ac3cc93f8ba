"""双报到 for the demo: in every county about a third of the members of agency and enterprise
branches registered with a community of the county, the agencies as partner units, and in every
community a few tasks and wishes — past ones served with confirmed hours, an upcoming one open.
Written in bulk, county by county, with primary keys assigned here."""

import datetime
import random

from django.utils import timezone

from jiceng.checkin.models import Claim, PartnerUnit, Registration, Task
from jiceng.orgs.models import Organization
from jiceng.people.models import Membership

from .rows import Keys, reset_sequences

SHARE = 0.3
RESOURCES = ["会议室", "志愿者服务队", "法律咨询", "义诊", "政策宣讲", "车辆支援", "爱心物资", "技能培训"]
TASKS = [("volunteer", "楼道环境整治"), ("volunteer", "垃圾分类宣传引导"), ("volunteer", "老年人智能手机教学"),
         ("volunteer", "文明交通劝导"), ("wish", "独居老人想要一台收音机"), ("wish", "孩子想要一套课外读物"),
         ("wish", "行动不便老人需要陪同就医")]
PLACES = ["党群服务中心", "小区广场", "社区活动室", "居民楼下"]



def load(seed, today):
    rng = random.Random(seed * 7 + 5)
    key = Keys(Registration, PartnerUnit, Task, Claim)
    regs, units, tasks, claims = [], [], [], []
    now = timezone.now()
    for county in Organization.objects.filter(kind="county").order_by("path"):
        communities = list(Organization.objects.filter(county.subtree_q(), kind="community").order_by("path"))
        if not communities:
            continue
        members = list(Membership.objects.filter(county.subtree_q("org__path"), status__in=("full", "probationary"),
                                                 org__parent__kind__in=("department", "unit"))
                       .values_list("person_id", flat=True).order_by("person_id"))
        living = {c.pk: [] for c in communities}
        for person_id in rng.sample(members, int(len(members) * SHARE)):
            community = rng.choice(communities)
            living[community.pk].append(person_id)
            regs.append(Registration(pk=key(Registration), person_id=person_id, community=community,
                                     started_on=today - datetime.timedelta(days=rng.randrange(70, 700))))
        for unit in Organization.objects.filter(county.subtree_q(), kind__in=("department", "unit")).order_by("path"):
            units.append(PartnerUnit(pk=key(PartnerUnit), community=rng.choice(communities), org=unit, name=unit.name,
                                     resources="\n".join(rng.sample(RESOURCES, 2)), contact="办公室",
                                     started_on=today - datetime.timedelta(days=rng.randrange(30, 700))))
        for community in communities:
            for days_ahead in (-60, -20, 7):
                kind, title = rng.choice(TASKS)
                slots = 1 if kind == "wish" else rng.randrange(3, 9)
                on = today + datetime.timedelta(days=days_ahead)
                task = Task(pk=key(Task), community=community, kind=kind, title=title, on=on, slots=slots,
                            place=rng.choice(PLACES), status=Task.OPEN if days_ahead > 0 else Task.CLOSED)
                takers = rng.sample(living[community.pk], min(len(living[community.pk]), rng.randrange(0, slots + 1)))
                task.claimed = len(takers)
                tasks.append(task)
                for person_id in takers:
                    served = days_ahead < 0
                    claims.append(Claim(pk=key(Claim), task=task, person_id=person_id, claimed_at=now,
                                        status=Claim.CONFIRMED if served else Claim.CLAIMED,
                                        hours=rng.choice([1, 2, 2, 3, 4]) if served else None,
                                        served_on=on if served else None, confirmed_at=now if served else None))
    Registration.objects.bulk_create(regs, batch_size=2000)
    PartnerUnit.objects.bulk_create(units, batch_size=2000)
    Task.objects.bulk_create(tasks, batch_size=2000)
    Claim.objects.bulk_create(claims, batch_size=2000)
    reset_sequences(Registration, PartnerUnit, Task, Claim)
    return len(regs)



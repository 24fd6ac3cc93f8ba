"""双报到 objects of one county for the access matrix (made once, before any snapshot)."""

import datetime

from django.utils import timezone

from jiceng.checkin import services
from jiceng.checkin.models import Claim, PartnerUnit, Registration, Task


def objects(side):
    person = side.members[0].person
    registration = Registration.objects.filter(person=person).first() or services.register(
        None, person=person, community=side.community)
    task = Task.objects.filter(community=side.community).first() or services.publish_task(
        None, community=side.community, kind=Task.VOLUNTEER, title=f"{side.county.name}楼道清扫",
        on=timezone.localdate() + datetime.timedelta(days=30), slots=3)
    claim = Claim.objects.filter(task=task).first() or services.claim(None, task, person=person)
    unit = PartnerUnit.objects.filter(community=side.community).first() or services.register_unit(
        None, community=side.community, name=f"{side.county.name}供电公司", resources="电工维修")
    return {"registration": registration.pk, "task": task.pk, "claim": claim.pk, "partner": unit.pk}


def snapshot(orgs):
    return [
        list(Registration.objects.filter(community__in=orgs).values_list("id", "person_id", "started_on", "ended_on")),
        list(PartnerUnit.objects.filter(community__in=orgs).values_list("id", "name", "ended_on")),
        list(Task.objects.filter(community__in=orgs).values_list("id", "title", "slots", "claimed", "status")),
        list(Claim.objects.filter(task__community__in=orgs).values_list("id", "person_id", "status", "hours")),
    ]

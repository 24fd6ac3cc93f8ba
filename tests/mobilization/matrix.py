"""下沉 objects of one county for the access matrix (made once, before any snapshot)."""

import datetime

from django.utils import timezone

from jiceng.mobilization import services
from jiceng.mobilization.models import Call, Deployment, Need


def objects(side):
    call = Call.objects.filter(caller=side.street).first()
    if call is None:
        now = timezone.now()
        call = services.issue_call(None, caller=side.street, title=f"{side.county.name}下沉社区",
                                   starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=5),
                                   needs=[(side.community, "卡口值守", 3)])
        services.sign_up(None, call.needs.get(), person=side.members[1].person)
    need = call.needs.get()
    return {"call": call.pk, "need": need.pk, "deployment": need.deployments.get().pk}


def snapshot(orgs):
    return [
        list(Call.objects.filter(caller__in=orgs).values_list("id", "title", "status", "ends_at")),
        list(Need.objects.filter(community__in=orgs).values_list("id", "needed", "signed", "arrived")),
        list(Deployment.objects.filter(need__community__in=orgs).values_list("id", "person_id", "arrived_at",
                                                                             "withdrawn_at")),
    ]

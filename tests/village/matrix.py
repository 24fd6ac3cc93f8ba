"""Village objects of one county for the access matrix (made once, before any snapshot)."""

from jiceng.village import services
from jiceng.village.models import Disclosure, Matter, Objection, Question, StepRecord, Supervisor

from tests import builders as b

from . import helpers


def objects(side):
    village = helpers.village(side)
    m = Matter.objects.filter(village=village).first()
    if m is None:
        m = helpers.matter(side, title=f"{side.county.name}修建村道")
        for order in range(1, 6):
            helpers.step(m, order)
        supervisor = b.user(f"jiandu_{side.county.name}", "auditor", village)
        services.appoint_supervisor(None, village, supervisor)
        services.object_to(supervisor, m, text="请公开预算明细", on=helpers.D)
        services.ask(m.disclosures.get(), text="何时开工？", phone="13800000000", on=helpers.D.replace(day=28))
    return {"village": village.pk, "matter": m.pk, "disclosure": m.disclosures.get().pk,
            "objection": m.objections.get().pk, "question": Question.objects.get(disclosure__matter=m).pk,
            "steprecord": m.records.first().pk, "supervisor": Supervisor.objects.get(village=village).pk}


def snapshot(orgs):
    return [
        list(Matter.objects.filter(village__in=orgs).values_list("id", "title", "status", "next_order")),
        list(StepRecord.objects.filter(matter__village__in=orgs).values_list("id", "passed")),
        list(Disclosure.objects.filter(village__in=orgs).values_list("id", "text", "taken_down_on")),
        list(Objection.objects.filter(matter__village__in=orgs).values_list("id", "answer", "answered_on")),
        list(Question.objects.filter(disclosure__village__in=orgs).values_list("id", "text", "answer")),
        list(Supervisor.objects.filter(village__in=orgs).values_list("id", "user_id", "ended_on", "end_reason")),
    ]

"""Two people act on the same question, objection or step at the same moment, each on their own
database connection: the row lock lets one through and the other is refused by the check."""

import pytest
from django.db import connection

from jiceng.village import services
from jiceng.village.models import Matter, Objection, Question, StepRecord

from tests import builders as b

from .helpers import D, matter, race, step

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="SQLite takes one write lock per database, so two answers cannot race "
                                        "there; test_procedure and test_pages cover the refusals serially")]


def test_two_answers_to_one_question(world):
    m = matter(world.a)
    for order in range(1, 6):
        step(m, order)
    q = services.ask(m.disclosures.get(), text="何时开工？", on=D.replace(day=28))
    done, refused = race(Question, q.pk, [
        lambda: services.answer(None, Question.objects.get(pk=q.pk), text="四月一日", on=D.replace(day=29)),
        lambda: services.answer(None, Question.objects.get(pk=q.pk), text="五月一日", on=D.replace(day=29))])
    assert len(done) == 1 and refused == ["already_answered"]
    assert Question.objects.get(pk=q.pk).answer == done[0].answer


def test_two_answers_to_one_objection(world):
    m = matter(world.a)
    supervisor = b.user("jiandu", "auditor", m.village)
    services.appoint_supervisor(None, m.village, supervisor, on=D)
    o = services.object_to(supervisor, m, text="预算未附明细", on=D)
    done, refused = race(Objection, o.pk, [
        lambda: services.answer_objection(None, Objection.objects.get(pk=o.pk), text=f"已补充{i}", on=D)
        for i in range(2)])
    assert len(done) == 1 and refused == ["already_answered"]


def test_the_same_step_recorded_twice_at_once(world):
    m = matter(world.a)
    done, refused = race(Matter, m.pk, [
        lambda: services.record_step(None, Matter.objects.get(pk=m.pk), order=1, body="party_org", held_on=D,
                                     minutes="提议") for _ in range(2)])
    assert len(done) == 1 and refused == ["step_out_of_order"]
    assert StepRecord.objects.filter(matter=m).count() == 1
    assert Matter.objects.get(pk=m.pk).next_order == 2

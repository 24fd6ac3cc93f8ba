"""Development cases (发展党员) for the demo: one for every applicant, activist, candidate and
probationary member the loader made, at the stage their status says, with the dates of the
steps taken so far and the next step worked out by the same rules the services use. A few
are behind (a talk or a review overdue, an approval late) so the dashboard has something to
show. Written in bulk; the milestone steps are kept, the people they name are not."""

import datetime
import random

from jiceng.development import rules
from jiceng.development.models import Case, Step
from jiceng.people.models import Membership

STATUSES = ("applicant", "activist", "candidate", "probationary")
NOTE = "演示数据"


def _days(n):
    return datetime.timedelta(days=n)


def _case(m, rng, today):
    """A case consistent with the membership's status and dates; [(kind, date)] of its steps."""
    c = Case(person_id=m.person_id, membership_id=m.pk, applied_on=m.applied_on or m.since)
    if m.status == "applicant":
        if c.applied_on + _days(30) < today and rng.random() < 0.8:
            c.talk_on = c.applied_on + _days(rng.randrange(5, 25))
    else:
        if m.status == "probationary":
            c.assembly_on = m.admitted_on
            c.candidate_on = c.assembly_on - _days(rng.randrange(40, 90))
            c.activist_on = c.candidate_on - _days(rng.randrange(370, 500))
        else:
            c.activist_on = m.activist_on or m.since
            c.candidate_on = m.candidate_on
        c.applied_on = min(c.applied_on, c.activist_on - _days(rng.randrange(90, 200)))
        c.talk_on = c.applied_on + _days(rng.randrange(5, 25))
        end = min(c.candidate_on or today, today)
        c.reviews = rules.reviews_needed(c, end)
        if c.candidate_on is None and c.reviews and rng.random() < 0.15:
            c.reviews -= 1  # a review not yet recorded: overdue on the dashboard
        if c.reviews:
            c.last_review_on = rules.add_months(c.activist_on, 6 * c.reviews) - _days(rng.randrange(1, 20))
    if c.candidate_on:
        for field, after in (("sponsors_on", 10), ("political_review_on", 25), ("training_on", 20)):
            day = c.candidate_on + _days(after)
            if day <= today and (c.assembly_on or rng.random() < 0.7):
                setattr(c, field, day)
    if c.assembly_on:
        c.approved_on = min(c.assembly_on + _days(rng.randrange(20, 80)), today)
        c.probation_ends_on = rules.add_months(c.assembly_on, 12)
        if c.approved_on + _days(7) <= today:
            c.oath_on = c.approved_on + _days(7)
    rules.set_next(c)
    steps = [("apply", c.applied_on)] + [(kind, getattr(c, f"{kind}_on")) for kind in (
        "talk", "activist", "candidate", "sponsors", "political_review", "training", "assembly")]
    steps += [("review", c.last_review_on), ("approval", c.approved_on), ("oath", c.oath_on)]
    return c, [(kind, day) for kind, day in steps if day]


def load(seed, today):
    """Open a case for every development-stage membership that lacks one; return how many."""
    rng = random.Random(seed)
    memberships = (Membership.objects.filter(status__in=STATUSES, development_case__isnull=True)
                   .only("pk", "person_id", "status", "since", "applied_on", "activist_on", "candidate_on",
                         "admitted_on").order_by("pk"))
    made = 0
    batch = []
    for m in memberships.iterator(chunk_size=5000):
        batch.append(_case(m, rng, today))
        if len(batch) >= 5000:
            made += _write(batch)
            batch = []
    return made + _write(batch)


def _write(batch):
    cases = Case.objects.bulk_create([c for c, _ in batch])
    Step.objects.bulk_create([Step(case=c, kind=kind, on=day, note=NOTE) for c, (_, steps) in zip(cases, batch)
                              for kind, day in sorted(steps, key=lambda s: s[1])], batch_size=5000)
    return len(cases)

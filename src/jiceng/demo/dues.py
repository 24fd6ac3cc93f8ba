"""Dues for the demo: a profile for every party member (category by the branch's sector,
incomes spread around local figures), the last months assessed by the same engine as the
monthly run, and payments — most members paid up, some a few months behind, a few not
paying at all for long enough to be flagged. Written in bulk, a chunk of members at a time."""

import datetime
import random
from decimal import Decimal

from django.db.models import Q

from jiceng.core import policy
from jiceng.dues import assess, months
from jiceng.dues.choices import CASH, CONFIRMED, IN_SERVICE, RETIRED, RURAL, TRANSFER
from jiceng.dues.gateways import ManualGateway
from jiceng.dues.models import Assessment, DuesProfile, Payment
from jiceng.people.choices import PARTY_MEMBER_STATUSES
from jiceng.people.models import Membership

CHUNK = 20000


def _category(rng, sector, age):
    if sector == "rural":
        return RETIRED if rng.random() < 0.05 else RURAL
    if age >= 60:
        return RETIRED
    roll = rng.random()
    if age < 24 and roll < 0.5:
        return "student"
    return "laid_off" if roll < 0.02 else "subsistence" if roll < 0.03 else IN_SERVICE


def _income(rng, category):
    mean, spread = (6000, 3000) if category == IN_SERVICE else (4200, 1500)
    return Decimal(int(min(40000, max(1500, rng.gauss(mean, spread))) // 10 * 10))


def load(seed, today):
    """Profiles, assessments and payments for party members who have no profile yet; returns
    how many assessments were written."""
    rng = random.Random(seed * 104729)
    current = months.first(today)
    span = policy.get("dues.unpaid_flag_months", on=today)
    wanted = [months.add(current, -i) for i in range(span, -1, -1)]  # oldest first, this month last
    members = list(Membership.objects.filter(status__in=PARTY_MEMBER_STATUSES)
                   .exclude(person__dues_profiles__isnull=False)
                   .filter(Q(admitted_on__isnull=False) | Q(full_on__isnull=False))
                   .values_list("person_id", "org_id", "org__sector", "person__birth_date", "admitted_on", "full_on")
                   .order_by("person_id"))
    written = 0
    for i in range(0, len(members), CHUNK):
        chunk = members[i:i + CHUNK]
        profiles = []
        for pid, org_id, sector, born, admitted, full in chunk:
            category = _category(rng, sector, today.year - born.year)
            income = _income(rng, category) if category in (IN_SERVICE, RETIRED) else None
            flat = Decimal(rng.choice(["0.2", "0.2", "0.5", "1"])) if category == RURAL else None
            profiles.append(DuesProfile(person_id=pid, org_id=org_id, category=category, monthly_income=income,
                                        flat_amount=flat, applies_from=admitted or full, note="演示数据"))
        DuesProfile.objects.bulk_create(profiles, batch_size=2000)
        ids = [row[0] for row in chunk]
        rows = {m: assess.compute(m, assess.owing(m, person_ids=ids)).rows for m in wanted}
        written += _pay(rng, rows, wanted, today)
    return written


def _pay(rng, rows, wanted, today):
    """Most pay every past month in one or two visits; some stop a few months ago; a few never
    paid in the window. This month is mostly still open."""
    payments, links = [], []
    people = set().union(*(r.keys() for r in rows.values()))
    past = wanted[:-1]
    for pid in sorted(people):
        roll = rng.random()
        behind = 0 if roll < 0.85 else rng.randrange(1, 4) if roll < 0.98 else len(past)
        paid = [m for m in past[:len(past) - behind] if pid in rows[m] and rows[m][pid].due > 0]
        if rng.random() < 0.3 and pid in rows[wanted[-1]]:
            paid.append(wanted[-1])
        # one visit per run of consecutive months
        runs, run = [], []
        for m in paid:
            if run and months.add(run[-1], 1) != m:
                runs.append(run)
                run = []
            run.append(m)
        if run:
            runs.append(run)
        for run in runs:
            last = min(months.last_day(run[-1]), today)
            paid_on = run[-1] + datetime.timedelta(days=rng.randrange(0, max(1, (last - run[-1]).days + 1)))
            payments.append(Payment(person_id=pid, org_id=rows[run[0]][pid].org_id,
                                    amount=sum(rows[m][pid].due for m in run), first_month=run[0], months=len(run),
                                    method=rng.choice([CASH, TRANSFER]), gateway=ManualGateway.name,
                                    status=CONFIRMED, paid_on=paid_on))
            links.append([rows[m][pid] for m in run])
    Payment.objects.bulk_create(payments, batch_size=2000)
    for payment, assessments in zip(payments, links):
        for a in assessments:
            a.payment_id, a.paid_on = payment.pk, payment.paid_on
    new = [a for month_rows in rows.values() for a in month_rows.values()]
    Assessment.objects.bulk_create(new, batch_size=2000)
    return len(new)

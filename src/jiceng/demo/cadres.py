"""Village cadres for the demo: in every village the two committees were elected this year
(about one village in eight still runs on the term elected five years ago, with its next
election scheduled and the joint review under way), the candidates came from the village's
party members and were reviewed by every department the policy lists — one candidate per
election fails one department and does not enter; the secretary was filed with the county
(most approved, some waiting, a few returned and filed again); about a third of the villages
have a first secretary from a county department, some with a work-team member, keeping work
logs. Villages without party members get the elections only. Written in bulk."""

import datetime
import random
from collections import defaultdict

from jiceng.cadres.models import Candidate, Election, Filing, Review, Station, WorkLog
from jiceng.core import policy
from jiceng.core.dates import add_years
from jiceng.orgs.models import LeadershipPost, Organization
from jiceng.people.models import Membership

from .rows import Batch, reset_sequences

LOGS = ["走访困难户，了解生产生活情况", "参加村两委会议，研究集体经济项目", "联系派出单位落实帮扶资金",
        "组织党员学习，讲微党课", "调解邻里纠纷", "协调茶叶销售渠道", "督促村务公开栏按时更新", "走访种养大户"]
FAIL_REASON = "经核查，存在不得作为候选人的情形：{criteria}"
PASS_REASON = "经核查，未发现不得作为候选人的情形"


def _days(n):
    return datetime.timedelta(days=n)


class Writer:
    def __init__(self, seed, today):
        self.rng, self.today = random.Random(seed * 17 + 11), today
        self.batch = Batch(Election, Candidate, Review, Filing, Station, WorkLog)
        self.add, self.flush = self.batch.add, self.batch.flush

    def election(self, v, people, secretary):
        rng, today = self.rng, self.today
        if rng.random() < 0.12:  # last elected five years ago; the next one is being prepared
            last = self.add(Election(village_id=v.pk, held_on=add_years(today, -5) + _days(rng.randrange(-40, 60)),
                                     held=True, result="选举产生新一届村“两委”班子"))
            upcoming = self.add(Election(village_id=v.pk, held_on=today + _days(rng.randrange(15, 60))))
            self.candidates(v, upcoming, people, secretary, complete=False)
            return last.held_on
        held_on = today - _days(rng.randrange(210, 330))
        election = self.add(Election(village_id=v.pk, held_on=held_on, held=True))
        seats = self.candidates(v, election, people, secretary, complete=True)
        election.result = f"选举产生村党组织委员会委员 {seats[0]} 名、村民委员会委员 {seats[1]} 名"
        return held_on

    def candidates(self, v, election, people, secretary, complete):
        """Candidates reviewed by every department (`complete`) or by some so far; one fails one."""
        rng = self.rng
        if len(people) < 3:
            return 0, 0
        chosen = rng.sample(people, min(len(people), rng.randrange(5, 10)))
        if secretary in people and secretary not in chosen:
            chosen[0] = secretary
        departments = policy.get("cadres.review_departments", on=election.held_on, region=v.division_code)
        failing = rng.randrange(1, len(chosen))
        party = rng.randrange(2, len(chosen))
        seats = [0, 0]
        for i, person in enumerate(chosen):
            # The first runs for both committees (书记、主任一肩挑); then party committee, then villagers'.
            bodies = [Candidate.PARTY, Candidate.COMMITTEE] if i == 0 else \
                [Candidate.PARTY] if i < party else [Candidate.COMMITTEE]
            for body in bodies:
                c = self.add(Candidate(election_id=election.pk, person_id=person, body=body))
                reviewed = departments if complete else rng.sample(departments, rng.randrange(3, len(departments)))
                bad = rng.choice(reviewed)["code"] if i == failing else None
                for d in reviewed:
                    reason = FAIL_REASON.format(criteria=d["criteria"]) if d["code"] == bad else PASS_REASON
                    self.add(Review(candidate_id=c.pk, department=d["code"], passed=d["code"] != bad, reason=reason,
                                    reviewed_on=election.held_on - _days(rng.randrange(20, 40))))
                if complete and i != failing:
                    c.entered_on = election.held_on - _days(rng.randrange(3, 10))
                    seats[body == Candidate.COMMITTEE] += 1
        return seats

    def filing(self, v, person, after):
        rng, today = self.rng, self.today
        submitted = after + _days(rng.randrange(3, 10))
        roll = rng.random()
        if roll < 0.1:
            decided = submitted + _days(rng.randrange(3, 15))
            self.add(Filing(village_id=v.pk, person_id=person, submitted_on=submitted, status=Filing.RETURNED,
                            decided_on=decided, reason="缺少资格联审意见表，请补齐后重新报备"))
            submitted, roll = decided + _days(rng.randrange(2, 10)), rng.random()
        decided = submitted + _days(rng.randrange(5, 20))
        approved = roll < 0.85 and decided <= today
        self.add(Filing(village_id=v.pk, person_id=person, submitted_on=submitted,
                        status=Filing.APPROVED if approved else Filing.SUBMITTED,
                        decided_on=decided if approved else None))

    def station(self, v, person, role, unit):
        rng, today = self.rng, self.today
        start = today - _days(rng.randrange(60, 700))
        term = policy.get("cadres.first_secretary_term_years", on=start, region=v.division_code)
        s = self.add(Station(village_id=v.pk, person_id=person, role=role, sending_unit=unit, start=start,
                             end=add_years(start, min(max(2, term["min"]), term["max"]))))
        day = start + _days(rng.randrange(3, 15))
        while day <= min(s.end, today):
            self.add(WorkLog(station_id=s.pk, on=day, text=rng.choice(LOGS)))
            day += _days(rng.randrange(10, 30))


def load(seed, today):
    """Elections, reviews, filings and stations for villages with no election yet; returns how
    many villages got them."""
    writer = Writer(seed, today)
    rng = writer.rng
    done = set(Election.objects.values_list("village_id", flat=True).distinct())
    villages = [v for v in Organization.objects.filter(kind="village").only("pk", "parent", "path", "division_code")
                .order_by("path") if v.pk not in done]
    people = defaultdict(list)
    for village, person in (Membership.objects.filter(org__parent__kind="village", status="full")
                            .values_list("org__parent_id", "person_id").order_by("person_id")):
        people[village].append(person)
    secretaries = dict(LeadershipPost.objects.filter(org__parent__kind="village", title="secretary")
                       .order_by("org__parent_id", "term_start").values_list("org__parent_id", "person_id"))
    # Sent from the county's departments: their agency members not stationed anywhere yet.
    stationed = set(Station.objects.values_list("person_id", flat=True))
    agencies = defaultdict(list)
    for county, unit, person in (Membership.objects.filter(org__parent__kind="department", status="full")
                                 .values_list("org__parent__parent_id", "org__parent__name", "person_id")
                                 .order_by("person_id")):
        if person not in stationed:
            agencies[county].append((unit, person))
    counties = dict(Organization.objects.filter(kind="township").values_list("pk", "parent_id"))
    sent = set()
    for v in villages:
        mine = people.get(v.pk, [])
        held_on = writer.election(v, mine, secretaries.get(v.pk))
        secretary = secretaries.get(v.pk) or (mine[0] if mine else None)
        if secretary:
            writer.filing(v, secretary, held_on)
        county = counties.get(v.parent_id)
        pool = agencies.get(county, [])
        if pool and (county not in sent or rng.random() < 0.35):  # at least one per county
            sent.add(county)
            unit, person = pool.pop(rng.randrange(len(pool)))
            writer.station(v, person, Station.FIRST_SECRETARY, unit)
            if pool and rng.random() < 0.5:
                unit, person = pool.pop(rng.randrange(len(pool)))
                writer.station(v, person, Station.TEAM_MEMBER, unit)
    writer.flush()
    reset_sequences(*writer.batch.rows)
    return len(villages)

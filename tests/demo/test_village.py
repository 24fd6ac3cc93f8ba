"""The demo's village governance content: every village has matters in every state, kept the
way the services keep them; income totals equal their entries; elections, reviews, filings and
stations hold to the cadres rules."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from jiceng.cadres import services as cadres_services
from jiceng.cadres.models import Candidate, Election, Filing, Review, Station, WorkLog
from jiceng.core import policy
from jiceng.core.scoping import can
from jiceng.demo import cadres, economy, village
from jiceng.demo.loader import load
from jiceng.economy import queries as economy_queries
from jiceng.economy.models import SOURCES, Cooperative, Dividend, Household, IncomeEntry, YearTotal
from jiceng.orgs.models import Organization
from jiceng.village import services as village_services
from jiceng.village.models import VOTED, Disclosure, Matter, Objection, Question, StepRecord, Supervisor

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 30)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            load("small", seed=1, today=TODAY)
            yield
            transaction.set_rollback(True)


def _state(m):
    records = list(m.records.order_by("id"))
    if m.status != Matter.OPEN:
        return m.status
    if m.next_order <= len(records):
        return "returned"
    return ["proposed", "deliberated", "reviewed", "resolved", "implementing"][len(records) - 1]


def test_every_village_has_matters_in_every_state(demo):
    villages = list(Organization.objects.filter(kind="village"))
    assert villages
    for v in villages:
        matters = Matter.objects.filter(village=v)
        assert matters.filter(proposed_on__year=TODAY.year).count() == 10
        assert matters.filter(proposed_on__year=TODAY.year - 1).count() == 10
        states = {_state(m) for m in matters.filter(proposed_on__year=TODAY.year)}
        assert states == set(village.STATES)
        assert Supervisor.objects.filter(village=v).count() == village.SUPERVISORS


def test_matters_are_kept_as_the_services_keep_them(demo):
    days = policy.get("village.disclosure_days", on=TODAY)
    for m in Matter.objects.prefetch_related("records__step", "disclosures", "objections"):
        records = list(m.records.all())
        assert [r.step.order for r in records] == list(range(1, len(records) + 1))
        assert [r.held_on for r in records] == sorted(r.held_on for r in records) and records[-1].held_on <= TODAY
        assert m.proposed_on == records[0].held_on
        assert all(r.passed for r in records[:-1])
        for r in records:
            if r.body in VOTED:
                rule = policy.get(f"village.{r.body}", on=r.held_on)
                assert village_services._meets(r.present, r.entitled, rule["quorum"])  # never without quorum
                assert r.passed == village_services._meets(r.yes, r.present, rule["majority"])
                assert r.yes + r.no + r.abstain == r.present <= r.entitled
            else:
                assert r.entitled is None and r.passed
        posted = {d.kind: d for d in m.disclosures.all()}
        assert set(posted) == {r.step.discloses for r in records if r.step.discloses}
        for d in posted.values():
            assert (d.keep_until - d.posted_on).days >= days and d.village_id == m.village_id
            assert d.taken_down_on is None or d.keep_until <= d.taken_down_on <= TODAY
        for o in m.objections.all():
            assert o.raised_by.village_supervisor_of.filter(village=m.village).exists()
            if o.answered_on is None:  # an open objection holds an open matter's next step
                assert m.status == Matter.OPEN and o.raised_on >= records[-1].held_on
            else:
                assert o.raised_on <= o.answered_on <= TODAY


def test_questions_and_supervisors(demo):
    questions = Question.objects.select_related("disclosure")
    assert questions.filter(answered_on__isnull=False).exists() and questions.filter(answered_on__isnull=True).exists()
    for q in questions:
        d = q.disclosure
        assert d.posted_on <= q.asked_on <= (d.taken_down_on or TODAY)
        assert q.answered_on is None and q.answer == "" or q.asked_on < q.answered_on <= TODAY and q.answer
    for s in Supervisor.objects.select_related("user", "village"):
        assert can(s.user, "view", s.village) and not can(s.user, "change", s.village)
    for v in Organization.objects.filter(kind="village"):  # every committee holds a matter now
        assert Objection.objects.filter(matter__village=v, answered_on__isnull=True).exists()


def test_income_totals_equal_entries_and_some_villages_are_weak(demo):
    sums = defaultdict(Decimal)
    for row in IncomeEntry.objects.values("village_id", "year", "source").annotate(s=Sum("amount")):
        sums[(row["village_id"], row["year"], row["source"])] = row["s"]
    totals = list(YearTotal.objects.all())
    assert {t.year for t in totals} == set(range(TODAY.year - 4, TODAY.year + 1))
    for t in totals:
        parts = [getattr(t, key) for key, _ in SOURCES]
        assert parts == [sums[(t.village_id, t.year, key)] for key, _ in SOURCES]
        assert t.total == sum(parts)
    line = economy_queries.weak_line(TODAY.year - 1)
    weak = [t for t in totals if t.year == TODAY.year - 1 and economy_queries.is_weak(t.operating, line)]
    assert 0 < len(weak) < len([t for t in totals if t.year == TODAY.year - 1])
    assert Cooperative.objects.exists() and Household.objects.exists()
    assert Dividend.objects.filter(year=TODAY.year - 1).exists()


def test_elections_reviews_filings_and_stations(demo):
    departments = {d["code"] for d in policy.get("cadres.review_departments", on=TODAY)}
    villages = Organization.objects.filter(kind="village")
    assert set(Election.objects.values_list("village_id", flat=True)) == set(villages.values_list("pk", flat=True))
    for election in Election.objects.filter(held=True).prefetch_related("candidates__reviews"):
        candidates = list(election.candidates.all())
        if not candidates:
            continue
        failing = [c for c in candidates if any(not r.passed for r in c.reviews.all())]
        assert len({c.person_id for c in failing}) == 1  # one candidate fails one department
        for c in candidates:
            _, missing, failed = cadres_services.review_state(c)
            assert not missing and {r.department for r in c.reviews.all()} == departments
            assert (c.entered_on is None) == bool(failed)
            assert c.entered_on is None or c.entered_on <= election.held_on
    assert Review.objects.filter(passed=False).exclude(reason="").count() == Review.objects.filter(passed=False).count()
    statuses = Counter(Filing.objects.values_list("status", flat=True))
    assert statuses[Filing.APPROVED] and sum(statuses.values()) >= villages.count()
    for v in villages:
        assert Filing.objects.filter(village=v, status=Filing.SUBMITTED).count() <= 1
    stations = list(Station.objects.all())
    assert any(s.role == Station.FIRST_SECRETARY for s in stations)
    assert len({s.person_id for s in stations}) == len(stations)  # nobody stationed twice
    term = policy.get("cadres.first_secretary_term_years", on=TODAY)
    for s in stations:
        assert s.start < s.end and (s.end - s.start).days <= 366 * term["max"]
    for log in WorkLog.objects.select_related("station"):
        assert log.station.start <= log.on <= min(log.station.end, TODAY)
    assert Candidate.objects.filter(entered_on__isnull=True).exists()


def test_loading_again_adds_nothing(demo):
    before = [m.objects.count() for m in (Matter, StepRecord, Disclosure, YearTotal, Election, Station)]
    village.load(1, TODAY)
    economy.load(1, TODAY)
    cadres.load(1, TODAY)
    assert [m.objects.count() for m in (Matter, StepRecord, Disclosure, YearTotal, Election, Station)] == before


def test_county_list_counts_match_the_matters(demo):
    from django.contrib.auth import get_user_model

    from jiceng.core import services as core_services

    county = Organization.objects.get(kind="county")
    user = get_user_model().objects.create(username="list_admin")
    core_services.grant_role(None, user, county, "org_admin")
    villages = list(Organization.objects.filter(kind="village"))
    ids = [v.pk for v in villages]
    counts = economy_queries.matter_states(user, villages, TODAY.year)
    outsider = get_user_model().objects.create(username="outsider")
    assert economy_queries.matter_states(outsider, villages, TODAY.year) == {}  # no grant, nothing read
    for pk in ids:
        states = Counter()
        for m in Matter.objects.filter(village_id=pk, proposed_on__year=TODAY.year):
            s = _state(m)
            states[{"proposed": "deciding", "deliberated": "deciding", "reviewed": "deciding",
                    "returned": "deciding"}.get(s, s)] += 1
        held = Matter.objects.filter(village_id=pk, proposed_on__year=TODAY.year,
                                     objections__answered_on__isnull=True,
                                     objections__isnull=False).distinct().count()
        assert counts[pk] == {**dict.fromkeys(dict(economy_queries.MATTER_STATES), 0), **states, "objection": held}


def test_county_list_page_shows_the_states_in_constant_queries(demo):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from jiceng.core import services as core_services

    county = Organization.objects.get(kind="county")
    township = Organization.objects.filter(kind="township").first()
    user = get_user_model().objects.create(username="page_admin")
    core_services.grant_role(None, user, county, "org_admin")
    client = Client()
    client.force_login(user)
    sent = []
    for org in (township, Organization.objects.filter(kind="village").first()):  # county: + closing
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("economy:list", args=[org.pk]), {"year": TODAY.year})
        assert response.status_code == 200
        sent.append(len(captured.captured_queries))
        page = response.content.decode()
        assert all(label in page for _, label in economy_queries.MATTER_STATES)
    assert len(set(sent)) == 1  # the same statements for one village as for the township's three

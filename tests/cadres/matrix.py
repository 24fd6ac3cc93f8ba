"""Village-cadre objects of one county for the access matrix (made once, before any snapshot)."""

import datetime

from jiceng.cadres import services
from jiceng.cadres.models import Candidate, Election, Filing, Naming, Pairing, Review, Station, WorkLog
from jiceng.orgs.models import Organization

from tests import builders as b


def village_of(side):
    village = Organization.objects.filter(side.county.subtree_q(), kind="village").first()
    if village is None:
        township = b.org(side.county, f"{side.county.name[0]}溪镇", "township", "rural")
        village = b.org(township, f"{side.county.name[0]}溪村", "village", "rural")
    return village


def objects(side):
    village = village_of(side)
    person = side.members[0].person
    election = Election.objects.filter(village=village).first() or services.schedule_election(
        None, village, datetime.date(2026, 3, 1))
    candidate = Candidate.objects.filter(election=election).first() or services.add_candidate(
        None, election, person, Candidate.PARTY)
    if not candidate.reviews.exists():
        services.record_review(None, candidate, "court", True, f"{side.county.name}法院无记录", datetime.date(2026, 1, 5))
    filing = Filing.objects.filter(village=village).first() or services.submit_filing(
        None, village, person, datetime.date(2026, 1, 6))
    station = Station.objects.filter(village=village).first() or services.station(
        None, village, side.members[2].person, Station.FIRST_SECRETARY, f"{side.county.name}农业农村局",
        datetime.date(2025, 1, 1), datetime.date(2026, 12, 31))
    if not station.logs.exists():
        services.log_work(None, station, datetime.date(2025, 2, 3), f"{side.county.name}走访农户")
    naming = Naming.objects.filter(village=village).first() or services.name_village(
        None, village, 2026, datetime.date(2026, 3, 1), f"{side.county.name}组织生活不正常", f"{side.county.name}委组织部")
    pairing = Pairing.objects.filter(naming=naming).first() or services.pair(
        None, naming, Pairing.COUNTY_LEADER, datetime.date(2026, 3, 5), f"{side.county.name[0]}某（县委常委）")
    return {"candidate": candidate.pk, "filing": filing.pk, "station": station.pk, "election": election.pk,
            "review": candidate.reviews.first().pk, "worklog": station.logs.first().pk, "naming": naming.pk,
            "pairing": pairing.pk}


def snapshot(orgs):
    return [
        list(Election.objects.filter(village__in=orgs).values_list("id", "held_on", "held", "result")),
        list(Candidate.objects.filter(election__village__in=orgs).values_list("id", "person_id", "entered_on")),
        list(Review.objects.filter(candidate__election__village__in=orgs).values_list("id", "department", "passed",
                                                                                       "reason")),
        list(Filing.objects.filter(village__in=orgs).values_list("id", "status", "reason", "decided_on")),
        list(Station.objects.filter(village__in=orgs).values_list("id", "person_id", "start", "end")),
        list(WorkLog.objects.filter(station__village__in=orgs).values_list("id", "on", "text")),
        list(Naming.objects.filter(village__in=orgs).values_list("id", "year", "reason", "closed_on")),
        list(Pairing.objects.filter(naming__village__in=orgs).values_list("id", "kind", "name", "station_id", "start")),
    ]

"""Every change to village cadres' records: validated, atomic, audited."""

import datetime

from django.db import transaction

from jiceng.core import audit, policy
from jiceng.core.access import require
from jiceng.core.errors import DomainError
from jiceng.core.roles import CHANGE, VIEW
from jiceng.core.scoping import can
from jiceng.orgs.models import Organization
from jiceng.orgs.services import region_of

from .models import VILLAGE_KINDS, Candidate, Election, Filing, Naming, Pairing, Review, Station, WorkLog


def departments(village, on):
    """The reviewing departments in force for `village` on `on`: [{code, name, criteria}]."""
    return policy.get("cadres.review_departments", on=on, region=region_of(village))


def _village(org):
    if org.kind not in VILLAGE_KINDS:
        raise DomainError("not_village", f"“{org.name}”不是村：村“两委”换届、备案和驻村只记在村名下", "village")


def county_of(village):
    return (Organization.objects.filter(path__in=village.ancestor_paths(), kind="county")
            .order_by("-depth").first())


# -- elections and the joint review (资格联审) ---------------------------------------

@transaction.atomic
def schedule_election(actor, village, held_on):
    require(actor, CHANGE, village, "该村")
    _village(village)
    election = Election.objects.create(village=village, held_on=held_on)
    audit.record(actor, "cadres.schedule_election", election, after={"village": village.pk, "held_on": held_on})
    return election


@transaction.atomic
def record_held(actor, village, held_on, result, today, election=None):
    """The two committees' election was held on `held_on` with `result`: the scheduled
    `election` when given (its date becomes the real one), else a new record (e.g. a past
    election entered for the term calendar). The new term runs from `held_on`."""
    require(actor, CHANGE, village, "该村")
    _village(village)
    if held_on > today:
        raise DomainError("held_in_future", f"选举日期 {held_on:%Y-%m-%d} 晚于今天 {today:%Y-%m-%d}：只能登记已举行的选举",
                          "held_on")
    if not result.strip():
        raise DomainError("result_required", "请填写选举结果（当选的书记、主任和委员等）", "result")
    if election is not None:
        election = Election.objects.select_for_update().get(pk=election.pk)
        if election.village_id != village.pk:
            raise DomainError("election_elsewhere", f"该选举不是{village.name}的选举", "election")
        if election.held:
            raise DomainError("already_held", f"该选举已登记于 {election.held_on:%Y-%m-%d} 举行", "election")
    elif Election.objects.filter(village=village, held=True, held_on=held_on).exists():
        raise DomainError("already_held", f"{village.name} {held_on:%Y-%m-%d} 的选举已登记", "held_on")
    before = None if election is None else {"held_on": election.held_on, "held": False}
    election = election or Election(village=village)
    election.held_on, election.held, election.result = held_on, True, result.strip()
    election.save()
    audit.record(actor, "cadres.record_held", election, before=before,
                 after={"village": village.pk, "held_on": held_on, "result": election.result})
    return election


@transaction.atomic
def add_candidate(actor, election, person, body):
    require(actor, CHANGE, election.village, "该村")
    if Candidate.objects.filter(election=election, person=person, body=body).exists():
        raise DomainError("candidate_exists", f"{person.name} 已是本次选举该组织的候选人", "person")
    candidate = Candidate.objects.create(election=election, person=person, body=body)
    audit.record(actor, "cadres.add_candidate", candidate,
                 after={"election": election.pk, "person": person.pk, "body": body})
    return candidate


@transaction.atomic
def record_review(actor, candidate, department, passed, reason, on):
    """One department's pass or fail with its reason; a later finding replaces an earlier one
    until the candidate has entered the election."""
    village = candidate.election.village
    require(actor, CHANGE, village, "该村")
    codes = {d["code"]: d["name"] for d in departments(village, candidate.election.held_on)}
    if department not in codes:
        raise DomainError("unknown_department", f"“{department}”不是资格联审部门（依据政策 cadres.review_departments）",
                          "department")
    if not reason.strip():
        raise DomainError("reason_required", f"{codes[department]}的审查意见须写明理由", "reason")
    if candidate.entered_on:
        raise DomainError("already_entered", f"{candidate.person.name} 已于 {candidate.entered_on:%Y-%m-%d} 准予参选，"
                          "联审意见不能再改", "department")
    before = Review.objects.filter(candidate=candidate, department=department).values("passed", "reason").first()
    review, _ = Review.objects.update_or_create(
        candidate=candidate, department=department,
        defaults={"passed": passed, "reason": reason.strip(), "reviewed_on": on,
                  "reviewer": actor if actor is not None else None})
    audit.record(actor, "cadres.record_review", review, before=before,
                 after={"department": department, "passed": passed, "reason": review.reason, "on": on})
    return review


def review_state(candidate):
    """[(department dict, Review or None)] in policy order, and the names missing / failing."""
    found = {r.department: r for r in candidate.reviews.all()}
    rows = [(d, found.get(d["code"])) for d in departments(candidate.election.village, candidate.election.held_on)]
    missing = [d["name"] for d, r in rows if r is None]
    failing = [d["name"] for d, r in rows if r is not None and not r.passed]
    return rows, missing, failing


@transaction.atomic
def enter_election(actor, candidate, on):
    """A candidate enters the election only when every department of the joint review passed."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    require(actor, CHANGE, candidate.election.village, "该村")
    if candidate.entered_on:
        raise DomainError("already_entered", f"{candidate.person.name} 已于 {candidate.entered_on:%Y-%m-%d} 准予参选")
    _, missing, failing = review_state(candidate)
    if missing or failing:
        parts = ([f"未审查：{'、'.join(missing)}"] if missing else []) + (
            [f"未通过：{'、'.join(failing)}"] if failing else [])
        raise DomainError("review_incomplete", f"{candidate.person.name} 资格联审未全部通过（{'；'.join(parts)}），"
                          f"不能参加 {candidate.election.held_on:%Y-%m-%d} 的选举（依据村“两委”换届资格联审办法）")
    if on > candidate.election.held_on:
        raise DomainError("election_passed", f"选举已于 {candidate.election.held_on:%Y-%m-%d} 举行，不能再准予参选")
    candidate.entered_on = on
    candidate.save(update_fields=["entered_on"])
    audit.record(actor, "cadres.enter_election", candidate, after={"entered_on": on})
    return candidate


# -- the village secretary's filing (备案) --------------------------------------------

@transaction.atomic
def submit_filing(actor, village, person, on):
    require(actor, CHANGE, village, "该村")
    _village(village)
    if Filing.objects.filter(village=village, status=Filing.SUBMITTED).exists():
        raise DomainError("filing_pending", f"{village.name} 已有待县委组织部办理的备案，请等待办理结果", "person")
    filing = Filing.objects.create(village=village, person=person, submitted_on=on)
    audit.record(actor, "cadres.submit_filing", filing, after={"village": village.pk, "person": person.pk, "on": on})
    return filing


@transaction.atomic
def decide_filing(actor, filing, approve, reason, on):
    """Approved or returned (with a reason) by the county above the village."""
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    county = county_of(filing.village)
    if county is None:
        raise DomainError("no_county", f"{filing.village.name} 上级没有县（区），无法备案")
    require(actor, VIEW, filing.village, "该村")
    if actor is not None and not can(actor, CHANGE, county):  # the township sees the filing, not the county
        raise DomainError("permission_denied", f"村党组织书记备案由{county.name}委组织部办理，您没有权限办理")
    if filing.status != Filing.SUBMITTED:
        raise DomainError("filing_decided", f"该备案已于 {filing.decided_on:%Y-%m-%d} {filing.get_status_display()}")
    if on < filing.submitted_on:
        raise DomainError("decided_before_submitted", f"办理日期不能早于报备日期 {filing.submitted_on:%Y-%m-%d}",
                          "on")
    if not approve and not reason.strip():
        raise DomainError("reason_required", "退回备案须写明理由", "reason")
    before = {"status": filing.status}
    filing.status = Filing.APPROVED if approve else Filing.RETURNED
    filing.reason, filing.decided_on = reason.strip(), on
    filing.decided_by = actor
    filing.save(update_fields=["status", "reason", "decided_on", "decided_by"])
    audit.record(actor, "cadres.decide_filing", filing, before=before,
                 after={"status": filing.status, "reason": filing.reason, "on": on})
    return filing


# -- first secretaries and work teams (驻村) -----------------------------------------

def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def station(actor, village, person, role, sending_unit, start, end):
    require(actor, CHANGE, village, "该村")
    _village(village)
    term = policy.get("cadres.first_secretary_term_years", on=start, region=region_of(village))
    if end <= start:
        raise DomainError("end_before_start", "驻村结束日期须晚于开始日期", "end")
    if not _add_years(start, term["min"]) - datetime.timedelta(days=1) <= end <= _add_years(start, term["max"]):
        raise DomainError("term_out_of_range",
                          f"驻村任期须为 {term['min']}–{term['max']} 年：自 {start:%Y-%m-%d} 起，结束日期应在 "
                          f"{_add_years(start, term['min']) - datetime.timedelta(days=1):%Y-%m-%d} 至 "
                          f"{_add_years(start, term['max']):%Y-%m-%d} 之间（依据选派第一书记和工作队的意见）", "end")
    # Lock the person's stations so two requests cannot both pass the overlap check.
    other = (Station.objects.select_for_update().filter(person=person, start__lte=end, end__gte=start)
             .select_related("village").first())
    if other is not None:
        raise DomainError("station_overlap", f"{person.name} 已于 {other.start:%Y-%m-%d} 至 {other.end:%Y-%m-%d} "
                          f"驻{other.village.name}，同一人不能同时驻两个村", "start")
    record = Station.objects.create(village=village, person=person, role=role, sending_unit=sending_unit.strip(),
                                    start=start, end=end)
    audit.record(actor, "cadres.station", record, after={"village": village.pk, "person": person.pk, "role": role,
                                                         "sending_unit": record.sending_unit, "start": start,
                                                         "end": end})
    return record


@transaction.atomic
def log_work(actor, station, on, text):
    require(actor, CHANGE, station.village, "该村")
    if not station.start <= on <= station.end:
        raise DomainError("log_outside_station", f"日志日期须在驻村期间 {station.start:%Y-%m-%d} 至 "
                          f"{station.end:%Y-%m-%d} 之内", "on")
    if not text.strip():
        raise DomainError("text_required", "请填写工作内容", "text")
    log = WorkLog.objects.create(station=station, on=on, text=text.strip())
    audit.record(actor, "cadres.log_work", log, after={"station": station.pk, "on": on})
    return log


# -- villages named for rectification (软弱涣散) and their four pairings (四个一) -----------

def _county_change(actor, village, what):
    """Naming and closing are the county's (its organization department), as for filings."""
    county = county_of(village)
    if county is None:
        raise DomainError("no_county", f"{village.name} 上级没有县（区），无法{what}")
    require(actor, VIEW, village, "该村")
    if actor is not None and not can(actor, CHANGE, county):
        raise DomainError("permission_denied", f"软弱涣散村的{what}由{county.name}委组织部办理，您没有权限")


@transaction.atomic
def name_village(actor, village, year, named_on, reason, named_by):
    _village(village)
    _county_change(actor, village, "认定")
    if not reason.strip():
        raise DomainError("reason_required", "请写明认定为软弱涣散的原因", "reason")
    if not named_by.strip():
        raise DomainError("named_by_required", "请填写认定单位", "named_by")
    # Lock the village row so two requests cannot both name it.
    Organization.objects.select_for_update().filter(pk=village.pk).first()
    open_naming = Naming.objects.filter(village=village, closed_on__isnull=True).first()
    if open_naming is not None:
        raise DomainError("naming_open", f"{village.name} 已于 {open_naming.named_on:%Y-%m-%d} 被认定为"
                          f"{open_naming.year}年软弱涣散村，尚未整顿销号，不能重复认定", "village")
    naming = Naming.objects.create(village=village, year=year, named_on=named_on, reason=reason.strip(),
                                   named_by=named_by.strip())
    audit.record(actor, "cadres.name_village", naming, after={"village": village.pk, "year": year,
                                                              "named_on": named_on, "reason": naming.reason,
                                                              "named_by": naming.named_by})
    return naming


@transaction.atomic
def close_naming(actor, naming, on):
    naming = Naming.objects.select_for_update().select_related("village").get(pk=naming.pk)
    _county_change(actor, naming.village, "整顿销号")
    if naming.closed_on:
        raise DomainError("naming_closed", f"{naming.village.name} 已于 {naming.closed_on:%Y-%m-%d} 整顿销号")
    if on < naming.named_on:
        raise DomainError("closed_before_named", f"销号日期须在认定日期 {naming.named_on:%Y-%m-%d} 及以后", "on")
    naming.closed_on = on
    naming.save(update_fields=["closed_on"])
    audit.record(actor, "cadres.close_naming", naming, before={"closed_on": None}, after={"closed_on": on})
    return naming


def _first_secretary(village, station, start):
    """The first secretary's station in `village` covering `start`: the one given, checked, or
    the one recorded when none is given (None if no first secretary is recorded there)."""
    if station is None:
        return (Station.objects.filter(village=village, role=Station.FIRST_SECRETARY, start__lte=start,
                                       end__gte=start).select_related("person").first())
    if station.role != Station.FIRST_SECRETARY:
        raise DomainError("not_first_secretary", f"{station.person.name} 是{station.get_role_display()}，不是第一书记",
                          "station")
    if station.village_id != village.pk or not station.start <= start <= station.end:
        raise DomainError("not_stationed", f"{station.person.name} 在 {start:%Y-%m-%d} 未驻{village.name}"
                          f"（其驻村记录：{station.village.name} {station.start:%Y-%m-%d} 至 {station.end:%Y-%m-%d}），"
                          "不能作为该村第一书记包联", "station")
    return station


@transaction.atomic
def pair(actor, naming, kind, start, name="", station=None, org=None):
    """Fill one of the four pairings; a later one of the same kind replaces the earlier (audited).
    The first secretary is linked to their station in the village when there is one; the agency
    may be an organization node or free text."""
    naming = Naming.objects.select_for_update().select_related("village").get(pk=naming.pk)
    village = naming.village
    require(actor, CHANGE, village, "该村")
    labels = dict(Pairing.KINDS)
    if kind not in labels:
        raise DomainError("unknown_pairing", f"“{kind}”不是“四个一”包联类型", "kind")
    if naming.closed_on:
        raise DomainError("naming_closed", f"{village.name} 已于 {naming.closed_on:%Y-%m-%d} 整顿销号，不能再安排包联",
                          "kind")
    if start < naming.named_on:
        raise DomainError("start_before_named", f"{labels[kind]}开始日期须在认定日期 {naming.named_on:%Y-%m-%d} 及以后",
                          "start")
    if kind == Pairing.FIRST_SECRETARY:
        station = _first_secretary(village, station, start)
        name = station.person.name if station else name
    elif station is not None:
        raise DomainError("station_not_allowed", "只有第一书记包联关联驻村记录", "station")
    if kind == Pairing.AGENCY and org is not None:
        require(actor, VIEW, org, "该单位")
        name = name.strip() or org.name
    elif org is not None:
        raise DomainError("org_not_allowed", "只有结对帮扶单位可选择组织", "org")
    if not name.strip():
        raise DomainError("name_required", f"请填写{labels[kind]}的" + ("单位名称" if kind == Pairing.AGENCY
                                                                  else "姓名和职务"), "name")
    before = Pairing.objects.filter(naming=naming, kind=kind).values("name", "station_id", "org_id", "start").first()
    pairing, _ = Pairing.objects.update_or_create(naming=naming, kind=kind, defaults={
        "name": name.strip(), "station": station, "org": org, "start": start})
    audit.record(actor, "cadres.pair", pairing, before=before,
                 after={"kind": kind, "name": pairing.name, "station_id": pairing.station_id,
                        "org_id": pairing.org_id, "start": start})
    return pairing

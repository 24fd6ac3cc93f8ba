"""Runs of absences without reason (AbsenceRun), for the follow-up list.

`refresh(person_ids)` recomputes the runs of those members from their latest held meetings
(one windowed query, one upsert); services call it after a change to a meeting's date, and
`attendance_written` (which settles the common cases from the runs alone) after attendance.
The run is counted up to the policy's follow-up count in force today, so a change of that
number takes effect as runs are refreshed (`rebuild`).
"""

from django.db.models import F, Max, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from jiceng.core import policy
from jiceng.people.models import Person

from .choices import UNEXCUSED
from .models import AbsenceRun, Attendance, Meeting


def _latest(person_ids, n):
    """{person_id: [(status, held_on, org_id), …]} of each person's n latest held meetings."""
    rows = (Attendance.objects.filter(person_id__in=person_ids, meeting__status=Meeting.HELD)
            .annotate(rank=Window(RowNumber(), partition_by=[F("person_id")],
                                  order_by=[F("meeting__held_on").desc(), F("meeting_id").desc()]))
            .filter(rank__lte=n).order_by("person_id", "rank")
            .values_list("person_id", "status", "meeting__held_on", "meeting__org_id"))
    out = {}
    for person_id, status, held_on, org_id in rows:
        out.setdefault(person_id, []).append((status, held_on, org_id))
    return out


def refresh(person_ids):
    person_ids = list(person_ids)
    if not person_ids:
        return
    n = policy.get("life.followup_absences", on=timezone.localdate())
    runs = []
    for person_id, latest in _latest(person_ids, n).items():
        length = next((i for i, (status, _, _) in enumerate(latest) if status != UNEXCUSED), len(latest))
        if length:
            _, held_on, org_id = latest[0]
            runs.append(AbsenceRun(person_id=person_id, org_id=org_id, length=length, last_on=held_on))
    AbsenceRun.objects.filter(person_id__in=person_ids).exclude(person_id__in=[r.person_id for r in runs]).delete()
    AbsenceRun.objects.bulk_create(runs, update_conflicts=True, unique_fields=["person"],
                                   update_fields=["org", "length", "last_on"])


def attendance_written(meeting, statuses):
    """Keep the runs of the people whose attendance at the held `meeting` was just written
    ({person_id: status}) without reading their history when it cannot matter: someone
    present with no run has none still; someone with a run whose meeting is later than the
    run's last one ends it (present) or lengthens it (absent without reason). The rest — an
    older meeting, a first absence — are recomputed by refresh()."""
    n = policy.get("life.followup_absences", on=timezone.localdate())
    runs = AbsenceRun.objects.in_bulk(list(statuses))
    ended, grown, settle = [], [], []
    for person_id, status in statuses.items():
        run = runs.get(person_id)
        if run is None and status != UNEXCUSED:
            continue
        if run is not None and meeting.held_on > run.last_on:
            if status == UNEXCUSED:
                run.length, run.last_on, run.org_id = min(run.length + 1, n), meeting.held_on, meeting.org_id
                grown.append(run)
            else:
                ended.append(person_id)
        else:
            settle.append(person_id)
    AbsenceRun.objects.filter(person_id__in=ended).delete()
    AbsenceRun.objects.bulk_update(grown, ["length", "last_on", "org"])
    refresh(settle)


def rebuild():
    """Recompute every run (after a bulk load or a change of the follow-up count) in two
    passes instead of one windowed query per member: each member's latest meeting not missed
    without reason, then the unexcused absences after it. Members with both on one day (the
    order inside a day is the meeting id) are settled by refresh()."""
    n = policy.get("life.followup_absences", on=timezone.localdate())
    held = Attendance.objects.filter(meeting__status=Meeting.HELD).order_by()
    last_kept = dict(held.exclude(status=UNEXCUSED).values("person_id").annotate(day=Max("meeting__held_on"))
                     .values_list("person_id", "day"))
    runs, same_day = {}, set()
    for person_id, day, org_id in (held.filter(status=UNEXCUSED)
                                   .order_by("person_id", "-meeting__held_on", "-meeting_id")
                                   .values_list("person_id", "meeting__held_on", "meeting__org_id")
                                   .iterator(chunk_size=20000)):
        kept = last_kept.get(person_id)
        if kept is not None and day <= kept:
            if day == kept:
                same_day.add(person_id)
            continue
        run = runs.get(person_id)
        if run is None:
            runs[person_id] = AbsenceRun(person_id=person_id, org_id=org_id, length=1, last_on=day)
        elif run.length < n:
            run.length += 1
    AbsenceRun.objects.all().delete()
    AbsenceRun.objects.bulk_create([r for pid, r in runs.items() if pid not in same_day], batch_size=5000)
    refresh(sorted(same_day))


def listed(node, on=None, limit=None):
    """(n, [(person, date of their latest meeting)], how many in all) of members whose latest
    n meetings, in branches of `node`'s subtree, were all missed without reason; the first
    `limit` of them by name. Few runs reach n, so they are read by length (the index) and
    kept by path here: planners left to join the subtree probe every branch in it."""
    n = policy.get("life.followup_absences", on=on or timezone.localdate())
    last_on = {person_id: day for person_id, day, path in AbsenceRun.objects.filter(length__gte=n)
               .values_list("person_id", "last_on", "org__path") if path.startswith(node.path)}
    people = sorted(Person.objects.filter(pk__in=last_on).select_related("membership__org"),
                    key=lambda person: person.name_pinyin)
    return n, [(person, last_on[person.pk]) for person in people[:limit]], len(people)

"""The access matrix: every URL pattern and every API route, for users of every role in 甲县,
against objects of the sibling county 乙县. Nothing of 乙县 may be read or written.

A new route is covered automatically: its URL kwargs must be known below (else this test
fails and asks for them), and a view that forgets scoping returns 乙县's data and fails.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from jiceng.core.models import Grant
from jiceng.development import services as development_services
from jiceng.development.models import Case as DevelopmentCase
from jiceng.dues import services as dues_services
from jiceng.dues.models import Assessment as DuesAssessment
from jiceng.dues.models import DuesProfile, Reduction
from jiceng.dues.models import Payment as DuesPayment
from jiceng.life import services as life_services
from jiceng.life.models import Attendance, Meeting, Talk
from jiceng.orgs.models import LeadershipPost, NodeCount, Organization
from jiceng.people.models import Membership, MembershipPeriod, Person
from jiceng.requests import choices as request_choices
from jiceng.requests import services as request_services
from jiceng.requests.models import Event, Request, Summons
from jiceng.transfers import services as transfer_services
from jiceng.transfers.models import Transfer

from tests import builders as b
from tests.cadres import matrix as cadres_matrix
from tests.checkin import matrix as checkin_matrix
from tests.economy import matrix as economy_matrix
from tests.exchange import matrix as exchange_matrix
from tests.mobilization import matrix as mobilization_matrix
from tests.village import matrix as village_matrix

from . import test_pages  # noqa: F401  (same fixtures)

pytestmark = pytest.mark.django_db

MARK = "乙"  # every name in 乙县 contains it; nothing in 甲县 does
METHODS = ["post", "put", "patch", "delete"]


def url_patterns(patterns=None, namespace=None):
    """(name, kwarg names) of every named URL pattern, admin included."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace])) or None
            yield from url_patterns(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            if p.name is None and namespace == "admin":
                continue  # Django admin's own redirect from <object_id>/ to <object_id>/change/
            assert p.name, f"unnamed URL pattern {p.pattern}: name it so the access matrix can reach it"
            yield ":".join(filter(None, [namespace, p.name])), sorted(p.pattern.regex.groupindex)


def side_objects(side):
    person = side.members[0].person
    return {
        "org": side.branch.pk, "post": side.post.pk, "person": person.pk, "membership": side.members[0].pk,
        "grant": Grant.objects.filter(node=side.branch).first().pk,
        "user": side.users["secretary"].pk,
        "period": MembershipPeriod.objects.filter(person=person).first().pk,
        "nodecount": NodeCount.objects.filter(node=side.branch).first().pk,
        "meeting": side.meeting.pk,
        "attendance": side.meeting.attendance.first().pk,
        "talk": side.talk.pk,
        "token": life_services.checkin_token(side.meeting),
        "attachment": side.attachment.pk,
        "vote": 1,       # neither side holds a vote or an amendment: the admin answers 302/404
        "amendment": 1,
        **request_objects(side),
        **checkin_matrix.objects(side),
        **mobilization_matrix.objects(side),
        **village_matrix.objects(side),
        **development_objects(side),
        **transfer_objects(side),
        **dues_objects(side),
        **cadres_matrix.objects(side),
        **economy_matrix.objects(side),
        **exchange_matrix.objects(side),
    }


def request_objects(side):
    """A resident's request in the county, owned by its street, with a photo and a summons of the
    county's department (made once, by `actors`, before any snapshot)."""
    case = Request.objects.filter(owner=side.street).first()
    if case is None:
        department = b.org(side.county, f"{side.county.name}城市管理局", "department", "agency")
        case, _ = request_services.submit(
            request_choices.WEB, category="street_vending", description=f"{side.county.name}城区路口有流动摊贩占道经营",
            phone="13812345678", area=side.county, photos=[ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64, name="a.png")])
        request_services.dispatch(None, case, side.street)
        request_services.summon(None, case, [department])
    return {"request": case.pk, "event": case.events.first().pk, "photo": case.photos.first().pk,
            "summons": case.summonses.first().pk, "tracking_no": case.tracking_no}


def transfer_objects(side):
    """An introduction letter out of the system from the county's branch (made once, by `actors`)."""
    letter = Transfer.objects.filter(from_org=side.branch).first() or transfer_services.issue_letter(
        None, side.members[2], "外省某公司党支部", datetime.date(2025, 6, 2), "工作调动")
    return {"transfer": letter.pk, "code": letter.code}


def development_objects(side):
    """An applicant's development case in the county's branch with its application scan (made once, by `actors`)."""
    case = DevelopmentCase.objects.filter(membership__org=side.branch).first() or development_services.apply(
        None, org=side.branch, applied_on=datetime.date(2025, 1, 6), name=f"{side.county.name[0]}申",
        id_number=b.id_number(datetime.date(2000, 1, 1)), documents=[ContentFile(b"%PDF-1.4 scan", name="申请书.pdf")])
    step = case.steps.get()
    return {"case": case.pk, "devstep": step.pk, "document": step.documents.get().pk}


def dues_objects(side):
    """A member's dues profile, a paid month and a pending reduction in the county (made once,
    by `actors`, before any snapshot)."""
    person = side.members[0].person
    if not DuesPayment.objects.filter(person=person).exists():
        dues_services.set_profile(None, person, category="in_service", monthly_income=Decimal("5400"),
                                  applies_from=datetime.date(2025, 1, 1), note=f"{side.county.name}基数")
        dues_services.record_payment(None, person, first_month=datetime.date(2025, 3, 1), method="cash",
                                     paid_on=datetime.date(2025, 3, 5), reference=f"{side.county.name}收据")
        dues_services.decide_reduction(None, person, kind="exempt", first_month=datetime.date(2025, 6, 1),
                                       last_month=datetime.date(2025, 6, 1), reason=f"{side.county.name}减免",
                                       decided_on=datetime.date(2025, 5, 1))
    payment = DuesPayment.objects.get(person=person)
    return {"duesprofile": DuesProfile.objects.get(person=person).pk, "payment": payment.pk,
            "assessment": payment.assessments.get().pk, "reduction": Reduction.objects.get(person=person).pk}


ADMIN_MODELS = {
    "orgs_organization": "org", "orgs_leadershippost": "post", "people_person": "person",
    "people_membership": "membership", "core_grant": "grant", "auth_user": "user",
    "people_membershipperiod": "period", "orgs_nodecount": "nodecount",
    "life_meeting": "meeting", "life_attendance": "attendance", "life_talk": "talk", "life_attachment": "attachment",
    "life_vote": "vote", "life_amendment": "amendment",
    "requests_request": "request", "requests_event": "event", "requests_photo": "photo",
    "requests_summons": "summons",
    "checkin_registration": "registration", "checkin_partnerunit": "partner", "checkin_task": "task",
    "checkin_claim": "claim", "mobilization_call": "call", "mobilization_need": "need",
    "mobilization_deployment": "deployment",
    "development_case": "case", "development_step": "devstep", "development_document": "document",
    "transfers_transfer": "transfer",
    "dues_duesprofile": "duesprofile", "dues_assessment": "assessment", "dues_payment": "payment",
    "dues_reduction": "reduction",
    "village_matter": "matter", "village_disclosure": "disclosure", "village_question": "question",
    "village_objection": "objection", "village_steprecord": "steprecord", "village_supervisor": "supervisor",
    "cadres_election": "election", "cadres_candidate": "candidate", "cadres_review": "review",
    "cadres_filing": "filing", "cadres_station": "station", "cadres_worklog": "worklog",
    "cadres_naming": "naming", "cadres_pairing": "pairing",
    "economy_incomeentry": "incomeentry", "economy_yeartotal": "yeartotal", "economy_cooperative": "cooperative",
    "economy_household": "household", "economy_dividend": "dividend", "economy_closedyear": "closedyear",
}
OWN_APPS = ("core_", "orgs_", "people_", "life_", "requests_", "transfers_", "development_", "dues_",
            "checkin_", "mobilization_", "cadres_", "village_", "economy_")
SUPERUSER_ONLY = ("admin:core_auditevent", "admin:core_notice", "admin:core_scheduledrun",
                  "admin:requests_apiclient")
# Pages anyone may read by design (a jurisdiction's published figures): they name 乙县, and
# must still show no one's personal data.
PUBLIC = {"figures:public"}
# An introduction letter's verification page: valid or not, the organizations, the name masked.
PUBLIC |= {"transfers:verify"}
# The Open311 door: anyone may discover services and follow requests (spec; no personal data).
# A village's public board and its posters (四议两公开): resolutions, never a person's data.
PUBLIC |= {"village:board", "village:poster"}
PUBLIC |= {"open311:services", "open311:service", "open311:requests", "open311:request", "open311:token"}


def fill(name, kwarg_names, objects, side):
    """Kwargs for `name` pointing at `side`'s objects; fail loudly on a kwarg we do not know."""
    kwargs = {}
    for k in kwarg_names:
        if k == "org_id":
            kwargs[k] = side.branch.pk
        elif k == "person_id":
            kwargs[k] = side.members[0].person.pk
        elif k in {"token", "tracking_no", "code"}:
            kwargs[k] = objects[k]
        elif k in {"service_request_id", "token_id"}:  # Open311: a tracking number
            kwargs[k] = objects["tracking_no"]
        elif k == "service_code":
            kwargs[k] = "street_vending"
        elif k in {"task_id", "claim_id", "registration_id", "partner_id", "call_id", "need_id", "deployment_id"}:
            kwargs[k] = objects[k[:-3]]
        elif k in {"grant_id", "post_id", "meeting_id", "attachment_id", "request_id", "photo_id", "summons_id",
                   "transfer_id", "document_id", "reduction_id", "candidate_id", "filing_id", "station_id",
                   "naming_id",
                   "village_id", "matter_id", "disclosure_id", "objection_id", "question_id",
                   "cooperative_id", "supervisor_id", "incomeentry_id", "job_id"}:
            kwargs[k] = objects[k[:-3]]
        elif k == "step":
            kwargs[k] = "talk"
        elif k == "pk":
            kwargs[k] = objects[name.split("-")[0]]
        elif k == "format":
            kwargs[k] = "json"
        elif k == "object_id":
            model = next((m for m in ADMIN_MODELS if name.startswith(f"admin:{m}_")), None)
            if model is None and name.startswith(tuple(f"admin:{a}" for a in OWN_APPS)) \
                    and not name.startswith(SUPERUSER_ONLY):
                pytest.fail(f"admin URL {name} is for a model unknown to the access matrix: add it to ADMIN_MODELS")
            kwargs[k] = objects[ADMIN_MODELS[model]] if model else 1  # others are superuser-only
        elif k == "id":
            kwargs[k] = objects["user"]
        elif k in {"app_label"}:
            kwargs[k] = "orgs"
        elif k == "content_type_id":
            kwargs[k] = 1
        elif k == "url":
            kwargs[k] = "probe/"
        elif k == "division_code":
            kwargs[k] = side.county.division_code
        else:
            pytest.fail(f"URL {name} has kwarg {k!r} unknown to the access matrix: add it with an object of each side")
    return kwargs


def snapshot(side):
    """Everything of one county, to prove that nothing changed."""
    orgs = Organization.objects.filter(side.county.subtree_q())
    return [
        list(Meeting.objects.filter(org__in=orgs).values_list("id", "topic", "held_on", "minutes")),
        list(Attendance.objects.filter(meeting__org__in=orgs).values_list("id", "person_id", "status",
                                                                           "self_confirmed_at")),
        list(Talk.objects.filter(org__in=orgs).values_list("id", "held_on", "member_id")),
        list(orgs.values_list("id", "name", "path", "parent_id", "sector", "status", "child_seq")),
        list(NodeCount.objects.filter(node__in=orgs).values_list("node_id", "key", "value")),
        list(Person.objects.filter(membership__org__in=orgs).values_list("id", "name", "id_number_index", "gender")),
        list(Membership.objects.filter(org__in=orgs).values_list("id", "org_id", "status", "since")),
        list(MembershipPeriod.objects.filter(org__in=orgs).values_list("id", "status", "start", "end")),
        list(LeadershipPost.objects.filter(org__in=orgs).values_list("id", "person_id", "title", "ended_on")),
        list(Grant.objects.filter(node__in=orgs).values_list("id", "user_id", "role")),
        list(Request.objects.filter(owner__in=orgs).values_list("id", "status", "owner_id", "result", "rating",
                                                                "merged_into_id")),
        list(Event.objects.filter(request__owner__in=orgs).values_list("id", "kind", "note")),
        list(Summons.objects.filter(department__in=orgs).values_list("id", "accepted_at", "reported_at", "report")),
        *checkin_matrix.snapshot(orgs),
        *mobilization_matrix.snapshot(orgs),
        *village_matrix.snapshot(orgs),
        *cadres_matrix.snapshot(orgs),
        *economy_matrix.snapshot(orgs),
        *exchange_matrix.snapshot(orgs),
        list(Transfer.objects.filter(Q(from_org__in=orgs) | Q(to_org__in=orgs))
             .values_list("id", "status", "membership_id", "to_org_id", "decided_on")),
        list(DevelopmentCase.objects.filter(membership__org__in=orgs).values_list("id", "next_step", "due_on")),
        list(DuesProfile.objects.filter(org__in=orgs).values_list("id", "category", "monthly_income", "applies_from")),
        list(DuesAssessment.objects.filter(org__in=orgs).values_list("id", "month", "due", "payment_id", "paid_on")),
        list(DuesPayment.objects.filter(org__in=orgs).values_list("id", "amount", "status")),
        list(Reduction.objects.filter(org__in=orgs).values_list("id", "status", "approver_id")),
    ]


def text(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


def hostile_payload(victim_side, victim_user):
    """Form/JSON fields that point every plausible reference at the victim county."""
    return {
        "parent": victim_side.county.pk, "org": victim_side.branch.pk, "node": victim_side.county.pk,
        "person": victim_side.members[0].person.pk, "username": victim_user.username, "role": "org_admin",
        "name": "matrix-probe", "kind": "branch", "sector": "other", "status": "full", "since": "2020-01-01",
        "title": "member", "term_start": "2024-01-01", "on": "2024-01-01", "id_number": "11010519491231002X",
        "ethnicity": "汉族",
        # residents' requests: another county's units and request, and text for every action
        "owner": victim_side.street.pk, "into": request_objects(victim_side)["request"],
        "departments": Organization.objects.filter(parent=victim_side.county, kind="department").first().pk,
        "note": "matrix-probe", "result": "matrix-probe", "report": "matrix-probe", "rating": "satisfied",
        "tracking_no": request_objects(victim_side)["tracking_no"], "phone": "13900000000",
    }


@pytest.fixture
def actors(world):
    """A client for every role of 甲县 (session for pages, token for the API), plus a staff user."""
    staff = world.a.users["org_admin"].__class__.objects.create_user("staff_a", password="x-staff-password-1")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    from jiceng.core import services

    services.grant_role(None, staff, world.a.county, "org_admin")
    users = dict(world.a.users, staff=staff)
    for side in (world.a, world.b):
        request_objects(side)
        checkin_matrix.objects(side)
        mobilization_matrix.objects(side)
        village_matrix.objects(side)
        transfer_objects(side)
        development_objects(side)
        dues_objects(side)
        cadres_matrix.objects(side)
        economy_matrix.objects(side)
        exchange_matrix.objects(side)
    clients = {}
    for role, user in users.items():
        token = Token.objects.create(user=user)
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        client.force_login(user)
        clients[role] = client
    clients["anonymous"] = Client()
    return SimpleNamespace(clients=clients, users=users)


def test_no_route_reads_across_the_boundary(world, actors):
    routes = list(url_patterns())
    assert len(routes) > 40
    objects_b = side_objects(world.b)
    checked = 0
    for name, kwarg_names in routes:
        if name in {"logout", "admin:logout"}:
            continue
        url = reverse(name, kwargs=fill(name, kwarg_names, objects_b, world.b))
        foreign = any(k in kwarg_names
                      for k in ("org_id", "person_id", "grant_id", "post_id", "meeting_id", "attachment_id", "pk",
                                "object_id", "request_id", "photo_id", "summons_id", "tracking_no",
                                "task_id", "claim_id", "registration_id", "partner_id", "call_id", "need_id",
                                "deployment_id",
                                "transfer_id", "document_id", "reduction_id",
                                "candidate_id", "filing_id", "station_id", "naming_id",
                                "matter_id", "objection_id", "question_id", "cooperative_id",
                                "supervisor_id", "incomeentry_id", "job_id"))
        for role, client in actors.clients.items():
            response = client.get(url, {"q": "y"}, follow=False)  # pinyin initial of 乙
            body = text(response)
            if name in PUBLIC:
                assert response.status_code == 200 and not any(m.person.name in body for m in world.b.members), \
                    f"{role} read personal data on the public page {url} ({name})"
            else:
                assert MARK not in body, f"{role} read 乙县 data at {url} ({name})"
            if foreign:
                assert response.status_code in {301, 302, 401, 403, 404, 405}, \
                    f"{role} got {response.status_code} for 乙县's object at {url} ({name})"
            checked += 1
    assert checked > 300


def test_no_route_writes_across_the_boundary(world, actors):
    before = snapshot(world.b)
    objects_b = side_objects(world.b)
    objects_a = side_objects(world.a)
    victim = world.b.users["secretary"]
    payload = hostile_payload(world.b, victim)
    for name, kwarg_names in url_patterns():
        if name in {"logout", "admin:logout"}:
            continue
        urls = {reverse(name, kwargs=fill(name, kwarg_names, objects_b, world.b)),
                reverse(name, kwargs=fill(name, kwarg_names, objects_a, world.a))}
        for url in urls:
            for role, client in actors.clients.items():
                for method in METHODS:
                    if method == "post":
                        response = getattr(client, method)(url, payload)
                    else:
                        response = getattr(client, method)(url, payload, content_type="application/json")
                    echoed = text(response).replace(victim.username, "")
                    assert MARK not in echoed, \
                        f"{role} {method.upper()} {url} answered with 乙县 data"
    assert snapshot(world.b) == before, "a write from 甲县 changed 乙县"


def test_matrix_is_not_vacuous(world, actors):
    """The same clients can read and write their own county, so refusals above mean scoping."""
    admin = actors.clients["org_admin"]
    assert admin.get(reverse("orgs:detail", args=[world.a.branch.pk])).status_code == 200
    assert admin.get(reverse("org-detail", args=[world.a.branch.pk])).status_code == 200
    assert admin.get(reverse("reports:report", args=[world.a.county.pk])).status_code == 200
    created = admin.post(reverse("org-list"), {"parent": world.a.community.pk, "name": "甲园社区第三党支部",
                                               "kind": "branch", "sector": "urban_community"})
    assert created.status_code == 201, created.content
    secretary = actors.clients["secretary"]
    assert secretary.get(reverse("people:detail", args=[world.a.members[0].person.pk])).status_code == 200
    staff = actors.clients["staff"]
    changelist = staff.get(reverse("admin:orgs_organization_changelist")).content.decode()
    assert "甲县" in changelist and MARK not in changelist


def test_search_and_lists_never_show_the_sibling(world, actors):
    b_person = world.b.members[0].person
    terms = [MARK, "乙一", "y", "yy", "yi", b_person.id_number, b_person.id_number.lower()]
    for role, client in actors.clients.items():
        for term in terms:
            for url in ("/search/", "/api/people/", "/api/orgs/"):
                body = client.get(url, {"q": term}).content.decode().replace(term, "")  # the echoed query
                assert MARK not in body and b_person.name not in body, f"{role} found 乙县 via {url}?q={term}"


def test_xlsx_exports_never_cross_the_boundary(world, actors):
    """Every list that exports (?format=xlsx, core.exports) refuses 乙县's node, and what it
    exports of 甲县 holds nothing of 乙县 (read back cell by cell: the file is zipped)."""
    import io

    from openpyxl import load_workbook

    objects_a, objects_b = side_objects(world.a), side_objects(world.b)
    exported = 0
    for name, kwarg_names in url_patterns():
        if name.startswith("admin:") or not set(kwarg_names) <= {"org_id"}:
            continue
        for role, client in actors.clients.items():
            if kwarg_names:
                foreign = client.get(reverse(name, kwargs=fill(name, kwarg_names, objects_b, world.b)),
                                     {"format": "xlsx"})
                assert foreign.status_code in {301, 302, 401, 403, 404, 405}, f"{role} exported 乙县 via {name}"
            own = client.get(reverse(name, kwargs=fill(name, kwarg_names, objects_a, world.a)), {"format": "xlsx"})
            if own.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
                raw = b"".join(own.streaming_content) if own.streaming else own.content
                cells = [str(v) for ws in load_workbook(io.BytesIO(raw), read_only=True).worksheets
                         for row in ws.iter_rows(values_only=True) for v in row if v is not None]
                assert not any(MARK in c for c in cells), f"{role} exported 乙县 data via {name}"
                exported += 1
    assert exported > 10

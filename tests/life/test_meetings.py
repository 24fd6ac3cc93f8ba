import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jiceng.core.errors import DomainError
from jiceng.core.models import AuditEvent
from jiceng.life import services
from jiceng.life.models import Amendment, Attendance, Meeting, Vote
from tests import builders as b

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 3, 5)


def _everything():
    return (Meeting.objects.count(), Attendance.objects.count(), Vote.objects.count(), AuditEvent.objects.count())


def assembly(world, present, votes=None, org=None, members=None):
    members = members or world.a.members
    attendance = {m.person_id: ("present" if i < present else "absent_unexcused") for i, m in enumerate(members)}
    return services.record_meeting(None, org=org or world.a.branch, kind="general_assembly", held_on=DAY,
                                   topic="讨论接收预备党员", attendance=attendance, votes=votes or [])


def test_vote_with_quorum_is_recorded(world):
    m = assembly(world, present=3, votes=[{"motion": "接收甲某为预备党员", "yes": 3, "no": 0, "abstain": 0}])
    vote = m.votes.get()
    assert (vote.entitled, vote.present_voting, vote.passed) == (4, 3, True)


def test_vote_without_quorum_is_refused_and_nothing_is_written(world):
    before = _everything()
    with pytest.raises(DomainError) as err:
        assembly(world, present=2, votes=[{"motion": "接收甲某为预备党员", "yes": 2, "no": 0, "abstain": 0}])
    assert err.value.code == "quorum_not_met" and "未超过应到 4 人的50%" in err.value.message
    assert _everything() == before


def test_probationary_members_have_no_vote(world):
    extra = [b.member(world.a.branch, f"甲预{i}", status="probationary", since=datetime.date(2024, 9, 1))
             for i in range(3)]
    members = world.a.members[:2] + extra  # 2 of 4 full members present, plus 3 probationary
    with pytest.raises(DomainError) as err:
        assembly(world, present=5, members=members, votes=[{"motion": "x", "yes": 5, "no": 0, "abstain": 0}])
    assert err.value.code == "quorum_not_met" and "预备党员没有表决权" in err.value.message


def test_more_ballots_than_voters_is_refused(world):
    with pytest.raises(DomainError) as err:
        assembly(world, present=3, votes=[{"motion": "x", "yes": 3, "no": 1, "abstain": 0}])
    assert err.value.code == "vote_count_invalid"


def test_attendee_who_joined_after_the_meeting_is_refused(world):
    late = b.member(world.a.branch, "甲新", since=datetime.date(2025, 4, 1))
    before = _everything()
    with pytest.raises(DomainError) as err:
        services.record_meeting(None, org=world.a.branch, kind="lecture", held_on=DAY, topic="党课",
                                attendance={late.person_id: "present"})
    assert err.value.code == "not_a_member_on_date" and "甲新" in err.value.message
    assert _everything() == before
    with pytest.raises(DomainError) as err:  # nor someone from the sibling county
        services.record_meeting(None, org=world.a.branch, kind="lecture", held_on=DAY, topic="党课",
                                attendance={world.b.members[0].person_id: "present"})
    assert err.value.code == "not_a_member_on_date"


def test_future_dates_and_impossible_kinds_are_refused(world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    cases = [
        (dict(org=world.a.branch, kind="lecture", held_on=tomorrow), "date_in_future"),
        (dict(org=world.a.community, kind="lecture", held_on=DAY), "org_not_branch"),
        (dict(org=world.a.branch, kind="group_meeting", held_on=DAY), "group_required"),
        (dict(org=world.a.branch, kind="lecture", held_on=DAY, group=world.a.group), "group_not_allowed"),
    ]
    no_groups = b.org(world.a.community, "甲园社区第二党支部", "branch", "urban_community")
    cases.append((dict(org=no_groups, kind="group_meeting", held_on=DAY), "no_groups"))
    for kwargs, code in cases:
        with pytest.raises(DomainError) as err:
            services.record_meeting(None, topic="t", **kwargs)
        assert err.value.code == code
    ok = services.record_meeting(None, org=world.a.branch, kind="group_meeting", held_on=DAY, topic="小组学习",
                                 group=world.a.group)
    assert ok.group == world.a.group


def test_edits_lock_after_the_policy_period_and_amendments_keep_the_original(world):
    recent = services.record_meeting(None, org=world.a.branch, kind="lecture", topic="党课",
                                     held_on=timezone.localdate() - datetime.timedelta(days=3))
    services.update_meeting(None, recent, minutes="补充记录")
    old = world.a.meeting  # 2025-03-05: long past the 30-day lock
    with pytest.raises(DomainError) as err:
        services.update_meeting(None, old, minutes="改写")
    assert err.value.code == "record_locked"
    person = world.a.members[2].person_id
    amendment = services.amend_meeting(None, old, "记录人漏记病假", attendance={person: "absent_sick"},
                                       minutes="更正后的记录")
    old.refresh_from_db()
    assert old.minutes == "更正后的记录"
    assert amendment.before["attendance"][str(person)] == "present"
    assert amendment.after["attendance"][str(person)] == "absent_sick"
    assert Amendment.objects.filter(meeting=old).count() == 1
    assert AuditEvent.objects.filter(action="life.amend_meeting", object_id=str(old.pk)).exists()
    with pytest.raises(DomainError) as err:
        services.amend_meeting(None, old, " ", minutes="x")
    assert err.value.code == "reason_required"


def _member_client(client, world, index=1):
    person = world.a.members[index].person
    client.force_login(person.user or world.a.users["member"])
    return client


def test_qr_confirmation_through_http(client, world):
    meeting = services.record_meeting(None, org=world.a.branch, kind="themed_day", topic="主题党日",
                                      held_on=timezone.localdate(), starts_at=timezone.localtime().time(),
                                      attendance={world.a.members[0].person_id: "present"})
    url = reverse("life:checkin", args=[services.checkin_token(meeting)])
    member = world.a.users["member"]  # linked to members[1] by the fixture
    client.force_login(member)
    assert "我已到会" in client.get(url).content.decode()
    done = client.post(url)
    assert done.status_code == 200 and "已确认出席" in done.content.decode()
    row = Attendance.objects.get(meeting=meeting, person=world.a.members[1].person)
    assert row.status == "present" and row.self_confirmed_at is not None
    twice = client.post(url)
    assert twice.status_code == 400 and "确认过出席" in twice.content.decode()
    client.force_login(world.b.users["member"])
    stranger = client.post(url)
    assert stranger.status_code == 400 and "不是本次会议所在党支部的党员" in stranger.content.decode()
    forged = client.post(reverse("life:checkin", args=[url.split("/")[-2] + "x"]))
    assert forged.status_code == 400 and "二维码无效" in forged.content.decode()


def test_qr_confirmation_outside_the_window_is_refused(world):
    meeting = world.a.meeting  # held on 2025-03-05
    with pytest.raises(DomainError) as err:
        services.confirm_presence(world.a.users["member"], services.checkin_token(meeting))
    assert err.value.code == "checkin_outside_window"


def test_recording_a_meeting_through_the_page(client, world):
    client.force_login(world.a.users["secretary"])
    absent = world.a.members[3].person_id
    data = {"kind": "lecture", "held_on": "2025-05-10", "topic": "书记讲党课", "host": world.a.members[0].person_id}
    data |= {f"att_{m.person_id}": "present" for m in world.a.members} | {f"att_{absent}": "absent_work"}
    page = client.post(reverse("life:record", args=[world.a.branch.pk]), data)
    assert page.status_code == 302, page.content.decode()[-2000:]
    meeting = Meeting.objects.get(topic="书记讲党课")
    assert dict(meeting.attendance.values_list("person_id", "status"))[absent] == "absent_work"
    shown = client.get(page.url).content.decode()
    assert "书记讲党课" in shown and "因公" in shown and "<svg" in shown
    mine = client.get(reverse("life:mine"))
    assert mine.status_code == 200


def test_attachments_are_checked_and_served_through_scoping(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    recent = services.record_meeting(None, org=world.a.branch, kind="lecture", topic="党课",
                                     held_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(world.a.users["secretary"])
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
    page = client.post(reverse("life:attach", args=[recent.pk]), {"file": png, "caption": "会场照片"}, follow=True)
    assert "已添加附件" in page.content.decode()
    row = recent.attachments.get()
    assert row.file.name.endswith(".png")
    served = client.get(reverse("life:attachment", args=[row.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content).startswith(b"\x89PNG")
    exe = SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 10)
    page = client.post(reverse("life:attach", args=[recent.pk]), {"file": exe}, follow=True)
    assert "附件只能是照片" in page.content.decode() and recent.attachments.count() == 1
    locked = client.post(reverse("life:attach", args=[world.a.meeting.pk]), {"file": png}, follow=True)
    assert "锁定" in locked.content.decode()
    client.force_login(world.b.users["secretary"])
    assert client.get(reverse("life:attachment", args=[row.pk])).status_code == 404


def test_a_bad_year_parameter_falls_back_to_this_year(client, world):
    client.force_login(world.a.users["secretary"])
    for year in ("abc", "1800", "99999"):
        assert client.get(reverse("life:book", args=[world.a.branch.pk]), {"year": year}).status_code == 200
        assert client.get(reverse("life:compliance", args=[world.a.branch.pk]), {"year": year}).status_code == 200


def test_plan_then_hold_a_meeting(client, world):
    from jiceng.life import compliance
    from jiceng.orgs.models import Organization

    today = timezone.localdate()
    with pytest.raises(DomainError) as err:
        services.plan_meeting(None, org=world.a.branch, kind="lecture", topic="党课",
                              held_on=today - datetime.timedelta(days=1))
    assert err.value.code == "plan_in_past"
    client.force_login(world.a.users["secretary"])
    page = client.post(reverse("life:plan", args=[world.a.branch.pk]),
                       {"kind": "themed_day", "held_on": today.isoformat(), "topic": "主题党日：参观", "place": "纪念馆"})
    assert page.status_code == 302
    planned = Meeting.objects.get(topic="主题党日：参观")
    assert planned.status == Meeting.PLANNED and not services.is_locked(planned)
    branches = Organization.objects.filter(pk=world.a.branch.pk)
    held_before = compliance.report(branches, today.year).by_kind.get("themed_day", (0, 0))[0]
    book = client.get(reverse("life:book", args=[world.a.branch.pk])).content.decode()
    assert "已计划" in book and "主题党日：参观" in book
    absent = world.a.members[2].person_id
    data = {"held_on": today.isoformat(), "topic": "主题党日：参观", "minutes": "参观并重温入党誓词"}
    data |= {f"att_{m.person_id}": "present" for m in world.a.members} | {f"att_{absent}": "absent_other"}
    assert client.post(reverse("life:hold", args=[planned.pk]), data).status_code == 302
    planned.refresh_from_db()
    assert planned.status == Meeting.HELD and planned.minutes == "参观并重温入党誓词"
    assert planned.attendance.get(person_id=absent).status == "absent_other"
    assert compliance.report(branches, today.year).by_kind["themed_day"][0] == held_before + 1
    with pytest.raises(DomainError) as err:
        services.hold_meeting(None, planned)
    assert err.value.code == "already_held"


def test_branch_pages_send_other_nodes_to_their_compliance(client, world):
    client.force_login(world.a.users["org_admin"])
    page = client.get(reverse("life:book", args=[world.a.county.pk]))
    assert page.status_code == 302 and page.url == reverse("life:compliance", args=[world.a.county.pk])
    assert client.get(reverse("life:book", args=[world.b.branch.pk])).status_code == 404

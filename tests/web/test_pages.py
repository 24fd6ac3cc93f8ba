"""The pages a county organization-department user and a branch secretary work in."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_login_page_is_zh_hans(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "登录基层" in page.content.decode()
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert page.headers["X-Frame-Options"] == "DENY"


def test_anonymous_is_sent_to_login(client, world):
    page = client.get(reverse("orgs:detail", args=[world.a.county.pk]))
    assert page.status_code == 302 and page.url.startswith("/accounts/login/")


def test_county_admin_browses_tree_down_to_groups(client, world):
    login(client, world.a.users["org_admin"])
    home = client.get("/").content.decode()
    assert "甲县" in home and "乙县" not in home and "浙江省" not in home
    for node in (world.a.county, world.a.street, world.a.community, world.a.branch):
        page = client.get(reverse("orgs:detail", args=[node.pk])).content.decode()
        assert node.name in page
    branch_page = client.get(reverse("orgs:detail", args=[world.a.branch.pk])).content.decode()
    assert world.a.group.name in branch_page          # sub-organizations
    assert "书记" in branch_page and "甲一" in branch_page  # leaders
    assert "正式党员" in branch_page
    county_page = client.get(reverse("orgs:detail", args=[world.a.county.pk])).content.decode()
    assert "党支部" in county_page and "党小组" in county_page  # counts by kind


def test_member_page_masks_id_number(client, world):
    login(client, world.a.users["org_admin"])
    person = world.a.members[0].person
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert person.id_number_masked in page
    assert person.id_number not in page


def test_reveal_id_number_is_audited(client, world):
    from jiceng.core.models import AuditEvent

    login(client, world.a.users["org_admin"])
    person = world.a.members[0].person
    page = client.post(reverse("people:reveal", args=[person.pk])).content.decode()
    assert person.id_number in page
    assert AuditEvent.objects.filter(action="people.reveal_id_number", object_id=str(person.pk)).exists()


def test_auditor_cannot_reveal(client, world):
    login(client, world.a.users["auditor"])
    person = world.a.members[0].person
    page = client.post(reverse("people:reveal", args=[person.pk]), follow=True).content.decode()
    assert person.id_number not in page
    assert "不能查看完整身份证号码" in page


@pytest.mark.parametrize("term", ["甲一", "j", "jy", "jiayi"])
def test_search_by_name_and_pinyin(client, world, term):
    login(client, world.a.users["org_admin"])
    page = client.get("/search/", {"q": term}).content.decode()
    assert "甲一" in page
    assert "乙" not in page.split("<main>")[1]


def test_search_by_id_number(client, world):
    login(client, world.a.users["org_admin"])
    person = world.a.members[2].person
    page = client.get("/search/", {"q": person.id_number.lower()}).content.decode()
    assert person.name in page


def test_secretary_sees_only_own_branch(client, world):
    login(client, world.a.users["secretary"])
    home = client.get("/").content.decode()
    assert world.a.branch.name in home and "甲县" not in home
    assert client.get(reverse("orgs:detail", args=[world.a.county.pk])).status_code == 404
    assert client.get(reverse("orgs:detail", args=[world.b.branch.pk])).status_code == 404
    assert client.get(reverse("people:detail", args=[world.b.members[0].person.pk])).status_code == 404


def test_member_sees_own_record(client, world):
    login(client, world.a.users["member"])
    own = world.a.members[1].person
    assert client.get("/").url == reverse("people:detail", args=[own.pk])
    assert client.get(reverse("people:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("people:detail", args=[world.a.members[0].person.pk])).status_code == 404
    assert client.get(reverse("orgs:detail", args=[world.a.branch.pk])).status_code == 404


def test_problems_page_lists_subtree_checks(client, world):
    from tests import builders as b

    tiny = b.org(world.a.community, "甲园社区第二党支部", "branch", "urban_community")
    b.member(tiny, "甲六")
    login(client, world.a.users["org_admin"])
    page = client.get(reverse("orgs:problems", args=[world.a.county.pk])).content.decode()
    assert "甲园社区第二党支部" in page and "正式党员 1 人，少于成立党支部所需的 3 人" in page
    assert "书记空缺" in page
    assert world.a.branch.name not in page  # 4 full members and a secretary: nothing to report
    assert "乙" not in page.split("<main>")[1]


def test_create_child_and_register_member_through_pages(client, world):
    login(client, world.a.users["org_admin"])
    url = reverse("orgs:create_child", args=[world.a.community.pk])
    page = client.post(url, {"name": "甲园社区第二党支部", "kind": "branch", "sector": "urban_community"})
    assert page.status_code == 302
    from jiceng.orgs.models import Organization

    branch = Organization.objects.get(name="甲园社区第二党支部")
    from tests.builders import id_number

    bad = client.post(reverse("people:add_member", args=[branch.pk]),
                      {"name": "甲五", "id_number": "330521198503140001", "ethnicity": "汉族", "status": "full",
                       "since": "2020-01-01"})
    assert "身份证号码校验位不正确" in bad.content.decode()
    ok = client.post(reverse("people:add_member", args=[branch.pk]),
                     {"name": "甲五", "id_number": id_number(), "ethnicity": "汉族", "status": "full",
                      "since": "2020-01-01"})
    assert ok.status_code == 302


def test_healthz(client):
    page = client.get("/healthz")
    assert page.status_code == 200 and page.json()["status"] == "ok"


def test_api_docs_served_locally(client, world):
    login(client, world.a.users["org_admin"])
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower()
    assert "http://" not in docs.replace("http://testserver", "") and "https://" not in docs
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content


def test_appoint_and_end_post_through_pages(client, world):
    from jiceng.orgs.models import LeadershipPost

    login(client, world.a.users["secretary"])
    m = world.a.members[2]
    page = client.post(reverse("orgs:appoint", args=[world.a.branch.pk]),
                       {"membership": m.pk, "title": "member", "term_start": "2024-01-01"})
    assert page.status_code == 302
    post = LeadershipPost.objects.get(person=m.person)
    assert post.term_end.isoformat() == "2029-01-01"  # a community's branch: 5 years from policy
    again = client.post(reverse("orgs:appoint", args=[world.a.branch.pk]),
                        {"membership": world.a.members[3].pk, "title": "secretary", "term_start": "2024-01-01"})
    assert "已有在任书记" in again.content.decode()
    assert client.post(reverse("orgs:end_post", args=[post.pk]), {"ended_on": "2025-06-30"}).status_code == 302
    post.refresh_from_db()
    assert post.ended_on.isoformat() == "2025-06-30"


def test_move_through_pages_refuses_cycles(client, world):
    from tests import builders as b

    login(client, world.a.users["org_admin"])
    street2 = b.org(world.a.county, "甲河街道", "street", "urban_community")
    form = client.get(reverse("orgs:move", args=[world.a.community.pk])).content.decode()
    assert "甲河街道" in form and "甲园社区党支部" not in form  # only fitting parents outside the subtree
    page = client.post(reverse("orgs:move", args=[world.a.community.pk]), {"parent": street2.pk})
    assert page.status_code == 302
    world.a.community.refresh_from_db()
    assert world.a.community.parent_id == street2.pk
    bad = client.post(reverse("orgs:move", args=[world.a.street.pk]), {"parent": world.a.street.pk})
    assert bad.status_code == 200 and "error" in bad.content.decode()


def test_grant_and_revoke_through_pages(client, world):
    from jiceng.core.models import Grant
    from tests import builders as b

    newcomer = b.user("newcomer")
    login(client, world.a.users["org_admin"])
    page = client.post(reverse("grants", args=[world.a.branch.pk]), {"username": "newcomer", "role": "secretary"})
    assert page.status_code == 302
    grant = Grant.objects.get(user=newcomer)
    assert grant.node == world.a.branch
    unknown = client.post(reverse("grants", args=[world.a.branch.pk]), {"username": "nobody", "role": "member"})
    assert "没有这个用户名的账号" in unknown.content.decode()
    assert client.post(reverse("revoke_grant", args=[grant.pk])).status_code == 302
    assert not Grant.objects.filter(user=newcomer).exists()
    login(client, world.a.users["secretary"])  # a secretary manages no grants
    assert client.get(reverse("grants", args=[world.a.branch.pk])).status_code == 404


def test_change_status_and_edit_person_through_pages(client, world):
    from jiceng.orgs import rollups

    login(client, world.a.users["secretary"])
    person = world.a.members[3].person
    page = client.post(reverse("people:change_status", args=[person.pk]),
                       {"status": "left", "on": "2025-01-01", "reason": "去世"})
    assert page.status_code == 302
    assert rollups.counts(world.a.branch)["status:full"] == 3
    wrong = client.post(reverse("people:edit", args=[world.a.members[2].person.pk]),
                        {"name": "甲三", "ethnicity": "汉族", "id_number": "330521197005010031"})
    assert "身份证号码校验位不正确" in wrong.content.decode() or "不一致" in wrong.content.decode()
    ok = client.post(reverse("people:edit", args=[world.a.members[2].person.pk]),
                     {"name": "甲叁", "ethnicity": "回族", "education": "college"})
    assert ok.status_code == 302


def test_api_errors_have_stable_codes(client, world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.a.users["org_admin"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    missing = client.post("/api/memberships/", {"org": world.a.branch.pk}, **auth).json()
    assert missing["code"] == "required" and {e["field"] for e in missing["errors"]} >= {"name", "id_number"}
    domain = client.post("/api/memberships/", {"org": world.a.branch.pk, "status": "full", "since": "2020-01-01",
                                               "name": "甲七", "id_number": "330521198503140001"}, **auth)
    assert domain.status_code == 400
    assert domain.json() == {"code": "id_number_invalid_checksum", "field": "id_number",
                             "detail": "身份证号码校验位不正确，请核对最后一位"}
    hidden = client.get(f"/api/orgs/{world.b.county.pk}/", **auth)
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    anonymous = client.get("/api/orgs/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"

"""Forgotten password: self-service by e-mail (no enumeration, rate-limited) and a school
admin's reset of a colleague's password (own school only, logged)."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from schools.models import AccessLog
from schools.vocab import Role
from tests.factories import SchoolFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_counters():
    cache.clear()
    yield
    cache.clear()


def _csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def _post_form(client, url, data):
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def _request_reset(client, email):
    return _post_form(client, "/password/reset/", {"email": email})


def test_login_page_links_to_forgotten_password(client, home):
    assert 'href="/password/reset/"' in client.get("/login/").content.decode()


def test_reset_by_email_end_to_end(home):
    user = UserFactory(username="liwei", email="li.wei@school.example.cn", real_name="李伟")
    client = _csrf_client()
    response = _request_reset(client, "Li.Wei@school.example.cn")
    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["li.wei@school.example.cn"]
    assert "重置密码" in message.subject and "李伟老师" in message.body
    link = re.search(r"https?://\S+/password/reset/\S+/", message.body)[0]
    path = "/" + link.split("/", 3)[3]
    page = client.get(path, follow=True)
    assert "设置新密码" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    done = _post_form(
        client,
        set_url,
        {"new_password1": "Qingshan-2026-rain", "new_password2": "Qingshan-2026-rain"},
    )
    assert done.status_code == 302 and done["Location"] == "/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password("Qingshan-2026-rain")
    # The link works once.
    assert "链接已失效" in client.get(path, follow=True).content.decode()


def test_unknown_address_gets_the_same_answer_and_no_mail(home):
    UserFactory(email="known@school.example.cn")
    known = _request_reset(_csrf_client(), "known@school.example.cn")
    unknown = _request_reset(_csrf_client(), "nobody@school.example.cn")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1


def test_requests_are_rate_limited_per_address_and_per_client(home):
    UserFactory(email="busy@school.example.cn")
    client = _csrf_client()
    for _ in range(5):
        assert _request_reset(client, "busy@school.example.cn").status_code == 302
    assert len(mail.outbox) == 3  # three e-mails an hour to one address, silently
    refused = _request_reset(client, "busy@school.example.cn")
    assert refused.status_code == 200
    assert "重置请求过于频繁" in refused.content.decode()
    assert len(mail.outbox) == 3


# --- a school admin resets a colleague's password ------------------------------------------


@pytest.fixture
def school_pair(home):
    a, b = SchoolFactory(name="甲校"), SchoolFactory(name="乙校")
    return {
        "a": a,
        "admin_a": make_member(Role.SCHOOL_ADMIN, school=a),
        "teacher_a": make_member(Role.TEACHER, school=a),
        "teacher_b": make_member(Role.TEACHER, school=b),
    }


def _membership(user):
    return user.memberships.first()


def test_school_admin_resets_a_colleagues_password_and_it_is_logged(school_pair):
    client = _csrf_client()
    client.force_login(school_pair["admin_a"])
    teacher = school_pair["teacher_a"]
    url = f"/admin/schools/staff/password/{_membership(teacher).pk}/"
    assert "确认重置密码" in client.get(url).content.decode()
    response = _post_form(client, url, {})
    body = response.content.decode()
    assert response.status_code == 200 and "临时密码" in body
    password = re.search(r"<code>([^<]+)</code>", body)[1]
    teacher.refresh_from_db()
    assert teacher.check_password(password)
    line = AccessLog.objects.get(action="password-reset")
    assert line.user == school_pair["admin_a"] and line.object_id == str(teacher.pk)
    assert line.school == school_pair["a"] and line.allowed
    listing = client.get("/admin/schools/staff/").content.decode()
    assert url in listing and "重置密码" in listing


def test_school_admin_cannot_reset_another_schools_teacher(school_pair):
    client = _csrf_client()
    client.force_login(school_pair["admin_a"])
    teacher = school_pair["teacher_b"]
    before = teacher.password
    url = f"/admin/schools/staff/password/{_membership(teacher).pk}/"
    assert client.get(url).status_code == 404
    client.post(url)  # no token either way; the scope answers first
    teacher.refresh_from_db()
    assert teacher.password == before
    assert AccessLog.objects.filter(action="password-reset-denied", allowed=False).exists()


def test_teacher_cannot_reset_colleagues(school_pair):
    client = _csrf_client()
    client.force_login(make_member(Role.PSYCH_TEACHER, school=school_pair["a"]))
    url = f"/admin/schools/staff/password/{_membership(school_pair['teacher_a']).pk}/"
    assert client.get(url).status_code in (302, 403, 404)


def test_colleague_also_at_another_school_is_referred_to_the_bureau(school_pair):
    from schools.models import Membership

    teacher = school_pair["teacher_a"]
    Membership.objects.create(user=teacher, school=SchoolFactory(name="丙校"), role=Role.TEACHER)
    before = teacher.password
    client = _csrf_client()
    client.force_login(school_pair["admin_a"])
    url = f"/admin/schools/staff/password/{_membership(teacher).pk}/"
    body = _post_form(client, url, {}).content.decode()
    assert "还在其他学校任职" in body
    teacher.refresh_from_db()
    assert teacher.password == before

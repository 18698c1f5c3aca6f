import pytest
from django.urls import reverse

from schools.vocab import Role
from tests.factories import UserFactory, make_member


def test_me_requires_login(client, home):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/me/")


def test_login_page_is_chinese(client, home):
    html = client.get("/login/").content.decode()
    assert "教师登录" in html and "用户名" in html and "密码" in html


def test_login_then_me_shows_roles(client, home):
    user = make_member(Role.CLASS_TEACHER)
    response = client.post(
        "/login/",
        {"username": user.username, "password": "xinyu-test-pass", "next": "/me/"},
    )
    assert response.status_code == 302 and response["Location"] == "/me/"
    html = client.get("/me/").content.decode()
    assert "班主任" in html
    assert "进入管理后台" in html


def test_wrong_password_has_chinese_message(client, home):
    UserFactory(username="wang")
    response = client.post("/login/", {"username": "wang", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_plain_teacher_has_no_back_office_link(client, home):
    user = make_member(Role.TEACHER)
    client.force_login(user)
    html = client.get("/me/").content.decode()
    assert "进入管理后台" not in html
    assert client.get("/admin/").status_code == 302  # Wagtail sends them to its login


@pytest.mark.parametrize(
    "new_password,changed",
    [("Qingchun-2024-new", True), ("12345678", False)],  # Django's validators refuse the weak one
)
def test_password_change(client, home, new_password, changed):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "xinyu-test-pass",
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.status_code == (302 if changed else 200)
    user.refresh_from_db()
    assert user.check_password(new_password) is changed
    assert user.check_password("xinyu-test-pass") is not changed


def test_logout_is_post_only(client, home):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/me/").status_code == 302


@pytest.mark.django_db
def test_first_login_link_lasts_three_days_and_is_not_a_reset_token(monkeypatch):
    import datetime

    from django.contrib.auth.tokens import default_token_generator

    from accounts.tokens import first_login_tokens

    user = UserFactory(username="newcomer")
    user.set_unusable_password()
    user.save()
    token = first_login_tokens.make_token(user)
    assert first_login_tokens.check_token(user, token)
    assert not default_token_generator.check_token(user, token)
    now = datetime.datetime.now()
    monkeypatch.setattr(first_login_tokens, "_now", lambda: now + datetime.timedelta(days=2))
    assert first_login_tokens.check_token(user, token)
    monkeypatch.setattr(first_login_tokens, "_now", lambda: now + datetime.timedelta(days=4))
    assert not first_login_tokens.check_token(user, token)

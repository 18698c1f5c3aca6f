"""Security headers, the deployment check, login lockout and the staff idle timeout."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from schools.vocab import Role
from tests.factories import UserFactory, make_member

PASSWORD = "correct-horse-battery"


def _directives(policy: str) -> dict[str, list[str]]:
    result = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


def _assert_common_headers(response):
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    return policy


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/login/", "/no-such-page/"])
def test_public_pages_have_a_strict_policy(client, home, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    policy = _assert_common_headers(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Nothing is loaded from another host.
    for sources in policy.values():
        assert not any(s.startswith(("http:", "https:", "*")) for s in sources)


@pytest.mark.django_db
def test_admin_pages_have_their_own_policy(client, home):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    policy = _assert_common_headers(response)
    assert policy["script-src"][0] == "'self'"
    assert policy["frame-ancestors"] == ["'self'"]


@pytest.mark.django_db
def test_health_check_has_the_headers_too(client):
    _assert_common_headers(client.get("/healthz"))


def test_check_deploy_is_clean_with_a_real_deployments_environment(tmp_path):
    """``check --deploy`` with production settings and what a real deployment sets."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "XINYU_", "DATABASE_URL", "ALLOWED_HOSTS"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS="xinyu.example.cn",
        XINYU_HTTPS="1",
        XINYU_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _login(client, username, password, ip="10.1.1.1", **extra):
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


@pytest.mark.django_db
def test_five_failures_lock_the_user_out_from_that_address(client, home):
    user = UserFactory(username="zhanglaoshi", password=PASSWORD)
    for _ in range(4):
        response = _login(client, user.username, "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    # The fifth failure triggers the lock.
    response = _login(client, user.username, "wrong-password")
    assert "登录已暂时锁定" in response.content.decode()
    # The sixth attempt, even with the right password, is refused with the lockout page.
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # A forged X-Forwarded-For does not get round the lock.
    response = _login(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_is_per_address_and_per_user(client, home):
    user = UserFactory(username="zhanglaoshi", password=PASSWORD)
    other = UserFactory(username="lilaoshi", password=PASSWORD)
    for _ in range(5):
        _login(client, user.username, "wrong-password", ip="10.1.1.1")
    # Same user from another address: not locked.
    response = _login(client, user.username, PASSWORD, ip="10.2.2.2")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    # Another user from the locked address: not locked either.
    response = _login(client, other.username, PASSWORD, ip="10.1.1.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


@pytest.mark.django_db
def test_a_back_office_users_session_ends_after_30_idle_minutes(client, home):
    user = make_member(Role.SCHOOL_ADMIN)
    user.set_password(PASSWORD)
    user.save()
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert client.get("/me/").status_code == 200
    assert client.session.get_expiry_age() == 1800
    assert django_settings.STAFF_SESSION_IDLE_SECONDS == 1800


@pytest.mark.django_db
def test_a_plain_teachers_session_keeps_the_normal_age(client, home):
    user = make_member(Role.TEACHER)
    user.set_password(PASSWORD)
    user.save()
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert client.get("/me/").status_code == 200
    assert client.session.get_expiry_age() == django_settings.SESSION_COOKIE_AGE
    assert django_settings.SESSION_COOKIE_AGE > 1800

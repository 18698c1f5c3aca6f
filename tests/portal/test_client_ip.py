"""Behind a reverse proxy: the login lockout and the access log see the real client.

Without ``XINYU_PROXY_COUNT`` the connection's address counts and X-Forwarded-For is
ignored (anyone can write it); with it, the entry the trusted proxies wrote counts.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from portal.settings.base import env_proxy_count
from schools.audit import access_log_record, client_ip
from schools.models import AccessLog
from schools.vocab import Role
from tests.factories import UserFactory, make_member

PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.1"


def _request(rf, *, remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = rf.get("/admin/", **extra)
    request.user = AnonymousUser()
    return request


def _login(client, username, password, *, forwarded=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/login/", {"username": username, "password": password}, **extra)


# --- the address itself -------------------------------------------------------------------------


def test_without_proxies_the_connection_counts(rf, settings):
    settings.XINYU_PROXY_COUNT = 0
    assert client_ip(_request(rf, remote="198.51.100.7", forwarded="203.0.113.5")) == (
        "198.51.100.7"
    )


@pytest.mark.parametrize(
    "count,forwarded,expected",
    [
        (1, "203.0.113.5", "203.0.113.5"),
        # The client wrote the left part itself; only the proxy's entry is believed.
        (1, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        (1, " 203.0.113.5 ,", "203.0.113.5"),
        # A load balancer in front of nginx: nginx appended the balancer's address.
        (2, "203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (2, "1.2.3.4, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, "2001:db8::5", "2001:db8::5"),
        # Fewer entries than proxies, no header, or garbage: the connection's address.
        (2, "203.0.113.5", PROXY),
        (1, None, PROXY),
        (1, "", PROXY),
        (1, "unknown", PROXY),
        (1, "203.0.113.5:4431", PROXY),
    ],
)
def test_behind_proxies_the_proxies_entry_counts(rf, settings, count, forwarded, expected):
    settings.XINYU_PROXY_COUNT = count
    assert client_ip(_request(rf, forwarded=forwarded)) == expected


@pytest.mark.parametrize("raw,expected", [("", 0), ("0", 0), ("1", 1), (" 2 ", 2)])
def test_proxy_count_setting_reads_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("XINYU_PROXY_COUNT", raw)
    assert env_proxy_count("XINYU_PROXY_COUNT") == expected


@pytest.mark.parametrize("raw", ["yes", "-1", "1.5"])
def test_a_wrong_proxy_count_stops_start_up_with_a_clear_message(monkeypatch, raw):
    monkeypatch.setenv("XINYU_PROXY_COUNT", raw)
    with pytest.raises(ImproperlyConfigured, match="XINYU_PROXY_COUNT"):
        env_proxy_count("XINYU_PROXY_COUNT")


# --- the access log -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count,expected", [(0, PROXY), (1, "203.0.113.5")])
def test_access_log_records_the_client(rf, settings, count, expected):
    settings.XINYU_PROXY_COUNT = count
    request = _request(rf, forwarded="1.2.3.4, 203.0.113.5")
    line = access_log_record(request=request, action="view", object_type="schools.student")
    assert line.ip == expected


@pytest.mark.django_db
def test_a_denied_back_office_request_logs_the_client_behind_the_proxy(client, home, settings):
    settings.XINYU_PROXY_COUNT = 1
    client.force_login(make_member(Role.PSYCH_TEACHER))
    response = client.get(
        reverse("schools_import:index"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert response.status_code == 403
    assert AccessLog.objects.get(allowed=False).ip == "203.0.113.5"


# --- the login lockout ----------------------------------------------------------------------------


def _five_failures_from(client, forwarded):
    user = UserFactory(username="zhanglaoshi", password=PASSWORD)
    for _ in range(5):
        _login(client, user.username, "wrong-password", forwarded=forwarded)
    return user


@pytest.mark.django_db
def test_behind_a_proxy_the_lockout_is_per_real_client(client, home, settings):
    settings.XINYU_PROXY_COUNT = 1
    user = _five_failures_from(client, "203.0.113.5")
    # The same client is locked, whatever it writes in front of the proxy's entry.
    response = _login(client, user.username, PASSWORD, forwarded="9.9.9.9, 203.0.113.5")
    assert response.status_code == 429
    # Another client behind the same proxy is not.
    response = _login(client, user.username, PASSWORD, forwarded="203.0.113.9")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_without_the_setting_every_client_behind_a_proxy_shares_one_address(client, home, settings):
    """Why the setting matters: the proxy's address is all the portal sees otherwise."""
    settings.XINYU_PROXY_COUNT = 0
    user = _five_failures_from(client, "203.0.113.5")
    response = _login(client, user.username, PASSWORD, forwarded="203.0.113.9")
    assert response.status_code == 429

"""Issue 12, item 12: besides django-axes' lock (5 failures per username and address), a limit
per address across usernames stops password spraying, without locking a school behind one
NAT address out of the right password: browsers that signed in as a user before still can."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client

from accounts.selectors import login_failures_from
from tests.csrf import form_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SCHOOL_NAT = "10.8.8.8"
SPRAY_MESSAGE = "您所在的网络近期登录失败的次数过多"


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.XINYU_LOGIN_ADDRESS_FAILURE_LIMIT = 6


def _browser():
    return Client(enforce_csrf_checks=True)


def _login(client, username, password, ip=SCHOOL_NAT, url="/login/"):
    token = form_token(client.get(url, REMOTE_ADDR=ip))
    return client.post(
        url,
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        REMOTE_ADDR=ip,
    )


def _spray(count=6, ip=SCHOOL_NAT):
    """One wrong guess at each of ``count`` usernames, from one browser at ``ip``."""
    sprayer = _browser()
    for n in range(count):
        response = _login(sprayer, f"victim{n}", "Spring2025!", ip=ip)
        assert response.status_code == 200  # the ordinary wrong-password answer
    return sprayer


def _sign_out(client):
    """The session ends (the test client's own logout() would also drop every cookie)."""
    del client.cookies[django_settings.SESSION_COOKIE_NAME]


def _signed_in(client, user):
    return client.session.get("_auth_user_id") == str(user.pk)


def test_the_default_limit_is_named_in_settings():
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.XINYU_DEVICE_COOKIE_DAYS >= 30


def test_spraying_blocks_unknown_browsers_before_the_password_is_checked(home):
    teacher = UserFactory(username="wanglaoshi", password=PASSWORD)
    sprayer = _spray()
    assert login_failures_from(address=SCHOOL_NAT) == 6
    # The sprayer's next guess is refused whatever it is, right or wrong (the right password
    # gets the same answer); it counts, so the block lasts while the guessing goes on.
    response = _login(sprayer, teacher.username, PASSWORD)
    assert response.status_code == 429
    assert SPRAY_MESSAGE in response.content.decode()
    assert not _signed_in(sprayer, teacher)
    assert login_failures_from(address=SCHOOL_NAT) == 7
    assert _login(sprayer, teacher.username, "Summer2025!").status_code == 429
    # So is a colleague's new browser behind the same address, with the right password.
    colleague = _browser()
    response = _login(colleague, teacher.username, PASSWORD)
    assert response.status_code == 429 and not _signed_in(colleague, teacher)
    assert "返回" in response.content.decode()


def test_a_browser_that_signed_in_before_still_signs_in_with_the_right_password(home):
    teacher = UserFactory(username="wanglaoshi", password=PASSWORD)
    own_browser = _browser()
    assert _login(own_browser, teacher.username, PASSWORD).status_code == 302
    assert django_settings.XINYU_DEVICE_COOKIE_NAME in own_browser.cookies
    cookie = own_browser.cookies[django_settings.XINYU_DEVICE_COOKIE_NAME]
    assert cookie["httponly"] and teacher.username not in cookie.value
    _sign_out(own_browser)
    _spray()
    response = _login(own_browser, teacher.username, PASSWORD)
    assert response.status_code == 302 and _signed_in(own_browser, teacher)
    # A wrong password from the known browser is an ordinary failure (and counts).
    _sign_out(own_browser)
    response = _login(own_browser, teacher.username, "wrong-password")
    assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    assert login_failures_from(address=SCHOOL_NAT) == 7
    # …and the right one clears the teacher's own failures again.
    assert _login(own_browser, teacher.username, PASSWORD).status_code == 302
    assert login_failures_from(address=SCHOOL_NAT) == 6


def test_the_device_cookie_is_for_its_own_user_and_cannot_be_forged(home):
    teacher = UserFactory(username="wanglaoshi", password=PASSWORD)
    other = UserFactory(username="lilaoshi", password=PASSWORD)
    shared = _browser()
    assert _login(shared, teacher.username, PASSWORD).status_code == 302
    _sign_out(shared)
    _spray()
    # Signed in as the teacher before: no pass for another user from that browser.
    response = _login(shared, other.username, PASSWORD)
    assert response.status_code == 429 and not _signed_in(shared, other)
    # An altered cookie is no cookie.
    forged = _browser()
    value = shared.cookies[django_settings.XINYU_DEVICE_COOKIE_NAME].value
    forged.cookies[django_settings.XINYU_DEVICE_COOKIE_NAME] = value[:-2] + "xx"
    assert _login(forged, teacher.username, PASSWORD).status_code == 429


def test_one_browser_remembers_several_users(home):
    teacher = UserFactory(username="wanglaoshi", password=PASSWORD)
    other = UserFactory(username="lilaoshi", password=PASSWORD)
    staff_room = _browser()
    for user in (teacher, other):
        assert _login(staff_room, user.username, PASSWORD).status_code == 302
        _sign_out(staff_room)
    _spray()
    for user in (teacher, other):
        assert _login(staff_room, user.username, PASSWORD).status_code == 302
        _sign_out(staff_room)


def test_other_addresses_are_not_affected(home):
    teacher = UserFactory(username="wanglaoshi", password=PASSWORD)
    _spray()
    elsewhere = _browser()
    response = _login(elsewhere, teacher.username, PASSWORD, ip="10.9.9.9")
    assert response.status_code == 302 and _signed_in(elsewhere, teacher)


def test_typos_followed_by_the_right_password_never_add_up(home):
    """A school's teachers mistyping and then signing in do not block their school."""
    for n in range(8):
        user = UserFactory(username=f"teacher{n}", password=PASSWORD)
        browser = _browser()
        assert _login(browser, user.username, "typo-password").status_code == 200
        assert _login(browser, user.username, PASSWORD).status_code == 302
    assert login_failures_from(address=SCHOOL_NAT) == 0
    newcomer = UserFactory(username="newcomer", password=PASSWORD)
    assert _login(_browser(), newcomer.username, PASSWORD).status_code == 302


def test_the_back_office_login_is_guarded_too(home):
    teacher = UserFactory(username="wanglaoshi", password=PASSWORD)
    _spray()
    browser = _browser()
    response = _login(browser, teacher.username, PASSWORD, url="/admin/login/")
    assert response.status_code == 429 and SPRAY_MESSAGE in response.content.decode()
    assert not _signed_in(browser, teacher)


def test_the_per_user_lock_still_applies_below_the_address_limit(home, settings):
    settings.XINYU_LOGIN_ADDRESS_FAILURE_LIMIT = 30
    teacher = UserFactory(username="wanglaoshi", password=PASSWORD)
    browser = _browser()
    for _ in range(5):
        _login(browser, teacher.username, "wrong-password")
    response = _login(browser, teacher.username, PASSWORD)
    assert response.status_code == 429
    assert "连续多次输入错误的密码" in response.content.decode()
    assert SPRAY_MESSAGE not in response.content.decode()
    assert AccessAttempt.objects.filter(username=teacher.username).exists()

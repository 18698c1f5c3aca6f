"""The back office's notification centre (bell, list, mark as read) and the 待办 panel."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail import hooks

from accounts.models import Notification
from accounts.services import notification_send
from portal.todo import CRITICAL, DUE, OVERDUE, TODO_HOOK, TodoItem, todo_for
from schools.models import AccessLog
from schools.vocab import Role
from tests.csrf import form_token

pytestmark = pytest.mark.django_db

INBOX = "/admin/notifications/"


def _client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _send(user, n=1, link="/admin/screening/warnings/"):
    return [
        notification_send(recipient=user, kind="test", title=f"新的危机预警 {i}", link=link)
        for i in range(n)
    ]


def test_every_admin_page_shows_the_bell_with_the_unread_count(world):
    psych = world.psych
    _send(psych, 3)
    client = _client(psych)
    for url in ("/admin/", reverse("screening:warnings"), INBOX):
        html = client.get(url).content.decode()
        assert 'class="xinyu-bell xinyu-bell--unread"' in html, url
        assert '<span class="xinyu-bell__count">3</span>' in html, url


def test_no_unread_no_count_and_no_bell_for_the_login_page(world):
    client = _client(world.class_teacher)
    html = client.get("/admin/").content.decode()
    assert "xinyu-bell" in html and "xinyu-bell__count" not in html
    assert "xinyu-bell" not in Client().get("/admin/login/").content.decode()


def test_the_list_shows_only_ones_own_messages(world):
    _send(world.psych, 2)
    notification_send(recipient=world.leader, kind="test", title="别人的消息")
    html = _client(world.psych).get(INBOX).content.decode()
    assert html.count("新的危机预警") == 2
    assert "别人的消息" not in html


def test_opening_marks_read_and_follows_the_link(world):
    (n,) = _send(world.psych)
    response = _client(world.psych).get(reverse("notifications_admin:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/admin/screening/warnings/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_an_outside_link_is_not_followed(world):
    (n,) = _send(world.psych, link="//evil.example/phish")
    response = _client(world.psych).get(reverse("notifications_admin:open", args=[n.pk]))
    assert response["Location"] == INBOX


def test_someone_elses_message_is_a_logged_404(world):
    (n,) = _send(world.leader)
    response = _client(world.psych).get(reverse("notifications_admin:open", args=[n.pk]))
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None
    assert AccessLog.objects.filter(
        user=world.psych, allowed=False, object_type="accounts.notification", object_id=str(n.pk)
    ).exists()


def test_mark_one_and_mark_all_read_with_the_forms_token(world):
    first, second, third = _send(world.psych, 3)
    client = _client(world.psych)
    page = client.get(INBOX)
    # Without the token the form is refused.
    assert client.post(reverse("notifications_admin:read_all")).status_code == 403
    token = form_token(page)  # the first form: 全部标为已读
    response = client.post(
        reverse("notifications_admin:read", args=[first.pk]),
        {"csrfmiddlewaretoken": token, "next": INBOX + "?unread=1"},
    )
    assert response["Location"] == INBOX + "?unread=1"
    assert Notification.objects.filter(recipient=world.psych, read_at=None).count() == 2
    response = client.post(
        reverse("notifications_admin:read_all"),
        {"csrfmiddlewaretoken": token, "next": "https://evil.example/"},
    )
    assert response["Location"] == INBOX
    assert not Notification.objects.filter(recipient=world.psych, read_at=None).exists()


def test_a_get_does_not_mark_all_read(world):
    _send(world.psych, 2)
    response = _client(world.psych).get(reverse("notifications_admin:read_all"))
    assert response.status_code == 405
    assert Notification.objects.filter(recipient=world.psych, read_at=None).count() == 2


def test_unread_filter_and_pagination(world):
    notes = _send(world.psych, 35)
    Notification.objects.filter(pk=notes[0].pk).update(read_at=notes[0].created_at)
    client = _client(world.psych)
    assert "第 1 / 2 页" in client.get(INBOX).content.decode()
    html = client.get(INBOX + "?unread=1&page=2").content.decode()
    assert html.count('class="badge-unread"') == 4  # 34 unread: 30 on page 1, 4 on page 2


@pytest.mark.parametrize("who", ["nobody", "teacher"])
def test_someone_outside_the_back_office_is_refused(world, who):
    response = _client(getattr(world, who)).get(INBOX)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login/" in response["Location"]


def test_the_inbox_is_a_menu_entry_for_back_office_users(world):
    html = _client(world.class_teacher).get("/admin/").content.decode()
    assert INBOX in html


def _provider(**kwargs):
    def provide(*, user):
        return [TodoItem(**kwargs)]

    return provide


def test_todo_orders_by_severity_and_drops_empty_items(world, monkeypatch):
    providers = [
        _provider(area="报告", label="待提交报告", count=1, url="/a/", severity=DUE),
        _provider(area="心理预警", label="危机预警待处置", count=2, url="/b/", severity=CRITICAL),
        _provider(area="值班", label="整改逾期", count=0, url="/c/", severity=OVERDUE),
        _provider(area="值班", label="事件逾期", count=1, url="/d/", severity=OVERDUE),
    ]
    monkeypatch.setattr(hooks, "get_hooks", lambda name: providers if name == TODO_HOOK else [])
    items = todo_for(user=world.psych)
    assert [i.label for i in items] == ["危机预警待处置", "事件逾期", "待提交报告"]


def test_the_home_page_shows_todo_first(world, monkeypatch):
    provider = _provider(
        area="心理预警",
        label="危机预警待处置",
        count=2,
        url="/admin/screening/warnings/",
        severity=CRITICAL,
        detail="最早一条已逾期 1 天",
    )
    original = hooks.get_hooks
    monkeypatch.setattr(
        hooks,
        "get_hooks",
        lambda name: [provider] if name == TODO_HOOK else original(name),
    )
    html = _client(world.psych).get("/admin/").content.decode()
    assert "待办" in html
    assert "todo-item--critical" in html and "危机预警待处置" in html
    assert "最早一条已逾期 1 天" in html


def test_anonymous_has_no_todo():
    from django.contrib.auth.models import AnonymousUser

    assert todo_for(user=AnonymousUser()) == []


@pytest.mark.parametrize("role", [Role.CLASS_TEACHER, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER])
def test_the_home_page_opens_for_every_school_role(world, role):
    assert _client(world.user(role)).get("/admin/").status_code == 200

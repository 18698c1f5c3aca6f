"""The back office's notification centre (消息中心) and 待办 panel.

Every back-office page shows a bell with the unread count (``templates/wagtailadmin/
admin_base.html``); it opens the list here. Notifications are ``accounts.Notification`` rows
(the learner area reads the same table at /me/notifications/): in-app first, e-mailed as well
where an address is on file. The admin home page shows ``portal.todo.todo_for`` as 待办.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from wagtail.admin.ui.components import Component

from accounts.selectors import notifications_of, notifications_unread_count
from accounts.services import notification_mark_read
from schools.backoffice import capability_view, scoped_get

from .todo import todo_for

PER_PAGE = 30


def unread_of(request) -> int | None:
    """The user's unread messages, once per request (the bell and the home panel share it);
    None for anyone outside the back office."""
    if not hasattr(request, "_xinyu_unread"):
        from schools import access

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            request._xinyu_unread = None
        elif not access.can(user=user, cap="portal.backoffice"):
            request._xinyu_unread = None
        else:
            request._xinyu_unread = notifications_unread_count(user=user)
    return request._xinyu_unread


def _view(func):
    return capability_view("portal.backoffice", object_type="accounts.notification")(func)


@_view
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    rows = notifications_of(user=request.user)
    if unread_only:
        rows = rows.filter(read_at=None)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/notifications.html",
        {
            "page_title": "消息中心",
            "page": page,
            "unread_only": unread_only,
            "unread": unread_of(request),
        },
    )


def _safe_link(link: str) -> str:
    if link and link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return ""


@_view
def open_notification(request, pk):
    """Mark the message read and go to what it is about (a path on this site only)."""
    notification = scoped_get(
        request, notifications_of(user=request.user), pk, action="open-notification"
    )
    notification_mark_read(user=request.user, pk=notification.pk)
    return redirect(_safe_link(notification.link) or "notifications_admin:inbox")


@_view
@require_POST
def mark_read(request, pk):
    notification = scoped_get(
        request, notifications_of(user=request.user), pk, action="read-notification"
    )
    notification_mark_read(user=request.user, pk=notification.pk)
    return redirect(_back(request))


@_view
@require_POST
def mark_all_read(request):
    notification_mark_read(user=request.user)
    return redirect(_back(request))


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/admin/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return "notifications_admin:inbox"


urlpatterns = [
    path("", inbox, name="inbox"),
    path("<int:pk>/", open_notification, name="open"),
    path("<int:pk>/read/", mark_read, name="read"),
    path("read-all/", mark_all_read, name="read_all"),
]


class TodoPanel(Component):
    """待办 on the admin home page: what this person must do next, most severe first."""

    name = "todo"
    order = 10
    template_name = "backoffice/todo_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        user = self.request.user
        return {
            "items": todo_for(user=user),
            "unread": unread_of(self.request),
            "recent": list(notifications_of(user=user).filter(read_at=None)[:5]),
        }

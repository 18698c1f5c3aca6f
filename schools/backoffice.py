"""The one back-office base: a view's capability, its menu entry, denials and scoped lookups.

Each area (screening, duty, oversight, training, lessons) is one ``AreaViewSet``: its routes
and its submenu. Every back-office view of an area is declared with
``capability_view(cap)``: the view carries ``view.capability``, a user without it gets the
one 403 page (``deny``: no-store, one access-log line), and whatever the view answers is sent
``no-store``. Its menu entry is a ``CapabilityMenuItem`` asking ``access.can`` about the very
same capability, so a menu entry is shown exactly when its page opens. Objects are fetched
with ``scoped_get``: an id outside the user's scope is a 404 with one log line (never a 403
that would confirm the record exists).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import access
from .services import access_log_record

FORBIDDEN_TEMPLATE = "schools/admin/forbidden.html"


class Denied(Exception):
    """Raised by ``deny`` inside a ``capability_view``: answered with the one 403 page."""


def _log_denied(request, *, action, object_type, object_id="", school=None, student=None):
    access_log_record(
        request=request,
        action=action,
        object_type=object_type,
        object_id=object_id,
        school=school,
        student=student,
        allowed=False,
    )


def forbidden_response(
    request, *, action: str, object_type: str, object_id="", school=None, student=None
):
    """The one 403 page of the back office, logged, never cached.

    Wagtail turns a ``PermissionDenied`` inside its admin into a redirect to the dashboard
    with a flash message; design.md wants a denied request to be a 403 (or 404) with an
    access-log line, whoever the client is.
    """
    _log_denied(
        request,
        action=action,
        object_type=object_type,
        object_id=object_id,
        school=school,
        student=student,
    )
    response = render(request, FORBIDDEN_TEMPLATE, status=403)
    patch_cache_control(
        response, no_store=True, no_cache=True, must_revalidate=True, private=True, max_age=0
    )
    return response


def deny(request, *, action: str, object_type: str, object_id="", school=None, student=None):
    """Refuse inside a ``capability_view`` (the user lacks the action on this record)."""
    raise Denied(
        {
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "school": school,
            "student": student,
        }
    )


def not_found(request, *, action: str, object_type: str, object_id="", student=None):
    """A logged 404: the record is outside the user's scope (or does not exist)."""
    _log_denied(
        request,
        action=f"{action}-denied" if not action.endswith("-denied") else action,
        object_type=object_type,
        object_id=str(object_id)[:50],
        student=student,
    )
    raise Http404


def scoped_get(request, queryset, pk, *, action: str, object_type: str = "", of_student=False):
    """The object ``pk`` from ``queryset`` (already scoped), or a logged 404.
    ``of_student``: ``pk`` is a student's id (the denial line names the student)."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        not_found(
            request,
            action=action,
            object_type=object_type or queryset.model._meta.label_lower,
            object_id=pk,
            student=pk if of_student else None,
        )


def _no_store(response):
    patch_cache_control(
        response, no_store=True, no_cache=True, must_revalidate=True, private=True, max_age=0
    )
    return response


def capability_view(cap: str, *, object_type: str | None = None, action: str = ""):
    """Declare a back-office view's capability (``access.CAPABILITIES``).

    Users without it get the 403 page and a ``<action>-denied`` line (``denied`` without
    ``action``) naming ``object_type`` (the capability by default); ``deny()`` inside the
    view answers the same way.
    """
    access.capability(cap)  # an unknown name fails at import, not at request time
    logged_as = (object_type or cap)[:50]
    logged_action = f"{action}-denied" if action else "denied"

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not access.can(user=request.user, cap=cap):
                return forbidden_response(request, action=logged_action, object_type=logged_as)
            try:
                response = view(request, *args, **kwargs)
            except Denied as denied:
                info = denied.args[0]
                return forbidden_response(
                    request,
                    action=f"{info['action']}-denied"[:50],
                    object_type=info["object_type"],
                    object_id=info["object_id"],
                    school=info["school"],
                    student=info["student"],
                )
            return _no_store(response)

        wrapped.capability = cap
        return wrapped

    return decorate


class CapabilityRequiredMixin:
    """A class-based back-office view that needs ``capability``; without it, the 403 page.
    ``denied_object_type`` names the view in the access log."""

    capability: str = ""
    denied_object_type = ""

    def dispatch(self, request, *args, **kwargs):
        if not access.can(user=request.user, cap=type(self).capability):
            return forbidden_response(
                request, action="denied", object_type=self.denied_object_type or self.capability
            )
        return _no_store(super().dispatch(request, *args, **kwargs))


class CapabilityMenuItem(MenuItem):
    """A menu entry shown exactly when the user holds the capability its page requires (and,
    as every back-office page does, the back office itself)."""

    def __init__(self, *args, capability: str, **kwargs):
        super().__init__(*args, **kwargs)
        access.capability(capability)
        self.capability = capability

    def is_shown(self, request):
        user = request.user
        return access.can(user=user, cap="portal.backoffice") and access.can(
            user=user, cap=self.capability
        )


def view_capability(view) -> str:
    """The capability a routed view requires (function view or class-based view)."""
    cap = getattr(view, "capability", "") or getattr(
        getattr(view, "view_class", None), "capability", ""
    )
    return cap


@dataclass(frozen=True)
class MenuLink:
    """One entry of an area's submenu.

    ``route`` names one of the area's own routes: the entry asks the capability that route's
    view carries (so the menu can never promise a page that refuses). ``url_name`` with an
    explicit ``capability`` links elsewhere (an area's model viewsets: the capability is the
    one their permission policy reads with)."""

    label: str
    route: str = ""
    url_name: str = ""
    capability: str = ""
    icon: str = ""
    order: int = 0


class AreaViewSet(ViewSet):
    """One back-office area: its routes, mounted at ``/admin/<url_prefix>/`` in the namespace
    ``name``, and its submenu in the sidebar.

    Every route's view must carry a ``capability`` (``capability_view`` or
    ``CapabilityRequiredMixin``); an area that routes a view without one fails at start-up.
    """

    routes: Sequence = ()
    menu_links: Sequence[MenuLink] = ()
    menu_label = ""
    icon = ""
    menu_order = None
    add_to_admin_menu = True

    def get_urlpatterns(self):
        for pattern in self.routes:
            if not view_capability(pattern.callback):
                raise ImproperlyConfigured(
                    f"{self.name}: route {pattern.name!r} has no capability "
                    "(declare it with capability_view or CapabilityRequiredMixin)"
                )
        return list(self.routes)

    def route_capability(self, route: str) -> str:
        for pattern in self.routes:
            if pattern.name == route:
                return view_capability(pattern.callback)
        raise ImproperlyConfigured(f"{self.name}: no route named {route!r}")

    def menu_items(self) -> list[CapabilityMenuItem]:
        items = []
        for link in self.menu_links:
            if link.route:
                cap = link.capability or self.route_capability(link.route)
                url = reverse(self.get_url_name(link.route))
            else:
                url, cap = reverse(link.url_name), link.capability
            items.append(
                CapabilityMenuItem(
                    link.label,
                    url,
                    name=f"{self.name}-{link.route or link.url_name}".replace(":", "-"),
                    icon_name=link.icon,
                    order=link.order,
                    capability=cap,
                )
            )
        return items

    def get_menu_item(self, order=None):
        return SubmenuMenuItem(
            self.menu_label,
            Menu(items=self.menu_items()),
            name=self.name,
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
        )

"""Back-office routes of duty: the ``DutyArea`` viewset (wagtail_hooks) mounts them at
/admin/duty/ in the namespace ``duty_admin``."""

from django.urls import path

from . import safety_views, views

urlpatterns = [
    path("incidents/", views.incident_inbox, name="incidents"),
    path("incidents/export.csv", views.incident_export, name="incident_export"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/entries/", views.entry_add, name="entry_add"),
    path("incidents/<int:pk>/print/", views.incident_print, name="incident_print"),
    path("entries/<int:pk>/attachment/", views.entry_attachment, name="entry_attachment"),
    path("roster/calendar/", views.roster_calendar, name="roster_calendar"),
    path("roster/generate/", views.roster_generate, name="roster_generate"),
    path("roster/import/", views.roster_import, name="roster_import"),
    path("roster/phone-list/", views.phone_list, name="phone_list"),
    path("safety/new/", safety_views.safety_checklist_add, name="safety_checklist"),
    path("safety/overdue/", safety_views.safety_overdue, name="safety_overdue"),
    path(
        "safety/items/<int:pk>/fixed/",
        safety_views.safety_item_fixed,
        name="safety_item_fixed",
    ),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
]

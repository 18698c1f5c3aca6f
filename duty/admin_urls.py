"""Back-office URLs, mounted under /admin/duty/ by ``wagtail_hooks.register_admin_urls``."""

from django.urls import path

from . import safety_views, views

urlpatterns = [
    path("incidents/", views.incident_inbox, name="duty_incidents"),
    path("incidents/export.csv", views.incident_export, name="duty_incident_export"),
    path("incidents/new/", views.incident_create, name="duty_incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="duty_incident_detail"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="duty_incident_edit"),
    path("incidents/<int:pk>/entries/", views.entry_add, name="duty_entry_add"),
    path("incidents/<int:pk>/print/", views.incident_print, name="duty_incident_print"),
    path("entries/<int:pk>/attachment/", views.entry_attachment, name="duty_entry_attachment"),
    path("roster/calendar/", views.roster_calendar, name="duty_roster_calendar"),
    path("roster/generate/", views.roster_generate, name="duty_roster_generate"),
    path("roster/import/", views.roster_import, name="duty_roster_import"),
    path("roster/phone-list/", views.phone_list, name="duty_phone_list"),
    path("safety/new/", safety_views.safety_checklist_add, name="duty_safety_checklist"),
    path("safety/overdue/", safety_views.safety_overdue, name="duty_safety_overdue"),
    path(
        "safety/items/<int:pk>/fixed/",
        safety_views.safety_item_fixed,
        name="duty_safety_item_fixed",
    ),
    path("notices/", views.notices, name="duty_notices"),
    path("notices/<int:pk>/read/", views.notice_read, name="duty_notice_read"),
]

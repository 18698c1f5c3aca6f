"""Learner-area URLs for training, included under /me/training/."""

from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("history/", views.history, name="history"),
    path("modules/<int:page_id>/", views.module_detail, name="module"),
    path(
        "modules/<int:page_id>/sections/<str:section_id>/",
        views.module_section,
        name="section",
    ),
    path(
        "modules/<int:page_id>/sections/<str:section_id>/done/",
        views.module_section_done,
        name="section_done",
    ),
    path("modules/<int:page_id>/quiz/", views.module_quiz, name="quiz"),
    path(
        "modules/<int:page_id>/quiz/attempts/<int:attempt_id>/",
        views.quiz_result,
        name="quiz_result",
    ),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:session_id>/register/", views.session_register, name="register"),
    path("sessions/<int:session_id>/calendar.ics", views.session_ics, name="ics"),
    path("external/new/", views.external_new, name="external_new"),
    path("external/<int:pk>/evidence/", views.external_evidence, name="evidence"),
    path("certificates/<str:code>/", views.certificate, name="certificate"),
]

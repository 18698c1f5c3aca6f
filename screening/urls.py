"""Back-office routes for screening records: the ``ScreeningArea`` viewset (wagtail_hooks)
mounts them at /admin/screening/ in the namespace ``screening``."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<int:pk>/results/", views.round_results, name="round_results"),
    path("rounds/<int:pk>/import/", views.round_import, name="round_import"),
    path("rounds/<int:pk>/enter/", views.result_enter, name="result_enter"),
    path("rounds/<int:pk>/export.xlsx", views.round_export, name="round_export"),
    path("rounds/<int:pk>/consent/", views.round_consent, name="round_consent"),
    path("rounds/<int:pk>/consent/import/", views.consent_import, name="consent_import"),
    path(
        "rounds/<int:pk>/consent/<int:student_id>/",
        views.consent_student,
        name="consent_student",
    ),
    path("students/<int:student_id>/", views.archive, name="archive"),
    path("students/<int:student_id>/add/<slug:what>/", views.archive_add, name="archive_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("plans/overdue/", views.plans_overdue, name="plans_overdue"),
    path("attention/", views.attention_list, name="attention_list"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("checkins/", views.checkins, name="checkins"),
    path("results/<int:pk>/correct/", views.result_correct, name="result_correct"),
    path("concern/", views.concern_raise, name="concern"),
    path("my-class/", views.my_class, name="my_class"),
    path("figures/", views.figures, name="figures"),
    path("figures/export.xlsx", views.figures_export, name="figures_export"),
    path("access-log/", views.access_log, name="access_log"),
]

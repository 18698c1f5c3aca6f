"""Back-office routes of oversight: the ``OversightArea`` viewset (wagtail_hooks) mounts them
at /admin/oversight/ in the namespace ``oversight``."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("campaigns/<int:pk>/board/", views.board, name="board"),
    path("campaigns/<int:pk>/export.xlsx", views.export, name="export"),
    path(
        "campaigns/<int:campaign_id>/schools/<int:school_id>/",
        views.submission_edit,
        name="edit",
    ),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/return/", views.submission_return_view, name="return"),
    path("answers/<int:pk>/file/", views.answer_file, name="answer_file"),
]

from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import Sitemap
from wagtail.documents import urls as wagtaildocs_urls

from courses import training_views
from portal import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("accounts.urls")),
    path("", include("duty.urls")),
    path("me/training/", include("courses.training_urls")),
    path("me/lessons/", include("courses.lesson_urls")),
    path("verify/", training_views.verify, name="training-verify-form"),
    path("verify/<str:code>/", training_views.verify, name="training-verify"),
    path("search/", include("search.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Sitemap}}, name="sitemap"),
]

# Image files are public; serve them from the app (a reverse proxy may take this over).
# Documents are never served from MEDIA_URL: they go through Wagtail's serve view, which
# checks collection privacy and counts downloads.
urlpatterns += [
    re_path(
        r"^media/(?P<path>(?:images|original_images)/.+)$",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    ),
]

urlpatterns += [path("", include(wagtail_urls))]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
handler403 = "portal.views.permission_denied"

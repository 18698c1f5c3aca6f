from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import Sitemap
from wagtail.documents import urls as wagtaildocs_urls

from courses.training import views as training_views
from portal import views
from resources import views as resources_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", include(wagtailadmin_urls)),
    # Same address as Wagtail's serve view, answered first: the file is saved under its title.
    re_path(r"^documents/(\d+)/(.*)$", resources_views.document_serve),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("accounts.urls")),
    path("", include("duty.urls")),
    path("me/training/", include("courses.training.urls")),
    path("me/lessons/", include("courses.lessons.urls")),
    path("verify/", training_views.verify, name="training-verify-form"),
    path("verify/<str:code>/", training_views.verify, name="training-verify"),
    path("search/", include("search.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Sitemap}}, name="sitemap"),
]

# Only image renditions are public (a reverse proxy may serve var/media/images/ itself).
# Everything else uploaded is in private storage (portal/storage.py), which no route serves:
# documents go through Wagtail's serve view (collection privacy, download counts), evidence
# and attachments through their own permission-checked views.
urlpatterns += [
    re_path(r"^media/images/(?P<name>[^/]+)$", views.media_rendition, name="media-rendition"),
]

urlpatterns += [path("", include(wagtail_urls))]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
handler403 = "portal.views.permission_denied"

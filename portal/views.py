import mimetypes
import time

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_safe

# Paths no search engine should crawl: the back office and the learner area (private by
# login anyway), certificate checks (a teacher's name behind a code) and search results.
ROBOTS_DISALLOW = ["/admin/", "/me/", "/verify/", "/search/", "/login/"]


@never_cache
@require_GET
def healthz(request):
    """Operators' health check: the database answers a query; tiny JSON."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse(
        {"status": "ok", "database": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
    )


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without a request context: nothing of the failing request leaks out.
    return render(None, "500.html", status=500)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """robots.txt: keep crawlers out of private areas; point them to the sitemap."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines += ["", f"Sitemap: {base}/sitemap.xml", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the static icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))


@require_GET
def media_rendition(request, name):
    """Serve one image rendition from the public rendition storage, nothing else.

    The URL resolver has decoded the path once; a name that is not a single normalised
    rendition file name (``..``, a slash or backslash, a leftover ``%``) is a 404, and the
    file is read from the rendition storage, which holds no private file.
    """
    from portal.storage import RENDITION_FOLDER, rendition_name_valid

    if not rendition_name_valid(name):
        raise Http404
    storage = storages["renditions"]
    relative = f"{RENDITION_FOLDER}/{name}"
    try:
        handle = storage.open(relative, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response

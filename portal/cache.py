"""The full-page cache for anonymous visitors of the public site (issue 17).

What is cached: the ``200`` responses of Wagtail's page view (``wagtail_serve``: every page
and the routes of routable pages — the library, its entries, notices) rendered for a request
that carried no session, no login and no ``Authorization``, whose response sets no cookie,
used no CSRF token, is not marked ``private``/``no-store``/``no-cache`` and names no
``Vary`` beyond cookies, language and encoding. Everything else — the back office, the
learner area, search (which caches its own results), documents, the certificate check,
forms — is rendered as before, untouched.

The key is the *normalised URL*: scheme, host, path and the listing filters the pages read
(``PAGE_PARAMS``), sorted. Share-tracking parameters that chat apps append (``from``,
``isappinstalled``, ``utm_*`` …) are dropped from the key *and* from the request before
the page renders, so the page is exactly a function of its key; a request with any other
parameter, or a parameter twice, bypasses the cache.

Purging: every stored page belongs to a *generation*. ``page_cache_purge()`` starts a new
generation, which all worker processes see on their next request, so nothing rendered
before the purge is served again; nothing enumerates URLs, so a listing with any filter,
the home page's "latest" block and the footer are never stale. The generation lives in
the shared cache (Redis, ``REDIS_URL``) or, when each worker has its own local-memory cache,
in a stamp file under ``var/`` that every request reads (a few microseconds). Purges
come from ``portal.signals`` (publish, unpublish, move, delete, privacy, documents, images,
site settings) and, as a safety net, every entry expires after ``TIMEOUT`` seconds (e.g.
download counts on the library move on without a purge).

A page served from the cache is the stored response of the inner middleware (the rendered
headers included); the outer middleware (``SecurityMiddleware``, the CSP) run on it as on
any other response, so both carry the same headers. Stored pages carry an ``ETag`` (a
hash of the body) and ``Last-Modified`` and are answered ``304 Not Modified`` on a match.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

# The query-string parameters the public pages read (filters and pagination). A page that
# starts reading a new one must add it here; until then a request with it is not cached.
PAGE_PARAMS = frozenset(
    {"page", "stage", "topic", "type", "audience", "sort", "kind", "theme", "status", "format"}
)
# Added by chat apps and campaign links; no page reads them.
TRACKING_PARAMS = frozenset(
    {"from", "isappinstalled", "scene", "clicktime", "enterid", "nsukey", "share_token"}
)
TRACKING_PREFIXES = ("utm_",)
# Never looked up, whatever the response would be (saves a cache round trip per request).
SKIP_PREFIXES = (
    "/admin/",
    "/me/",
    "/search/",
    "/documents/",
    "/media/",
    "/static/",
    "/healthz",
    "/login/",
    "/logout/",
    "/verify/",
    "/_util/",
)
MAX_VALUE_LENGTH = 100
STORABLE_VARY = frozenset({"cookie", "accept-language", "accept-encoding"})
GENERATION_KEY = "page-cache:generation"
# A generation that lapses is replaced by a new one: no more than a purge.
GENERATION_SECONDS = 24 * 3600
CSRF_CANARY = b"csrfmiddlewaretoken"


def _config() -> dict:
    return getattr(settings, "XINYU_PAGE_CACHE", {}) or {}


def page_cache_enabled() -> bool:
    return bool(_config().get("ENABLED", True))


def _store():
    return caches[_config().get("ALIAS", "default")]


def _timeout() -> int:
    return int(_config().get("TIMEOUT", 600))


# --- the generation ------------------------------------------------------------------------


def page_cache_generation() -> str:
    """The current generation: changes on every purge, in every worker process."""
    stamp = _config().get("STAMP_FILE")
    if stamp:
        return _stamp_read(Path(stamp))
    store = _store()
    generation = store.get(GENERATION_KEY)
    if generation is None:
        generation = secrets.token_hex(8)
        # add(): two workers starting at once agree on one generation.
        if not store.add(GENERATION_KEY, generation, timeout=GENERATION_SECONDS):
            generation = store.get(GENERATION_KEY) or generation
    return generation


def _stamp_read(path: Path) -> str:
    # A purge replaces the file with a new random token: every process reads it (a few
    # microseconds; a stat of inode and mtime alone could repeat within one clock tick).
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        _stamp_write(path)
        return path.read_text(encoding="ascii")


def _stamp_write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_text(secrets.token_hex(8), encoding="ascii")
    os.replace(tmp, path)


def _bump() -> None:
    stamp = _config().get("STAMP_FILE")
    if stamp:
        _stamp_write(Path(stamp))
    else:
        _store().set(GENERATION_KEY, secrets.token_hex(8), timeout=GENERATION_SECONDS)


def page_cache_purge() -> None:
    """Drop every cached page, for all worker processes.

    Called inside a transaction (publishing), it purges now and again once the transaction
    commits: a page rendered in between from the not yet committed data would otherwise be
    stored under the new generation.
    """
    _bump()
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        transaction.on_commit(_bump)


# --- which requests and responses --------------------------------------------------------


def _tracking(name: str) -> bool:
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _normalised_query(request) -> QueryDict | None:
    """The page parameters of the request, or None when the request is not cacheable."""
    kept = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if _tracking(name):
            continue
        if name not in PAGE_PARAMS or len(values) != 1 or len(values[0]) > MAX_VALUE_LENGTH:
            return None
        if values[0]:
            kept[name] = values[0]
    return kept


def _request_key(request) -> tuple[str, QueryDict] | None:
    if request.method not in ("GET", "HEAD") or not page_cache_enabled():
        return None
    path = request.path
    if path.startswith(SKIP_PREFIXES):
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return None
    if "HTTP_AUTHORIZATION" in request.META:
        return None
    query = _normalised_query(request)
    if query is None:
        return None
    canonical = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    url = f"{request.scheme}://{request.get_host()}{path}?{canonical}"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]
    return digest, query


def response_storable(request, response) -> bool:
    """Whether a rendered response may be kept and served to every anonymous visitor."""
    if response.status_code != 200 or response.streaming:
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "wagtail_serve":
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    if response.cookies or "Set-Cookie" in response.headers:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= STORABLE_VARY:
        return False
    if CSRF_CANARY in response.content:
        return False
    return True


# --- stored entries ------------------------------------------------------------------------


# An entry is a plain tuple (status, headers, body, last-modified timestamp): nothing of
# this module's classes is pickled into a shared cache that outlives a deployment.


def _entry_response(entry) -> tuple[HttpResponse, int]:
    status, headers, content, last_modified = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    return response, last_modified


def _validators(response, now: int) -> None:
    etag = hashlib.blake2b(response.content, digest_size=16).hexdigest()
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Last-Modified"] = http_date(now)
    # Browsers and proxies may keep the page but ask again each time (a 304 when unchanged):
    # an editor's publish is visible on the next visit.
    patch_cache_control(response, no_cache=True)


def _conditional(request, response, last_modified: int):
    return get_conditional_response(
        request, etag=response.headers["ETag"], last_modified=last_modified, response=response
    )


class PageCacheMiddleware:
    """Serve anonymous visitors' pages from the page cache; see this module's docstring.

    Sits right after the security-header middleware (which thus treat a cached page like a
    rendered one) and before the session, CSRF and authentication middleware, which a
    cached page never needs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = _request_key(request)
        if found is None:
            return self.get_response(request)
        digest, query = found
        store = _store()
        key = f"page:{page_cache_generation()}:{digest}"
        entry = store.get(key)
        if entry is not None:
            return _conditional(request, *_entry_response(entry))
        # The page renders from the parameters it is keyed by, nothing else.
        request.GET = query
        response = self.get_response(request)
        if request.method != "GET" or not response_storable(request, response):
            return response
        now = int(time.time())
        _validators(response, now)
        entry = (response.status_code, tuple(response.headers.items()), response.content, now)
        store.set(key, entry, _timeout())
        return _conditional(request, response, now)

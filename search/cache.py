"""Anonymous visitors' search results, cached per (normalised query, filters, page).

Everyone without an account sees the same results for the same words, so the whole
``Outcome`` of a search is kept in Django's cache (Redis when ``REDIS_URL`` is set) under
a key made of the normalised query, the filters, the page and a *generation* number.
Publishing, unpublishing or deleting anything searchable (``services.entry_sync`` /
``entry_delete``) and changing a promotion bump the generation, so every cached result
is dropped at once. Logged-in users are never served from it (their results depend on
who they are). The popular list and the crisis help box are added after the cache.

The search page itself (HTML or JSON) is kept rendered for anonymous visitors too
(``page_key``): under the same key plus the host and the page cache's generation, which
every change of site settings, menus or pages renews (``portal.signals``), so the crisis
help box, the footer and the menu are never stale. Pages listing "大家都在搜" (nothing was
found) are not kept; the per-visitor search count runs on every request.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from .segment import normalise

TIMEOUT = 60 * 60
GENERATION_KEY = "search:generation"


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


def key_for(*, query: str, filters: dict, page: int) -> str | None:
    """The cache key of an anonymous search, or None when the cache is switched off
    (``XINYU_SEARCH_CACHE``: the benchmark's cold runs)."""
    if not getattr(settings, "XINYU_SEARCH_CACHE", True):
        return None
    words = " ".join(normalise(query).split())
    raw = "\x1f".join([words, *(f"{k}={v}" for k, v in sorted(filters.items())), str(page)])
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"search:{generation()}:{digest}"


def page_key(*, request, query: str, filters: dict, page: int, as_json: bool) -> str | None:
    """The key of an anonymous visitor's rendered search page, or None (signed in, a
    flash message waiting, or the cache switched off)."""
    from portal.cache import page_cache_generation

    user = getattr(request, "user", None)
    if user is None or user.is_authenticated or "messages" in request.COOKIES:
        return None
    key = key_for(query=query, filters=filters, page=page)
    if key is None:
        return None
    host = hashlib.sha256(request.get_host().encode()).hexdigest()[:16]
    form = "json" if as_json else "html"
    return f"{key}:{form}:{host}:{page_cache_generation()}"


def page_storable(response) -> bool:
    """A rendered page anyone may be sent: a 200 that sets no cookie, with no CSRF token."""
    return (
        response.status_code == 200
        and not response.cookies
        and b"csrfmiddlewaretoken" not in response.content
    )


def get(key: str | None):
    return cache.get(key) if key else None


def put(key: str | None, outcome) -> None:
    if key:
        cache.set(key, outcome, TIMEOUT)


def invalidate() -> None:
    """Drop every cached search result (anything searchable changed)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)

"""Anonymous visitors' search results, cached per (normalised query, filters, page).

Everyone without an account sees the same results for the same words, so the whole
``Outcome`` of a search is kept in Django's cache (Redis when ``REDIS_URL`` is set) under
a key made of the normalised query, the filters, the page and a *generation* number.
Publishing, unpublishing or deleting anything searchable (``services.entry_sync`` /
``entry_delete``) and changing a promotion bump the generation, so every cached result
is dropped at once. Logged-in users are never served from it (their results depend on
who they are). The popular list and the crisis help box are added after the cache.
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

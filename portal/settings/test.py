"""Test settings: fast hasher, local-memory cache, immediate tasks, plain static files."""

import secrets

from .base import *  # noqa: F403
from .base import REDIS_URL, STORAGES, VAR_DIR, XINYU_PAGE_CACHE

SECRET_KEY = "test-only-secret-key-that-is-long-enough-for-checks-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The page cache is on, as in production: in local memory, or in Redis when REDIS_URL is
# set (CI runs the cache tests both ways), under a prefix of this process's own.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
}
if REDIS_URL:
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"xinyu-test-{secrets.token_hex(6)}",
    }
XINYU_PAGE_CACHE = {**XINYU_PAGE_CACHE, "ENABLED": True, "STAMP_FILE": None}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True

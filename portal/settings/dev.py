"""Local development: DEBUG on, a throwaway secret key, plain static storage."""

from .base import *  # noqa: F403
from .base import STORAGES, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-insecure-not-for-production"  # noqa: F405
ALLOWED_HOSTS = ["*"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

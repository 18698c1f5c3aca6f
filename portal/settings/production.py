"""Production: DEBUG off; the secret key comes from the environment or var/secret_key."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False

if not SECRET_KEY:  # noqa: F405
    key_file = os.environ.get("DJANGO_SECRET_KEY_FILE", str(VAR_DIR / "secret_key"))
    try:
        with open(key_file, encoding="utf-8") as fh:
            SECRET_KEY = fh.read().strip()
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY, or put a key in var/secret_key (make run creates one)."
        ) from exc

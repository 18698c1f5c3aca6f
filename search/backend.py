"""Which search backend is in use."""

from django.conf import settings


def using_elasticsearch() -> bool:
    backend = settings.WAGTAILSEARCH_BACKENDS.get("default", {}).get("BACKEND", "")
    return "elasticsearch" in backend

"""Every POST form the portal renders carries the CSRF token (a browser could not send it
otherwise: the test client skips the check unless told to enforce it)."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.csrf import post_forms

pytestmark = pytest.mark.django_db


def _plain_urls(patterns=None, prefix=""):
    """Every route without a URL parameter (paths only), learner area and back office."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if "<" in route or "(?P" in route:
                continue
            yield from _plain_urls(entry.url_patterns, prefix + route.lstrip("^"))
        elif isinstance(entry, URLPattern):
            if "<" in route or "(?P" in route or "\\" in route or "*" in route:
                continue
            path = "/" + prefix + route.lstrip("^").rstrip("$")
            if any(
                part in path
                for part in ("logout", "healthz", "export", "media/", "static/", "failwhale")
            ):
                continue
            yield path


@pytest.mark.parametrize("role", ["teacher", "school_admin", "psych_teacher", "bureau_admin"])
def test_every_post_form_rendered_carries_the_token(world, home, role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])
    pages = sorted(set(_plain_urls())) + [reverse("lessons:new")]
    checked = 0
    for path in pages:
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        for action, token in post_forms(html):
            checked += 1
            assert token, f"{path}: a POST form (action={action!r}) has no CSRF token"
    assert checked >= 5  # the crawl did reach forms

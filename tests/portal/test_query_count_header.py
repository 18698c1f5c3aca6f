"""The measuring-only SQL query count header (``XINYU_QUERY_COUNT_HEADER``, bench/province.py):
off by default, and when on it counts every query of the request."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

MIDDLEWARE = "portal.middleware.QueryCountHeaderMiddleware"
ROOT = Path(__file__).resolve().parents[2]


def test_the_header_is_off_by_default(settings):
    assert MIDDLEWARE not in settings.MIDDLEWARE


@pytest.mark.django_db
def test_the_header_counts_the_requests_queries(client, settings, django_assert_num_queries):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    with django_assert_num_queries(1):  # /healthz runs one SELECT 1
        response = client.get("/healthz")
    assert response["X-Query-Count"] == "1"
    assert float(response["X-Query-Time-Ms"]) >= 0


@pytest.mark.django_db
def test_the_header_counts_the_middlewares_queries_too(client, settings, django_user_model):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    user = django_user_model.objects.create_user("reader", password="x")
    client.force_login(user)
    response = client.get("/healthz")
    # The session and the user are loaded by middleware, before the view's SELECT 1.
    assert int(response["X-Query-Count"]) >= 3


@pytest.mark.parametrize(("value", "first"), [("1", True), ("0", False)])
def test_the_setting_puts_it_first_in_the_stack(value, first):
    env = {**os.environ, "XINYU_QUERY_COUNT_HEADER": value}
    code = "from portal.settings import test; print(test.MIDDLEWARE[0])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert (out == MIDDLEWARE) is first

"""/healthz: the operators' check that the app and its database answer."""

from unittest import mock

import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_healthz_answers_ok_json_when_the_database_works(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert isinstance(body["ms"], float)


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client):
    with mock.patch(
        "portal.views.connection.cursor", side_effect=OperationalError("database is locked")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    # The failure's details stay in the server, not in the answer.
    assert "locked" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_is_never_cached(client):
    response = client.get("/healthz")
    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "must-revalidate", "max-age=0"):
        assert directive in cache_control
    assert "Expires" in response


@pytest.mark.django_db
def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405

"""A download is served even when the database is too busy to count it right away."""

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.models.query import QuerySet

from portal import dbwait
from resources import services
from resources.models import XinyuDocument
from tests.resources.factories import docx_bytes, make_document


@pytest.fixture(autouse=True)
def _nothing_owed():
    services._uncounted.clear()
    yield
    services._uncounted.clear()


def count_of(doc):
    return XinyuDocument.objects.get(pk=doc.pk).download_count


@pytest.fixture
def locked(monkeypatch):
    """Every attempt to count meets a database locked by another writer."""
    attempts = []
    update = QuerySet.update

    def busy(self, **kwargs):
        if self.model is XinyuDocument and "download_count" in kwargs:
            attempts.append(1)
            raise OperationalError("database is locked")
        return update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", busy)
    monkeypatch.setattr(dbwait.time, "sleep", lambda seconds: None)
    return attempts


@pytest.mark.django_db
def test_download_is_served_while_the_count_cannot_be_written(client, locked, monkeypatch):
    doc = make_document(title="教案", filename="plan.docx", content=docx_bytes())
    response = client.get(doc.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert len(locked) == dbwait.ATTEMPTS  # a short retry, then given up
    assert count_of(doc) == 0
    assert services.downloads_uncounted() == {doc.pk: 1}
    assert client.get(doc.url).status_code == 200
    assert services.downloads_uncounted() == {doc.pk: 2}
    # The lock is gone: the next download counts itself and the two owed ones.
    monkeypatch.undo()
    assert client.get(doc.url).status_code == 200
    assert count_of(doc) == 3
    assert services.downloads_uncounted() == {}


@pytest.mark.django_db
def test_each_attempt_waits_only_briefly_and_the_timeout_is_put_back():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's busy timeout")
    doc = make_document()
    seen = []

    def write():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            seen.append(cursor.fetchone()[0])
        XinyuDocument.objects.filter(pk=doc.pk).update(download_count=5)

    assert dbwait.write_briefly(write, what="test")
    assert seen == [dbwait.WAIT_MS]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == connection.settings_dict["OPTIONS"]["timeout"] * 1000
    assert count_of(doc) == 5


@pytest.mark.django_db(transaction=True)
def test_download_while_another_transaction_holds_the_row(client, root_ready):
    """PostgreSQL: another transaction holds the document's row; the download does not wait
    for it, and the count arrives with a later download."""
    if connection.vendor != "postgresql":
        pytest.skip("a row lock held by another connection needs PostgreSQL")
    doc = make_document(filename="plan.docx", content=docx_bytes())
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                XinyuDocument.objects.select_for_update().get(pk=doc.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        response = client.get(doc.url)
        assert response.status_code == 200
        assert release.is_set() is False  # served while the row was still held
        assert services.downloads_uncounted() == {doc.pk: 1}
    finally:
        release.set()
        holder.join(timeout=30)
    assert client.get(doc.url).status_code == 200
    assert count_of(doc) == 2

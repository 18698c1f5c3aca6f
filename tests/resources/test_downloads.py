import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources.models import XinyuDocument
from resources.services import document_download_record, teachers_collection_ensure
from resources.vocab import Audience
from schools.vocab import Role
from tests.factories import UserFactory, make_member
from tests.resources.factories import docx_bytes, make_document

pytestmark = pytest.mark.django_db


def count_of(doc):
    return XinyuDocument.objects.get(pk=doc.pk).download_count


def test_public_download_is_an_attachment_and_counted(client):
    doc = make_document(title="教案", filename="plan.docx", content=docx_bytes())
    response = client.get(doc.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:2] == b"PK"
    client.get(doc.url)
    assert count_of(doc) == 2


def test_pdf_is_not_shown_inline():
    doc = make_document(filename="a.pdf")
    assert doc.content_disposition.startswith("attachment;")


def test_teachers_only_file_sends_anonymous_visitors_to_login(client):
    doc = make_document(audience=Audience.TEACHERS)
    assert doc.collection == teachers_collection_ensure()
    response = client.get(doc.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert count_of(doc) == 0


def test_teacher_gets_the_file_and_it_is_counted(client):
    doc = make_document(audience=Audience.TEACHERS, filename="slides.docx", content=docx_bytes())
    client.force_login(make_member(Role.TEACHER))
    response = client.get(doc.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert count_of(doc) == 1


def test_account_without_membership_is_refused(client):
    doc = make_document(audience=Audience.TEACHERS)
    client.force_login(UserFactory())
    response = client.get(doc.url)
    assert response.status_code == 403
    assert count_of(doc) == 0


def test_count_is_a_single_atomic_update():
    doc = make_document()
    with CaptureQueriesContext(connection) as ctx:
        document_download_record(document=doc)
    # Besides the short lock wait being set and put back, one UPDATE … n = n + 1.
    [sql] = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert '"download_count" = (' in sql and "+ 1" in sql
    assert count_of(doc) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_downloads_lose_no_counts(root_ready):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (the SQLite test DB is in memory)")
    doc = make_document()
    barrier = threading.Barrier(8)

    def download():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            for _ in range(10):
                document_download_record(document=doc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=download) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count_of(doc) == 80


def test_two_concurrent_downloads_via_the_serve_view():
    """Two clients download at once (interleaved requests): both are counted."""
    from django.test import Client

    doc = make_document()
    a, b = Client(), Client()
    ra, rb = a.get(doc.url), b.get(doc.url)
    assert ra.status_code == rb.status_code == 200
    assert count_of(doc) == 2


def test_school_internal_document_is_for_that_school_only(client):
    from resources.services import school_collection_ensure
    from tests.factories import SchoolFactory

    school, other = SchoolFactory(), SchoolFactory()
    doc = make_document(
        title="本校心理健康状况报告制度",
        collection=school_collection_ensure(school=school),
        school=school,
        listed=False,
    )
    assert client.get(doc.url).status_code == 302  # anonymous → login
    client.force_login(make_member(Role.TEACHER, school=other))
    assert client.get(doc.url).status_code == 403
    client.force_login(make_member(Role.TEACHER, school=school))
    assert client.get(doc.url).status_code == 200
    client.force_login(make_member(Role.BUREAU_AUDITOR))
    assert client.get(doc.url).status_code == 200
    assert count_of(doc) == 2


def test_school_admins_manage_only_their_own_schools_documents(client):
    from resources.services import school_collection_ensure, school_editors_sync
    from tests.factories import SchoolFactory

    school, other = SchoolFactory(name="临澜实验小学"), SchoolFactory(name="城南中学")
    ours = make_document(
        title="实验小学工作方案", collection=school_collection_ensure(school=school), school=school
    )
    theirs = make_document(
        title="城南中学工作方案", collection=school_collection_ensure(school=other), school=other
    )
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    school_editors_sync(user=admin)
    client.force_login(admin)
    listing = client.get("/admin/documents/").content.decode()
    assert "实验小学工作方案" in listing and "城南中学工作方案" not in listing
    assert client.get(f"/admin/documents/edit/{ours.pk}/").status_code == 200
    assert client.get(f"/admin/documents/edit/{theirs.pk}/").status_code in (302, 403, 404)

"""Responses holding personal data are never stored by a browser or proxy (issue 12, 11)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.training import services as training_services
from resources.vocab import Audience
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member
from tests.resources.factories import make_document

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    parts = {p.strip() for p in response.get("Cache-Control", "").split(",")}
    return "no-store" in parts and "public" not in parts


@pytest.fixture
def evidence():
    school = SchoolFactory()
    teacher = make_member(Role.TEACHER, school=school)
    submission = training_services.external_submit(
        teacher=teacher,
        title="专题研修",
        provider="研修平台",
        completed_on=datetime.date.today() - datetime.timedelta(days=2),
        hours="3",
        evidence=SimpleUploadedFile("cert.pdf", b"%PDF-1.4 evidence"),
    )
    return {"teacher": teacher, "submission": submission, "school": school}


def test_training_evidence_download_is_not_stored(client, evidence):
    url = f"/me/training/external/{evidence['submission'].pk}/evidence/"
    client.force_login(evidence["teacher"])
    response = client.get(url)
    assert response.status_code == 200
    assert _no_store(response)
    reviewer = make_member(Role.SCHOOL_ADMIN, school=evidence["school"])
    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200 and _no_store(response)


def test_teachers_only_document_download_is_not_stored(client, home, evidence):
    doc = make_document(title="教师专用", filename="t.pdf", audience=Audience.TEACHERS)
    client.force_login(evidence["teacher"])
    response = client.get(doc.url)
    assert response.status_code == 200 and _no_store(response)


@pytest.mark.parametrize("path", ["/me/", "/me/training/", "/admin/"])
def test_signed_in_pages_are_not_stored(client, home, evidence, path):
    client.force_login(make_member(Role.SCHOOL_ADMIN, school=evidence["school"]))
    response = client.get(path)
    assert response.status_code == 200
    assert _no_store(response)

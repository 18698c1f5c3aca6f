"""No uploaded file comes back through ``/media/`` except image renditions (issue 12, item 1).

Every file stored by any FileField of any model — documents (teachers-only and a school's
internal files), original images, training evidence, report attachments — is requested with
every traversal spelling an attacker tried; none of its bytes may come back.
"""

import datetime
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from PIL import Image

from courses.training import services as training_services
from oversight.models import Answer, Question, Submission
from resources.models import XinyuImage
from resources.vocab import Audience, ResourceType
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member
from tests.oversight.factories import make_campaign
from tests.resources.factories import make_document


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def stored_files(db):
    """One file of every kind the portal stores, each with distinctive content."""
    school = SchoolFactory()
    teacher = make_member(Role.TEACHER, school=school)
    make_document(
        title="教师专用教案",
        filename="teachers-only.pdf",
        content=b"%PDF-1.4 TEACHERS-ONLY-LESSON-PLAN-SECRET",
        audience=Audience.TEACHERS,
    )
    make_document(
        title="学校内部工作计划",
        filename="work-plan.pdf",
        content=b"%PDF-1.4 SCHOOL-INTERNAL-WORK-PLAN-SECRET",
        resource_type=ResourceType.OTHER,
        school=school,
        listed=False,
    )
    image = XinyuImage.objects.create(
        title="海报", file=ContentFile(_png(), name="poster.png"), width=40, height=30
    )
    rendition = image.get_rendition("width-20")
    training_services.external_submit(
        teacher=teacher,
        title="专题研修",
        provider="研修平台",
        completed_on=datetime.date.today() - datetime.timedelta(days=2),
        hours="3",
        evidence=SimpleUploadedFile("cert.pdf", b"%PDF-1.4 TRAINING-EVIDENCE-SECRET"),
    )
    campaign = make_campaign(schools=[school])
    submission, _ = Submission.objects.get_or_create(campaign=campaign, school=school)
    answer = Answer(submission=submission, question=campaign.questions.get(kind=Question.Kind.FILE))
    answer.file.save("summary.pdf", ContentFile(b"%PDF-1.4 REPORT-ATTACHMENT-SECRET"), save=False)
    answer.save()
    return {"rendition": rendition}


def _every_stored_file():
    """(model label, stored name, bytes) of every file any FileField of any model holds."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.get_fields() if isinstance(f, models.FileField)]
        for field in fields:
            for obj in model.objects.exclude(**{field.name: ""}):
                fieldfile = getattr(obj, field.name)
                with fieldfile.open("rb") as fh:
                    found.append((model._meta.label, fieldfile.name, fh.read()))
    return found


def _spellings(name: str) -> list[str]:
    """The traversal spellings of ``name`` (a stored name such as ``documents/x.pdf``)."""
    back = name.replace("/", "\\")
    enc_back = name.replace("/", "%5c")
    enc_slash = name.replace("/", "%2f")
    urls = [
        f"/media/{name}",
        f"/media/images/../{name}",
        f"/media/images/..%2f{name}",
        f"/media/images/..%2F{enc_slash}",
        f"/media/images/%2e%2e/{name}",
        f"/media/images/%2e%2e%2f{name}",
        f"/media/images/%2E%2E%2F{enc_slash}",
        f"/media/images/..\\{back}",
        f"/media/images/..%5c{enc_back}",
        f"/media/images/..%5C{name}",
        f"/media/original_images/..%2f{name}",
        f"/media/original_images/%2e%2e%2f{name}",
        f"/media/images/..%252f{name}",
        f"/media/images/%252e%252e%252f{name}",
        f"/media/images/%25252e%25252e%25252f{name}",
        f"/media/images/.%2e/{name}",
        f"/media/images/..%c0%af{name}",
        f"/media/images//../{name}",
        f"/media/images/x/../../{name}",
        f"/media/images/..%2f..%2fmedia%2f{name}",
        f"/media/images/..%2f..%2fprivate%2f{name}",
    ]
    if name.startswith("original_images/"):
        urls.append(f"/media/{name}")
        urls.append("/media/images/" + name.split("/", 1)[1])
    return urls


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_no_stored_file_comes_back_through_media(client, stored_files):
    files = _every_stored_file()
    kinds = {label for label, _, _ in files}
    # Every kind of private upload is covered, so this test cannot pass by finding nothing.
    assert {
        "resources.XinyuDocument",
        "resources.XinyuImage",
        "courses.ExternalTraining",
        "oversight.Answer",
        "resources.XinyuRendition",
    } <= kinds
    leaks = []
    for label, name, content in files:
        if label == "resources.XinyuRendition":
            continue  # renditions are public by design (checked below)
        for url in _spellings(name):
            response = client.get(url)
            body = _body(response)
            if response.status_code == 200 or content in body:
                leaks.append((label, url, response.status_code))
    assert leaks == []


def test_private_files_are_not_under_the_served_media_root(settings, stored_files):
    for label, name, _content in _every_stored_file():
        in_media = (Path(settings.MEDIA_ROOT) / name).exists()
        in_private = (Path(settings.PRIVATE_MEDIA_ROOT) / name).exists()
        if label == "resources.XinyuRendition":
            assert in_media and not in_private, name
        else:
            assert in_private and not in_media, (label, name)


def test_renditions_are_still_served(client, stored_files):
    rendition = stored_files["rendition"]
    assert rendition.url.startswith("/media/images/")
    response = client.get(rendition.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    with rendition.file.open("rb") as fh:
        assert _body(response) == fh.read()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["..", ".hidden.png", "a..png", "x%2e.png", "x\\y.png", "notes.txt", "page.html", ""],
)
def test_rendition_names_that_are_not_normalised_are_refused(client, settings, name):
    (Path(settings.MEDIA_ROOT) / "images").mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / "images" / "notes.txt").write_text("not an image")
    response = client.get(f"/media/images/{name}")
    assert response.status_code == 404


@pytest.mark.django_db
def test_existing_files_move_to_private_storage_and_stay_readable(settings, client):
    """An installation from before private storage: its uploads sit under MEDIA_ROOT."""
    from portal.storage import private_files_move

    media = Path(settings.MEDIA_ROOT)
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "old.pdf").write_bytes(b"%PDF-1.4 OLD-DOCUMENT")
    (media / "original_images").mkdir()
    (media / "original_images" / "old.png").write_bytes(_png())
    (media / "images").mkdir()
    (media / "images" / "old.width-20.png").write_bytes(_png())

    assert private_files_move() == 2
    assert private_files_move() == 0  # idempotent
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    assert (private / "documents" / "old.pdf").read_bytes() == b"%PDF-1.4 OLD-DOCUMENT"
    assert (private / "original_images" / "old.png").exists()
    assert not (media / "documents").exists() and not (media / "original_images").exists()
    assert (media / "images" / "old.width-20.png").exists()
    assert client.get("/media/images/..%2fdocuments/old.pdf").status_code == 404
    assert client.get("/media/images/old.width-20.png").status_code == 200

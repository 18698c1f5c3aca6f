"""An upload the server cannot write (media folder unwritable, disk full) is a clear Chinese
form error; nothing is half-written: no record, no partial file, an old file kept."""

import datetime
import errno

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Collection

from courses.models import ExternalTraining
from portal import storage
from resources.models import XinyuDocument
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member
from tests.resources.factories import docx_bytes

pytestmark = pytest.mark.django_db

MESSAGE = "文件没有保存：服务器的文件存储目录暂时无法写入"


@pytest.fixture
def unwritable(settings, tmp_path):
    """The private media folder cannot be created or written: its parent is a plain file
    (a permission bit would not stop the root user the tests may run as)."""
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"
    return blocker


def _files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []


def _evidence():
    return SimpleUploadedFile("cert.pdf", b"%PDF-1.4 test", "application/pdf")


def _external_post(client):
    return client.post(
        reverse("training:external_new"),
        {
            "title": "中小学心理健康教育专题研修",
            "provider": "国家智慧教育公共服务平台",
            "completed_on": (datetime.date.today() - datetime.timedelta(days=3)).isoformat(),
            "hours": "4",
            "evidence": _evidence(),
        },
    )


def test_training_evidence_to_an_unwritable_folder_is_a_form_error(client, unwritable):
    client.force_login(make_member(Role.TEACHER, school=SchoolFactory()))
    response = _external_post(client)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not ExternalTraining.objects.exists()
    assert unwritable.read_text() == "not a folder"


def test_a_folder_that_fails_after_the_check_is_still_a_form_error(client, unwritable, monkeypatch):
    """The folder was writable while the form was checked, not when the file was saved."""
    monkeypatch.setattr(storage, "upload_problem", lambda **kwargs: None)
    client.force_login(make_member(Role.TEACHER, school=SchoolFactory()))
    response = _external_post(client)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not ExternalTraining.objects.exists()


def test_a_write_failing_half_way_leaves_no_partial_file(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"

    class DiskFull(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"x" * 1024
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(storage.UploadNotSaved) as failed:
        default_storage.save("training-evidence/cert.pdf", DiskFull(b"", name="cert.pdf"))
    assert MESSAGE in str(failed.value)
    assert _files_under(tmp_path / "private") == []
    # A whole file goes in under its name, with nothing left beside it.
    name = default_storage.save("training-evidence/cert.pdf", ContentFile(b"%PDF-1.4 ok"))
    assert [p.name for p in _files_under(tmp_path / "private")] == [name.rsplit("/", 1)[-1]]
    assert default_storage.open(name).read() == b"%PDF-1.4 ok"


def test_back_office_document_upload_to_an_unwritable_folder(admin_client, unwritable):
    response = admin_client.post(
        "/admin/documents/add/",
        {
            "title": "新教案",
            "file": SimpleUploadedFile("plan.docx", docx_bytes()),
            "collection": Collection.get_first_root_node().pk,
            "resource_type": "lesson_plan",
            "stages": ["primary"],
            "audience": "public",
        },
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not XinyuDocument.objects.filter(title="新教案").exists()


def test_back_office_document_whose_write_fails_later_is_a_clear_page(
    admin_client, unwritable, monkeypatch
):
    monkeypatch.setattr(storage, "upload_problem", lambda **kwargs: None)
    response = admin_client.post(
        "/admin/documents/add/",
        {
            "title": "新教案",
            "file": SimpleUploadedFile("plan.docx", docx_bytes()),
            "collection": Collection.get_first_root_node().pk,
            "resource_type": "lesson_plan",
            "stages": ["primary"],
            "audience": "public",
        },
    )
    assert response.status_code == 503
    body = response.content.decode()
    assert "文件没有保存" in body and "没有保存任何内容" in body
    assert not XinyuDocument.objects.filter(title="新教案").exists()


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_back_office_image_upload(admin_client, settings, tmp_path):
    from resources.models import XinyuImage

    data = {"title": "海报", "collection": Collection.get_first_root_node().pk}
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"
    response = admin_client.post(
        "/admin/images/add/", {**data, "file": SimpleUploadedFile("p.png", _png(), "image/png")}
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not XinyuImage.objects.exists()
    # With a writable folder the same form stores the image (the form still works).
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    response = admin_client.post(
        "/admin/images/add/", {**data, "file": SimpleUploadedFile("p.png", _png(), "image/png")}
    )
    assert response.status_code == 302
    assert XinyuImage.objects.get().title == "海报"

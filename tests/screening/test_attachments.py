"""Archive attachments: private storage, a hard size limit while streaming, allowed types,
downloads only through the permission-checked, logged view."""

import pathlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from schools.models import AccessLog
from screening import services
from screening.models import Attachment
from tests.csrf import form_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def referral(world):
    return services.referral_record(
        student=world.own,
        user=world.psych,
        institution="市精神卫生中心",
        referred_on=timezone.localdate(),
        reason="持续低落",
    )


def _upload(client, world, referral, content, name="同意书.pdf", kind="consent"):
    archive = reverse("screening:archive", args=[world.own.pk])
    token = form_token(client.get(archive))
    return client.post(
        reverse("screening:archive_add", args=[world.own.pk, "attach"]),
        {
            "csrfmiddlewaretoken": token,
            "owner": f"referral:{referral.pk}",
            "kind": kind,
            "file": SimpleUploadedFile(name, content),
        },
        follow=True,
    )


@pytest.mark.django_db
def test_psych_teacher_uploads_and_downloads_a_private_file(world, referral):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.psych)
    response = _upload(client, world, referral, PDF)
    assert "已上传附件" in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.referral == referral and attachment.school == world.a
    path = pathlib.Path(attachment.file.path).resolve()
    assert pathlib.Path(settings.PRIVATE_MEDIA_ROOT).resolve() in path.parents
    assert pathlib.Path(settings.MEDIA_ROOT).resolve() not in path.parents
    assert "同意书" not in path.name  # stored under a random name
    url = reverse("screening:attachment", args=[attachment.pk])
    assert url in response.content.decode()  # the timeline links it
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]
    assert AccessLog.objects.filter(
        object_type="screening.attachment", action="download", allowed=True
    ).exists()


@pytest.mark.django_db
def test_anonymous_and_out_of_scope_users_get_no_file(world, referral):
    attachment = services.attachment_add(
        student=world.own,
        owner=referral,
        kind="medical",
        upload=SimpleUploadedFile("诊断.pdf", PDF),
        user=world.psych,
    )
    url = reverse("screening:attachment", args=[attachment.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 403, 404) and not getattr(anonymous, "streaming", False)
    for user, status in (
        (world.psych_b, 404),  # another school's psychology teacher
        (world.class_teacher, 403),  # no archive capability at all
        (world.school_admin, 403),
        (world.leader, 404),  # a leader reaches serious cases only
    ):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        assert not getattr(response, "streaming", False)
    assert AccessLog.objects.filter(object_type="screening.attachment", allowed=False).count() >= 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("脚本.exe", b"MZ\x90\x00", "不是 PDF、JPG 或 PNG 文件"),
        ("假的.pdf", b"<html><script>", "内容与扩展名 .pdf 不符"),
        ("空.png", b"", "空"),
    ],
)
def test_wrong_files_are_refused_with_a_message(world, referral, name, content, message):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.psych)
    body = _upload(client, world, referral, content, name=name).content.decode()
    assert message in body
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_limit_is_dropped_while_streaming(world, referral, monkeypatch, tmp_path):
    from portal import uploads

    seen = []
    original = uploads.LimitedUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        seen.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(uploads.LimitedUploadHandler, "receive_data_chunk", spy)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.psych)
    big = PDF + b"0" * (services.ATTACHMENT_MAX_BYTES + 1)
    body = _upload(client, world, referral, big).content.decode()
    assert "超过 10 MB 的上限" in body
    assert not Attachment.objects.exists()
    # Reading stopped passing bytes on as soon as the limit was passed.
    assert sum(seen) <= services.ATTACHMENT_MAX_BYTES + max(seen)
    assert not any(pathlib.Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.pdf"))


@pytest.mark.django_db
def test_upload_needs_the_csrf_token(world, referral):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.psych)
    response = client.post(
        reverse("screening:archive_add", args=[world.own.pk, "attach"]),
        {
            "owner": f"referral:{referral.pk}",
            "kind": "consent",
            "file": SimpleUploadedFile("a.pdf", PDF),
        },
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_deleting_the_students_records_removes_the_files(
    world, referral, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        student=world.own,
        owner=referral,
        kind="return",
        upload=SimpleUploadedFile("复学.pdf", PDF),
        user=world.psych,
    )
    path = pathlib.Path(attachment.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.student_records_delete(student_ids=[world.own.pk])
    assert counts["附件"] == 1
    assert not path.exists()

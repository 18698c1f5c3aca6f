"""A report attachment that cannot be written is a form error, and the file uploaded
before stays (it used to be deleted before the new one was written)."""

import errno

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from oversight.models import Submission
from portal import storage


def _post(client, url, question, name, data, capture):
    with capture(execute=True):
        return client.post(
            url, {f"q_{question.pk}": SimpleUploadedFile(name, data, "application/pdf")}
        )


def test_a_failed_replacement_keeps_the_old_attachment(
    client, campaign, school, leader, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    url = reverse("oversight:edit", args=[campaign.pk, school.pk])
    question = campaign.questions.get(kind="file")
    capture = django_capture_on_commit_callbacks
    assert _post(client, url, question, "总结.pdf", b"%PDF-1.4 old", capture).status_code == 302
    answer = Submission.objects.get(campaign=campaign, school=school).answers.get(question=question)
    old_name = answer.file.name

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # The folder passed the form's check, then the disk filled up.
    monkeypatch.setattr(storage, "upload_problem", lambda **kwargs: None)
    monkeypatch.setattr(storage.tempfile, "mkstemp", disk_full)
    response = _post(client, url, question, "新总结.pdf", b"%PDF-1.4 new", capture)
    assert response.status_code == 200
    assert "文件没有保存：服务器的文件存储目录暂时无法写入" in response.content.decode()
    answer.refresh_from_db()
    assert (answer.file.name, answer.file_name) == (old_name, "总结.pdf")
    assert answer.file.storage.exists(old_name)
    monkeypatch.undo()
    download = client.get(reverse("oversight:answer_file", args=[answer.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 old"
    # A replacement that goes through removes the old file once saved.
    assert _post(client, url, question, "新总结.pdf", b"%PDF-1.4 new", capture).status_code == 302
    answer.refresh_from_db()
    assert answer.file_name == "新总结.pdf" and not answer.file.storage.exists(old_name)

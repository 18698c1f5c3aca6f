"""Attachments of a student's archive: consent slips, medical letters, return-to-school
certificates on an archive entry, a referral or a return plan.

Files go to private storage (``portal.storage.PrivateStorage``: no URL) under a random name;
they are read only by ``screening.views.attachment_download`` after a scope check. The size
limit is enforced twice: while the request body streams (``portal.uploads.upload_limit``)
and here.
"""

from __future__ import annotations

from django.db import transaction

from portal.storage import UploadNotSaved
from portal.uploads import attached_file_problem

from ..models import ArchiveEntry, Attachment, Referral, ReturnPlan
from .common import ScreeningError

#: The largest attachment accepted (bytes).
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
#: Allowed extensions (the content must match, ``portal.uploads.FILE_SIGNATURES``).
ATTACHMENT_KINDS = ("pdf", "jpg", "jpeg", "png")


def attachment_check(*, upload, limit: int = ATTACHMENT_MAX_BYTES) -> str:
    """The file's extension, or ScreeningError naming the file and the problem."""
    problem = attached_file_problem(
        upload=upload, kinds=ATTACHMENT_KINDS, max_bytes=limit, described="PDF、JPG 或 PNG"
    )
    if problem:
        raise ScreeningError([f"附件：{problem}"])
    return upload.name.rsplit(".", 1)[-1].lower()


def attachment_add(*, student, owner, kind: str, upload, user) -> Attachment:
    """Attach ``upload`` to ``owner`` (an ArchiveEntry, Referral or ReturnPlan of ``student``)."""
    if kind not in Attachment.Kind.values:
        raise ScreeningError(["附件类别：请选择知情同意书、医疗证明、复学证明或其他。"])
    owner_field = {ArchiveEntry: "entry", Referral: "referral", ReturnPlan: "return_plan"}.get(
        type(owner)
    )
    if owner_field is None:
        raise ScreeningError(["附件：请选择要附加到的记录。"])
    attachment_check(upload=upload)
    attachment = Attachment(
        student=student,
        school_id=student.school_id,
        kind=kind,
        name=upload.name.rsplit("/", 1)[-1][:200],
        size=upload.size,
        uploaded_by=user,
        **{owner_field: owner},
    )
    try:
        with transaction.atomic():
            attachment.file.save(upload.name, upload, save=False)
            attachment.save()
    except UploadNotSaved as exc:
        raise ScreeningError([f"附件：{exc}"]) from None
    except Exception:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_files_delete(*, names) -> None:
    """Remove stored files whose rows are gone (called after the deleting transaction)."""
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)

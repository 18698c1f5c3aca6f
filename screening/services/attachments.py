"""Attachments of a student's archive: consent slips, medical letters, return-to-school
certificates on an archive entry, a referral or a return plan.

Files go to private storage (``portal.storage.PrivateStorage``: no URL) under a random name;
they are read only by ``screening.views.attachment_download`` after a scope check. The size
limit is enforced twice: while the request body streams (``portal.uploads.upload_limit``)
and here.
"""

from __future__ import annotations

from django.db import transaction
from django.template.defaultfilters import filesizeformat

from portal.storage import UploadNotSaved

from ..models import ArchiveEntry, Attachment, Referral, ReturnPlan
from .common import ScreeningError

#: The largest attachment accepted (bytes).
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
#: Allowed extensions and the bytes each kind of file starts with.
ATTACHMENT_TYPES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
CONTENT_TYPES["png"] = "image/png"


def attachment_check(*, upload, limit: int = ATTACHMENT_MAX_BYTES) -> str:
    """The file's extension, or ScreeningError naming the file and the problem."""
    name = (getattr(upload, "name", "") or "文件").rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ATTACHMENT_TYPES:
        raise ScreeningError([f"附件：“{name}”不是 PDF、JPG 或 PNG 文件。"])
    if upload.size > limit:
        raise ScreeningError(
            [f"附件：“{name}”大小为 {filesizeformat(upload.size)}，超过 {filesizeformat(limit)}。"]
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head:
        raise ScreeningError([f"附件：“{name}”是空文件。"])
    if not head.startswith(ATTACHMENT_TYPES[ext]):
        raise ScreeningError([f"附件：“{name}”的内容与扩展名 .{ext} 不符，请上传真正的文件。"])
    return ext


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

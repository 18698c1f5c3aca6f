"""A hard limit on uploaded files, enforced while the request body is read.

``upload_limit(max_bytes)`` decorates a view: a file part larger than ``max_bytes`` is dropped
as soon as its bytes pass the limit (no more of it is kept in memory or on disk), the rest of
the form is still read, and the view finds the names of the dropped files in
``request.uploads_too_large`` to tell the user. A form's own size check after the fact stays
as a second guard.

Upload handlers can only change before the body is read, and the CSRF middleware reads it;
so the decorated view is exempt from the middleware and checks the token itself
(``csrf_protect``) once the handler is in place: the protection is the same.
"""

from __future__ import annotations

from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.views.decorators.csrf import csrf_exempt, csrf_protect


class LimitedUploadHandler(FileUploadHandler):
    """Counts each file's bytes as they arrive; past the limit, the file is skipped."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            dropped = getattr(self.request, "uploads_too_large", [])
            dropped.append(self.file_name)
            self.request.uploads_too_large = dropped
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_limit(max_bytes: int):
    """View decorator: files over ``max_bytes`` are dropped while streaming (see above)."""

    def decorate(view):
        protected = csrf_protect(view)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            request.uploads_too_large = []
            request.upload_handlers.insert(0, LimitedUploadHandler(request, max_bytes))
            return protected(request, *args, **kwargs)

        return csrf_exempt(wrapped)

    return decorate


# --- what an attached file may be ---------------------------------------------------------

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
#: Extension → the bytes such a file starts with (its content must match its name).
FILE_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": _ZIP,
    "xlsx": _ZIP,
    "doc": _OLE,
    "xls": _OLE,
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "csv": "text/csv; charset=utf-8",
}


def attached_file_problem(*, upload, kinds: tuple[str, ...], max_bytes: int, described: str):
    """Why ``upload`` is refused as an attachment (a Chinese sentence naming the file), or
    None: its extension must be one of ``kinds`` (``described`` says which, e.g. “PDF、JPG 或
    PNG”), its size at most ``max_bytes``, it must not be empty and its first bytes must be
    what such a file starts with. The one rule for every private attachment."""
    from django.template.defaultfilters import filesizeformat

    name = (getattr(upload, "name", "") or "文件").rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in kinds:
        return f"“{name}”不是 {described} 文件。"
    if upload.size > max_bytes:
        return f"“{name}”大小为 {filesizeformat(upload.size)}，超过 {filesizeformat(max_bytes)}。"
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head:
        return f"“{name}”是空文件。"
    if not head.startswith(FILE_SIGNATURES[ext]):
        return f"“{name}”的内容与扩展名 .{ext} 不符，请上传真正的文件。"
    return None

"""One way to name a download: every file or export response is named here.

Browsers read RFC 6266's ``filename*=UTF-8''…`` and save the Chinese name
(``教案-七年级-挫折教育-第1课.docx``); the plain ``filename=`` beside it is an ASCII
fallback for old clients. Names are cleaned of characters Windows, macOS or a header
cannot carry.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse

from django.http import HttpResponse

# Characters no file system or header accepts, and separators people type in titles.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f：；;，,、\s（）()《》【】\[\]「」“”‘’\'`]+')
_DASHES = re.compile(r"-{2,}")
MAX_NAME = 120


def filename_clean(name: str, *, default: str = "download") -> str:
    """A file name from free text: unsafe characters become "-", the extension is kept."""
    name = unicodedata.normalize("NFC", name or "").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot or not ext.isascii() or not ext.isalnum() or len(ext) > 8:
        stem, ext = name, ""
    stem = _DASHES.sub("-", _UNSAFE.sub("-", stem)).strip("-.")[:MAX_NAME] or default
    return f"{stem}.{ext.lower()}" if ext else stem


def _ascii_fallback(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.") or "download"
    return f"{plain}.{ext}" if ext else plain


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The Content-Disposition value for ``filename`` (RFC 6266 with ``filename*``)."""
    name = filename_clean(filename)
    kind = "inline" if inline else "attachment"
    quoted = urllib.parse.quote(name, safe="")
    return f"{kind}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quoted}"


def download_name_set(response: HttpResponse, *, filename: str) -> HttpResponse:
    """Name ``response`` as a download and keep it out of shared caches; returns it."""
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def download_response(data: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """A complete download response for bytes built in memory."""
    return download_name_set(HttpResponse(data, content_type=content_type), filename=filename)


def private_file_response(fieldfile, *, filename: str):
    """A stored private file as a download (``Content-Disposition: attachment``, its type from
    the extension), or 404 when the file is gone. The caller has checked scope and logged."""
    from django.http import FileResponse, Http404

    from .uploads import CONTENT_TYPES

    try:
        handle = fieldfile.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    response = FileResponse(
        handle,
        as_attachment=True,
        content_type=CONTENT_TYPES.get(ext, "application/octet-stream"),
    )
    return download_name_set(response, filename=filename)

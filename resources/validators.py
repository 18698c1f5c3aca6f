"""Upload checks for documents: extension allow-list, size limit, content sniffing.

Every rejection is a ValidationError with a Chinese message that names the file.
"""

import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
KIND_NAMES = {
    "docx": "Word 文档",
    "doc": "Word 97-2003 文档",
    "xlsx": "Excel 表格",
    "xls": "Excel 97-2003 表格",
    "pptx": "PowerPoint 演示文稿",
    "ppt": "PowerPoint 97-2003 演示文稿",
    "pdf": "PDF 文件",
    "zip": "ZIP 压缩包",
    "mp4": "MP4 视频",
    "txt": "纯文本文件",
    "csv": "CSV 表格",
}
MARKUP_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml", b"<iframe")


def _describe(head: bytes) -> str | None:
    """What the bytes really are, when they are something dangerous or recognisable."""
    if head.startswith(b"MZ"):
        return "Windows 可执行程序"
    if head.startswith(b"\x7fELF"):
        return "Linux 可执行程序"
    if head[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return "macOS 可执行程序"
    if head.startswith(b"#!"):
        return "脚本文件"
    lowered = head[:1024].lstrip().lower()
    if any(lowered.startswith(m) for m in MARKUP_MARKERS) or b"<svg" in lowered:
        return "网页或 SVG 文件"
    return None


def _matches(ext: str, head: bytes, f) -> bool:
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("doc", "xls", "ppt"):
        return head.startswith(OLE_MAGIC)
    if ext == "zip":
        return head[:4] in ZIP_MAGICS
    if ext in OOXML_PARTS:
        if head[:4] not in ZIP_MAGICS:
            return False
        try:
            f.seek(0)
            names = zipfile.ZipFile(f).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(OOXML_PARTS[ext]) for n in names)
    if ext == "mp4":
        return head[4:8] == b"ftyp"
    if ext in ("txt", "csv"):
        if b"\x00" in head:
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
                return True
            except UnicodeDecodeError as exc:
                # A multi-byte character cut at the end of the sample is fine.
                if exc.start >= len(head) - 4:
                    return True
        return False
    return False


def document_file_check(f, *, name: str | None = None) -> None:
    """Raise ValidationError unless the upload is an allowed, honest, small-enough file."""
    name = name or getattr(f, "name", "") or "文件"
    short = name.rsplit("/", 1)[-1]
    ext = short.rsplit(".", 1)[-1].lower() if "." in short else ""
    allowed = [e.lower() for e in settings.WAGTAILDOCS_EXTENSIONS]
    if ext not in allowed:
        raise ValidationError(
            f"“{short}”的文件类型（.{ext or '无扩展名'}）不在允许范围内。"
            f"允许上传：{'、'.join('.' + e for e in allowed)}。",
            code="extension",
        )
    limit = getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None)
    size = getattr(f, "size", None)
    if limit and size is not None and size > limit:
        raise ValidationError(
            f"“{short}”大小为 {filesizeformat(size)}，超过了 {filesizeformat(limit)} 的上限，"
            "请压缩或拆分后再上传。",
            code="too_large",
        )
    f.seek(0)
    head = f.read(8192)
    f.seek(0)
    if size == 0 or not head:
        raise ValidationError(f"“{short}”是空文件，请检查后重新上传。", code="empty")
    danger = _describe(head)
    kind = KIND_NAMES.get(ext, ext)
    if danger or not _matches(ext, head, f if hasattr(f, "seek") else io.BytesIO(head)):
        f.seek(0)
        what = f"，看起来是{danger}" if danger else ""
        raise ValidationError(
            f"“{short}”的内容与扩展名 .{ext} 不符{what}。请上传真正的{kind}。",
            code="content_mismatch",
        )
    f.seek(0)

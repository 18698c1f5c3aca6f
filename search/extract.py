"""Plain text from uploaded office files and PDFs (.docx, .pptx, .xlsx, .pdf).

Never raises for a damaged or unexpected file: a file we cannot read simply has no
extracted text (the reason is logged without the file's content).
"""

from __future__ import annotations

import logging
from pathlib import PurePath

logger = logging.getLogger(__name__)

MAX_CHARS = 200_000
EXTRACTABLE = {"docx", "pptx", "xlsx", "pdf", "txt"}


def _docx(fh) -> list[str]:
    import docx

    document = docx.Document(fh)
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return parts


def _pptx(fh) -> list[str]:
    from pptx import Presentation

    parts = []
    for slide in Presentation(fh).slides:
        for shape in slide.shapes:
            if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    parts.append(" ".join(cell.text for cell in row.cells))
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return parts


def _xlsx(fh) -> list[str]:
    from portal import spreadsheets

    # The portal's one spreadsheet reader and its streaming limits: a hostile workbook
    # (a padded dimension, a zip bomb) is refused, and the document simply has no text.
    limits = spreadsheets.Limits(
        max_bytes=50 * 1024 * 1024, max_rows=50_000, max_columns=200, max_cell_chars=MAX_CHARS
    )
    parts = []
    for title, rows in spreadsheets.xlsx_sheets_read(data=fh, limits=limits):
        parts.append(title)
        for row in rows:
            cells = [str(v) for v in row if v is not None and str(v).strip()]
            if cells:
                parts.append(" ".join(cells))
    return parts


def _pdf(fh) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(fh).pages]


def _txt(fh) -> list[str]:
    raw = fh.read(MAX_CHARS * 4)
    for encoding in ("utf-8", "gb18030"):
        try:
            return [raw.decode(encoding)]
        except UnicodeDecodeError:
            continue
    return []


READERS = {"docx": _docx, "pptx": _pptx, "xlsx": _xlsx, "pdf": _pdf, "txt": _txt}


def extension_of(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def extract_text(fh, *, name: str) -> str:
    """The text inside the file ``fh`` (opened in binary mode) named ``name``."""
    reader = READERS.get(extension_of(name))
    if reader is None:
        return ""
    try:
        parts = reader(fh)
    except Exception as exc:  # noqa: BLE001 - any broken file just yields no text
        logger.warning("text extraction failed for %s: %s", extension_of(name), type(exc).__name__)
        return ""
    text = "\n".join(part.strip() for part in parts if part and part.strip())
    return text[:MAX_CHARS]

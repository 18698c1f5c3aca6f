"""Helpers that build searchable content the way editors do (publish, upload)."""

import io

from django.core.files.base import ContentFile

from portal.models import StandardPage
from resources.models import XinyuDocument


def publish_page(parent, *, title, intro="", paragraphs=(), slug=None, live=True):
    body = [("paragraph", f"<p>{p}</p>") for p in paragraphs]
    page = StandardPage(title=title, intro=intro, body=body, slug=slug or f"p{abs(hash(title))}")
    parent.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
    else:
        page.unpublish()
    page.refresh_from_db()
    return page


def docx_bytes(*paragraphs):
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pptx_bytes(*texts):
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    for text in texts:
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(2))
        box.text_frame.text = text
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(*rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "活动安排"
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_bytes():
    """A one-page PDF without text (pypdf cannot easily write CJK text)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload_document(*, title, filename, content, description="", **extra):
    document = XinyuDocument(title=title, description=description, **extra)
    document.file.save(filename, ContentFile(content), save=False)
    document.save()
    return document

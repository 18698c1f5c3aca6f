"""The poster as a one-page PDF (reportlab), text in the built-in CID font."""

from __future__ import annotations

import io

from .lines import _font_registered, text_width
from .shapes import Box, Code, Colour, Dot, PosterLayout, Text, _runs


def _rgb(c: Colour) -> tuple[float, float, float]:
    return (c[0] / 255, c[1] / 255, c[2] / 255)


def poster_pdf(layout: PosterLayout, *, title: str, author: str = "") -> bytes:
    """One page, the layout's size, text in the built-in CID font (not embedded)."""
    from reportlab.pdfgen import canvas

    font = _font_registered()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(layout.width, layout.height), invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(author)
    c.setSubject("心理健康宣传海报")
    c.setCreator("心育平台")
    top = layout.height
    for item in layout.items:
        if isinstance(item, Box):
            c.setFillColorRGB(*_rgb(item.fill))
            if item.radius:
                c.roundRect(
                    item.x, top - item.y - item.h, item.w, item.h, item.radius, stroke=0, fill=1
                )
            else:
                c.rect(item.x, top - item.y - item.h, item.w, item.h, stroke=0, fill=1)
        elif isinstance(item, Dot):
            c.setFillColorRGB(*_rgb(item.fill))
            c.circle(item.cx, top - item.cy, item.r, stroke=0, fill=1)
        elif isinstance(item, Text):
            w = text_width(item.text, item.size)
            x = {"left": item.x, "centre": item.x - w / 2, "right": item.x - w}[item.align]
            c.saveState()
            c.setFillColorRGB(*_rgb(item.fill))
            t = c.beginText(x, top - item.y)
            t.setFont(font, item.size)
            if item.bold:  # the CID font has one weight: fill and stroke the glyphs
                c.setStrokeColorRGB(*_rgb(item.fill))
                c.setLineWidth(item.size * 0.035)
                t.setTextRenderMode(2)
            t.textOut(item.text)
            c.drawText(t)
            c.restoreState()
        elif isinstance(item, Code):
            c.setFillColorRGB(*_rgb(item.fill))
            m = item.size / len(item.rows)
            for r, row in enumerate(item.rows):
                for start, n in _runs(row):
                    c.rect(
                        item.x + start * m, top - item.y - (r + 1) * m, n * m, m, stroke=0, fill=1
                    )
    c.showPage()
    c.save()
    return buf.getvalue()

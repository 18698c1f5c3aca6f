"""The poster as a picture for the notice page: PNG (Pillow, with a Chinese font found on
the machine) or, when the machine has none, SVG (the viewer's browser draws the text)."""

from __future__ import annotations

import io
import os
import subprocess
from functools import lru_cache
from xml.sax.saxutils import escape

from .shapes import (
    BASE_WIDTH,
    PREVIEW_PX_PER_PT,
    WHITE,
    Box,
    Code,
    Colour,
    Dot,
    PosterLayout,
    Text,
    _runs,
)

_SVG_FONTS = (
    "'Songti SC','STSong','SimSun','Noto Serif CJK SC','Source Han Serif SC','Noto Serif SC',serif"
)


def poster_svg(layout: PosterLayout, *, title: str) -> bytes:
    """The layout as SVG: the viewer's browser draws the text with its own Chinese font."""
    w, h = layout.width, layout.height

    def f(v: float) -> str:
        return f"{v:.2f}".rstrip("0").rstrip(".")

    def colour(c: Colour) -> str:
        return "#{:02x}{:02x}{:02x}".format(*c)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {f(w)} {f(h)}" '
        f'width="{f(w)}" height="{f(h)}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" '
        f'font-family="{_SVG_FONTS}">',
        f"<title>{escape(title)}</title>",
    ]
    for item in layout.items:
        if isinstance(item, Box):
            rx = f' rx="{f(item.radius)}"' if item.radius else ""
            out.append(
                f'<rect x="{f(item.x)}" y="{f(item.y)}" width="{f(item.w)}" height="{f(item.h)}"'
                f'{rx} fill="{colour(item.fill)}"/>'
            )
        elif isinstance(item, Dot):
            out.append(
                f'<circle cx="{f(item.cx)}" cy="{f(item.cy)}" r="{f(item.r)}" fill="{colour(item.fill)}"/>'
            )
        elif isinstance(item, Text):
            anchor = {"left": "start", "centre": "middle", "right": "end"}[item.align]
            weight = ' font-weight="bold"' if item.bold else ""
            out.append(
                f'<text x="{f(item.x)}" y="{f(item.y)}" font-size="{f(item.size)}"'
                f' text-anchor="{anchor}"{weight} fill="{colour(item.fill)}">{escape(item.text)}</text>'
            )
        elif isinstance(item, Code):
            m = item.size / len(item.rows)
            path = "".join(
                f"M{f(item.x + s * m)} {f(item.y + r * m)}h{f(n * m)}v{f(m)}h{f(-n * m)}z"
                for r, row in enumerate(item.rows)
                for s, n in _runs(row)
            )
            out.append(
                f'<path d="{path}" fill="{colour(item.fill)}" shape-rendering="crispEdges"/>'
            )
    out.append("</svg>")
    return "\n".join(out).encode()


# Chinese fonts commonly installed (Debian/Ubuntu packages, macOS, Windows); serif first,
# to match the Song face of the PDF.
_KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "C:\\Windows\\Fonts\\simsun.ttc",
)


def preview_font_path() -> str | None:
    """A font on this machine that draws Chinese, for the PNG preview; None when there is
    none (the preview is then SVG). ``POSTER_PREVIEW_FONT`` in the settings chooses one
    ("none": always SVG)."""
    from django.conf import settings

    return _font_found(getattr(settings, "POSTER_PREVIEW_FONT", ""))


@lru_cache(maxsize=4)
def _font_found(chosen: str) -> str | None:
    if chosen:
        return chosen if os.path.exists(chosen) and _draws_chinese(chosen) else None
    found: list[str] = []
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10
        ).stdout
        found = [line.split(":")[0].strip() for line in listed.splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError):
        found = []
    found = [p for p in found if p.lower().endswith((".ttf", ".ttc", ".otf"))]
    ranked = sorted(
        found, key=lambda p: (not any(s in p.lower() for s in ("serif", "song", "ming")), p)
    )
    for path in [*ranked, *_KNOWN_FONTS]:
        if os.path.exists(path) and _draws_chinese(path):
            return path
    return None


def _draws_chinese(path: str) -> bool:
    try:
        from PIL import ImageFont

        font = ImageFont.truetype(path, 24)
        return font.getbbox("心育")[2] > 24
    except Exception:  # noqa: BLE001 — a broken or foreign font file: not usable
        return False


def preview_format() -> str:
    return "png" if preview_font_path() else "svg"


def poster_png(layout: PosterLayout) -> bytes:
    """The layout as a PNG (two pixels per point), text in the machine's Chinese font."""
    from PIL import Image, ImageDraw, ImageFont

    path = preview_font_path()
    if path is None:
        raise RuntimeError("no Chinese font on this machine: use poster_svg")
    k = PREVIEW_PX_PER_PT * BASE_WIDTH / layout.width
    img = Image.new("RGB", (round(layout.width * k), round(layout.height * k)), WHITE)
    draw = ImageDraw.Draw(img)
    fonts: dict[int, ImageFont.FreeTypeFont] = {}

    def font(size: float):
        px = max(6, round(size * k))
        if px not in fonts:
            fonts[px] = ImageFont.truetype(path, px)
        return fonts[px]

    for item in layout.items:
        if isinstance(item, Box):
            box = (item.x * k, item.y * k, (item.x + item.w) * k - 1, (item.y + item.h) * k - 1)
            if item.radius:
                draw.rounded_rectangle(box, radius=item.radius * k, fill=item.fill)
            else:
                draw.rectangle(box, fill=item.fill)
        elif isinstance(item, Dot):
            draw.ellipse(
                (
                    (item.cx - item.r) * k,
                    (item.cy - item.r) * k,
                    (item.cx + item.r) * k,
                    (item.cy + item.r) * k,
                ),
                fill=item.fill,
            )
        elif isinstance(item, Text):
            anchor = {"left": "ls", "centre": "ms", "right": "rs"}[item.align]
            stroke = max(1, round(item.size * k * 0.025)) if item.bold else 0
            draw.text(
                (item.x * k, item.y * k),
                item.text,
                font=font(item.size),
                fill=item.fill,
                anchor=anchor,
                stroke_width=stroke,
                stroke_fill=item.fill,
            )
        elif isinstance(item, Code):
            # Whole pixels per module, so every module is the same size and scanners read it.
            m = max(1, int(item.size * k / len(item.rows)))
            x0 = round(item.x * k + (item.size * k - m * len(item.rows)) / 2)
            y0 = round(item.y * k + (item.size * k - m * len(item.rows)) / 2)
            for r, row in enumerate(item.rows):
                for start, n in _runs(row):
                    x, y = x0 + start * m, y0 + r * m
                    draw.rectangle((x, y, x + n * m - 1, y + m - 1), fill=item.fill)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()

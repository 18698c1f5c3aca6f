"""Notice-board posters built from a notice's own content (issue 18, item 5).

One layout, three renderings. ``poster_layout`` places every piece of the poster — the
colour band with the headline, the key message, the numbered points, the help box with the
hotlines, the footer with the bureau's name, the page's address and a QR code to it — as a
flat list of shapes and lines of text, already broken into lines. The PDF (reportlab, its
built-in CID font ``STSong-Light``: no font file is shipped or embedded), the PNG preview
(Pillow, with a Chinese font found on the machine) and the SVG preview (used when the
machine has no Chinese font; the viewer's browser draws the text) all draw that same list,
so the files and the page image never disagree on a single line break.

Lines are broken by reportlab's own CJK splitter (``reportlab.lib.textsplit.wordSplit``,
the one ``Paragraph(wordWrap="CJK")`` uses): no line starts with "，" or "。", none ends
with "“". A poster whose text does not fit is first set smaller, step by step; if it still
does not fit at the smallest size, the layout says so (``fits`` and ``problem``) and the
editor refuses the page with that message — nothing is ever clipped.

A3 is A4 scaled by √2: the same layout in bigger units, so both sizes break lines alike.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from xml.sax.saxutils import escape

FONT = "STSong-Light"
# Bump when the look changes: stored files are keyed by content *and* this.
LAYOUT_VERSION = 4
# Points (1/72 inch), portrait, as reportlab defines them.
PAGE_SIZES = {"a4": (595.2756, 841.8898), "a3": (841.8898, 1190.5512)}
SIZE_LABELS = {"a4": "A4", "a3": "A3"}
BASE_WIDTH, BASE_HEIGHT = PAGE_SIZES["a4"]
# The poster's type is set as large as fits: a short poster gets bigger points (the
# headline grows less), a long one smaller, down to the last step.
SCALES = (1.3, 1.2, 1.1, 1.0, 0.93, 0.86, 0.8, 0.74, 0.68)
HEADLINE_MAX_SCALE = 1.1
MAX_HEADLINE_LINES = 3
MIN_POINTS, MAX_POINTS = 3, 6
PREVIEW_PX_PER_PT = 2  # the PNG preview: 1191 × 1684 px for A4

Colour = tuple[int, int, int]
WHITE: Colour = (255, 255, 255)


@dataclass(frozen=True)
class Palette:
    main: Colour
    dark: Colour
    tint: Colour
    accent: Colour
    paper: Colour = (252, 250, 245)


PALETTES = {
    "teal": Palette(
        main=(24, 122, 110), dark=(14, 74, 67), tint=(228, 242, 238), accent=(244, 184, 64)
    ),
    "blue": Palette(
        main=(38, 96, 160), dark=(22, 58, 100), tint=(228, 238, 248), accent=(246, 178, 72)
    ),
    "orange": Palette(
        main=(206, 104, 40), dark=(120, 56, 20), tint=(252, 237, 224), accent=(40, 128, 118)
    ),
    "purple": Palette(
        main=(110, 84, 160), dark=(66, 48, 104), tint=(238, 233, 248), accent=(240, 176, 80)
    ),
    "green": Palette(
        main=(64, 136, 60), dark=(36, 84, 34), tint=(232, 244, 228), accent=(236, 160, 48)
    ),
}


# --- content -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PosterContent:
    """Everything printed on the poster; its ``key`` names the generated files."""

    headline: str
    points: tuple[str, ...]
    messages: tuple[str, ...] = ()
    help_lines: tuple[str, ...] = ()
    organisation: str = ""
    portal_name: str = ""
    url: str = ""
    colour: str = "teal"
    kicker: str = "心理健康教育"

    def key(self) -> str:
        data = json.dumps([LAYOUT_VERSION, asdict(self)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:20]


def lines_of(text: str) -> tuple[str, ...]:
    """Non-empty, stripped lines of a text field."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


# --- what the layout produces --------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: Colour
    radius: float = 0


@dataclass(frozen=True)
class Dot:
    cx: float
    cy: float
    r: float
    fill: Colour


@dataclass(frozen=True)
class Text:
    """One line of text; ``y`` is its baseline, measured from the top of the page."""

    x: float
    y: float
    text: str
    size: float
    fill: Colour
    bold: bool = False
    align: str = "left"  # left, centre, right: where x is


@dataclass(frozen=True)
class Code:
    """A QR code: ``rows`` of dark (True) modules, drawn in a ``size`` square."""

    x: float
    y: float
    size: float
    rows: tuple[tuple[bool, ...], ...]
    fill: Colour


Item = Box | Dot | Text | Code


def _moved(item: Item, dy: float) -> Item:
    if isinstance(item, Dot):
        return replace(item, cy=item.cy + dy)
    return replace(item, y=item.y + dy)


def _scaled(item: Item, k: float) -> Item:
    if isinstance(item, Box):
        return replace(
            item, x=item.x * k, y=item.y * k, w=item.w * k, h=item.h * k, radius=item.radius * k
        )
    if isinstance(item, Dot):
        return replace(item, cx=item.cx * k, cy=item.cy * k, r=item.r * k)
    if isinstance(item, Text):
        return replace(item, x=item.x * k, y=item.y * k, size=item.size * k)
    return replace(item, x=item.x * k, y=item.y * k, size=item.size * k)


@dataclass
class PosterLayout:
    width: float
    height: float
    items: list[Item] = field(default_factory=list)
    fits: bool = True
    scale: float = 1.0
    problem: str = ""
    problem_field: str = ""  # the notice's field to shorten

    def texts(self) -> list[str]:
        return [item.text for item in self.items if isinstance(item, Text)]

    def text_boxes(self) -> list[tuple[float, float, float, float]]:
        """(left, top, right, bottom) of every line of text, in points."""
        boxes = []
        for item in self.items:
            if isinstance(item, Text):
                w = text_width(item.text, item.size)
                left = {"left": item.x, "centre": item.x - w / 2, "right": item.x - w}[item.align]
                boxes.append((left, item.y - item.size * 0.88, left + w, item.y + item.size * 0.12))
        return boxes


# --- measuring and breaking lines ----------------------------------------------------------


@lru_cache(maxsize=1)
def _font_registered() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def text_width(text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, _font_registered(), size)


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (CJK rules; a closing
    punctuation mark may hang half outside, as in print). A run without break points —
    a long number or address — is cut between characters."""
    from reportlab.lib.textsplit import wordSplit

    out: list[str] = []
    for _extra, line in wordSplit(text, width, _font_registered(), size):
        line = line.strip() if isinstance(line, str) else "".join(line).strip()
        if text_width(line, size) <= width + size * 0.6:
            out.append(line)
            continue
        current = ""
        for ch in line:
            if current and text_width(current + ch, size) > width:
                out.append(current)
                current = ch.lstrip()
            else:
                current += ch
        if current:
            out.append(current)
    return [line for line in out if line]


def wrap_balanced(text: str, width: float, size: float, *, always: bool = True) -> list[str]:
    """Like ``wrap``, but the lines share the text evenly: the narrowest width that needs
    no more lines. Headlines always; other text only when its last line would be a stub
    (a quarter of the width or less), so no line ends in a lonely character."""
    lines = wrap(text, width, size)
    if len(lines) < 2:
        return lines
    if not always and text_width(lines[-1], size) > width / 4:
        return lines
    lo, hi, best = width / 2, width, lines
    for _ in range(12):
        mid = (lo + hi) / 2
        trial = wrap(text, mid, size)
        if len(trial) <= len(lines):
            best, hi = trial, mid
        else:
            lo = mid
    return best


# Characters the CID font's encoding (UniGB-UCS2-H) has no code for, and the one it has.
_SUBSTITUTES = str.maketrans({"·": "・", "•": "・", "⋅": "・", "‧": "・", "∙": "・"})


def printable(text: str) -> str:
    """``text`` as the PDF font can print it."""
    return (text or "").translate(_SUBSTITUTES)


def unprintable(text: str) -> list[str]:
    """Characters the poster font cannot print (emoji and other symbols outside the
    basic plane), in order of appearance."""
    seen: list[str] = []
    for ch in printable(text):
        if ord(ch) > 0xFFFF and ch not in seen:
            seen.append(ch)
    return seen


# --- the layout ----------------------------------------------------------------------------


class _TooLong(Exception):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


M = 44  # side margin
FOOTER_H = 152
QR_SIZE = 104


def _headline(text: str, width: float, largest: float) -> tuple[float, list[str]]:
    """The headline's size and lines: a little smaller if that saves a line (a one-line
    headline at 40 pt reads better than a broken one at 46 pt)."""
    best = None
    for factor in (1.0, 0.94, 0.88, 0.82):
        size = largest * factor
        lines = wrap_balanced(text, width, size)
        if best is None or len(lines) < len(best[1]):
            best = (size, lines)
    return best


def poster_layout(content: PosterContent, *, size: str = "a4") -> PosterLayout:
    """The poster at ``size`` ("a4" or "a3"): the largest type that fits, or ``fits=False``
    with the reason in ``problem`` (in Chinese, for the editor)."""
    width, height = PAGE_SIZES[size]
    k = width / BASE_WIDTH
    last = _TooLong("", "")
    for scale in SCALES:
        try:
            items = _attempt(content, scale=scale, height=height / k)
        except _TooLong as exc:
            last = exc
            continue
        return PosterLayout(
            width=width, height=height, items=[_scaled(i, k) for i in items], scale=scale
        )
    return PosterLayout(
        width=width,
        height=height,
        fits=False,
        scale=SCALES[-1],
        problem=str(last),
        problem_field=last.field,
    )


def _attempt(content: PosterContent, *, scale: float, height: float) -> list[Item]:
    pal = PALETTES.get(content.colour, PALETTES["teal"])
    width = BASE_WIDTH
    inner = width - 2 * M
    items: list[Item] = [Box(0, 0, width, height, pal.paper)]

    # The band: who speaks, then the headline.
    top: list[Item] = []
    y = 40.0
    kicker = "　・　".join(t for t in (content.portal_name, content.kicker) if t)
    top.append(Text(M, y + 12, kicker, 12.5, pal.tint))
    y += 12 + 20
    hs, head = _headline(content.headline, inner, 46 * min(scale, HEADLINE_MAX_SCALE))
    if len(head) > MAX_HEADLINE_LINES:
        raise _TooLong(
            f"海报标题太长：用最小字号仍要排{len(head)}行（最多{MAX_HEADLINE_LINES}行），请缩短海报标题（留空时用的是页面标题，可另填一个短标题）。",
            "poster_headline",
        )
    for line in head:
        top.append(Text(M, y + hs * 0.88, line, hs, WHITE, bold=True))
        y += hs * 1.22
    band_h = y + 30 - hs * 0.22
    items.append(Box(0, 0, width, band_h, pal.main))
    items.append(Box(0, band_h, width, 7, pal.accent))
    items += top

    # The body: the key message, then the numbered points.
    body: list[Item] = []
    step: list[int] = []  # per body item: the number of its point (0 above the points)
    y = 0.0
    if content.messages:
        ms = 25 * scale
        for message in content.messages:
            for line in wrap_balanced(message, inner, ms):
                body.append(Text(M, y + ms * 0.88, line, ms, pal.dark, bold=True))
                y += ms * 1.42
            y += ms * 0.2
        y += 10
        body.append(Box(M, y, 60, 4, pal.accent))
        y += 4 + 26
    step += [0] * len(body)
    ps = 17.5 * scale
    r = ps * 0.8
    indent = 2 * r + ps * 0.75
    for n, point in enumerate(content.points, 1):
        lines = wrap_balanced(point, inner - indent, ps, always=False)
        body.append(Dot(M + r, y + ps * 0.5, r, pal.main))
        body.append(
            Text(
                M + r, y + ps * 0.5 + ps * 0.34, str(n), ps * 0.95, WHITE, bold=True, align="centre"
            )
        )
        for line in lines:
            body.append(Text(M + indent, y + ps * 0.88, line, ps, (40, 40, 40)))
            y += ps * 1.62
        y += ps * 0.62
        step += [n] * (len(body) - len(step))
    body_h = y

    # The help box, standing on the footer.
    hl = 13.5
    help_lines = [line for text in content.help_lines for line in wrap(text, inner - 40, hl)]
    help_h = 18 + 16 + 10 + len(help_lines) * hl * 1.7 + 10
    footer_top = height - FOOTER_H
    help_top = footer_top - 26 - help_h
    body_top = band_h + 7 + 34
    room = help_top - 22 - body_top
    if body_h > room:
        short = round((body_h - room) / (ps * 1.62))
        raise _TooLong(
            f"海报内容太多：字号缩到最小后仍多出约{max(short, 1)}行，放不下。"
            f"请删减要点（{MIN_POINTS}～{MAX_POINTS}条，每条一两句）或缩短主标语。",
            "poster_points",
        )
    # Spare room goes partly above the body and between the points, so a short poster
    # does not look top-heavy.
    spare = room - body_h
    shift = body_top + min(spare * 0.3, 48)
    spread = min((spare - (shift - body_top)) * 0.6 / len(content.points), ps * 0.9)
    items += [
        _moved(item, shift + max(n - 1, 0) * spread) for item, n in zip(body, step, strict=True)
    ]

    items.append(Box(M, help_top, inner, help_h, pal.tint, radius=10))
    items.append(Box(M, help_top, 7, help_h, pal.main))
    y = help_top + 18
    items.append(Text(M + 24, y + 16 * 0.88, "需要帮助时", 16, pal.dark, bold=True))
    y += 16 + 10
    for line in help_lines:
        items.append(Text(M + 24, y + hl * 1.2, line, hl, (40, 40, 40)))
        y += hl * 1.7

    # The footer: the bureau, the address, the QR code to the page.
    items.append(Box(0, footer_top, width, FOOTER_H, pal.dark))
    qr_x = width - M - QR_SIZE
    qr_y = footer_top + (FOOTER_H - QR_SIZE) / 2
    text_w = qr_x - M - 20
    y = footer_top + 36
    for line in wrap(content.organisation or content.portal_name, text_w, 17)[:2]:
        items.append(Text(M, y + 17 * 0.88, line, 17, WHITE, bold=True))
        y += 17 * 1.35
    y += 6
    if content.url:
        items.append(Text(M, y + 12 * 0.88, "扫描右侧二维码，阅读全文、下载海报", 12, pal.tint))
        y += 12 * 1.7
        url_lines = wrap(content.url, text_w, 9.5)
        if len(url_lines) > 2:
            url_lines = [url_lines[0], url_lines[1][:-1] + "…"]
        for line in url_lines:
            items.append(Text(M, y + 9.5 * 0.88, line, 9.5, pal.tint))
            y += 9.5 * 1.4
        items.append(Box(qr_x, qr_y, QR_SIZE, QR_SIZE, WHITE, radius=4))
        rows = qr_rows(content.url)
        quiet = QR_SIZE * 3 / (len(rows) + 6)
        items.append(Code(qr_x + quiet, qr_y + quiet, QR_SIZE - 2 * quiet, rows, (20, 20, 20)))
    elif content.portal_name:
        items.append(Text(M, y + 12 * 0.88, content.portal_name, 12, pal.tint))
    return items


def qr_rows(url: str) -> tuple[tuple[bool, ...], ...]:
    import segno

    qr = segno.make(url, error="m", micro=False)
    return tuple(tuple(bool(v) for v in row) for row in qr.matrix)


# --- renderings ----------------------------------------------------------------------------


def _runs(row: tuple[bool, ...]):
    """(start, length) of each run of dark modules in a row."""
    start = None
    for i, dark in enumerate((*row, False)):
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            yield start, i - start
            start = None


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

"""The poster's layout: every piece placed as a flat list of shapes and lines of text,
already broken into lines, at the largest type that fits (``poster_layout``)."""

from __future__ import annotations

from .lines import wrap, wrap_balanced
from .shapes import (
    BASE_WIDTH,
    HEADLINE_MAX_SCALE,
    MAX_HEADLINE_LINES,
    MAX_POINTS,
    MIN_POINTS,
    PAGE_SIZES,
    PALETTES,
    SCALES,
    WHITE,
    Box,
    Code,
    Dot,
    Item,
    PosterContent,
    PosterLayout,
    Text,
    _moved,
    _scaled,
)

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

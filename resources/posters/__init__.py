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

``shapes``: the content, the sizes and colours, the shapes a layout is made of;
``lines``: measuring and breaking lines; ``layout``: placing everything; ``pdf`` and
``images`` (PNG, SVG): the renderings. Callers import from ``resources.posters``.
"""

from .images import (  # noqa: F401
    poster_png,
    poster_svg,
    preview_font_path,
    preview_format,
)
from .layout import poster_layout, qr_rows  # noqa: F401
from .lines import (  # noqa: F401
    FONT,
    printable,
    text_width,
    unprintable,
    wrap,
    wrap_balanced,
)
from .pdf import poster_pdf  # noqa: F401
from .shapes import (  # noqa: F401
    BASE_HEIGHT,
    BASE_WIDTH,
    LAYOUT_VERSION,
    MAX_POINTS,
    MIN_POINTS,
    PAGE_SIZES,
    PALETTES,
    SIZE_LABELS,
    WHITE,
    Box,
    Code,
    Colour,
    Dot,
    Item,
    Palette,
    PosterContent,
    PosterLayout,
    Text,
    lines_of,
)

"""What a poster prints (``PosterContent``) and what its layout is made of: boxes, dots,
lines of text and a QR code on a page of a given size (``PosterLayout``), with the sizes,
scales and colours every rendering shares."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace

from .lines import text_width

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


def _runs(row: tuple[bool, ...]):
    """(start, length) of each run of dark modules in a row."""
    start = None
    for i, dark in enumerate((*row, False)):
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            yield start, i - start
            start = None

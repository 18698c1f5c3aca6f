"""Charts drawn on the server as SVG: no JavaScript library, nothing fetched from outside.

Each chart is accompanied, in the template, by the table it is drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    # What the bar is measured against (e.g. number of schools); None → the largest value.
    of: float | None = None
    text: str = ""  # what is printed at the bar's end; defaults to the value


ROW_HEIGHT = 26
LABEL_WIDTH = 150
BAR_AREA = 300
TEXT_WIDTH = 90


def bar_chart(bars: list[Bar], *, title: str) -> SafeString:
    """A horizontal bar chart. Bars with ``of`` are drawn as a share of it."""
    if not bars:
        return SafeString("")
    largest = max((b.value for b in bars), default=0) or 1
    width = LABEL_WIDTH + BAR_AREA + TEXT_WIDTH
    height = ROW_HEIGHT * len(bars) + 8
    rows = []
    for i, bar in enumerate(bars):
        y = 4 + i * ROW_HEIGHT
        scale = bar.of if bar.of else largest
        length = 0 if not scale else max(0.0, min(1.0, bar.value / scale)) * BAR_AREA
        text = bar.text or _number(bar.value)
        rows.append(
            (
                LABEL_WIDTH - 8,
                y + ROW_HEIGHT / 2 + 4,
                bar.label,
                LABEL_WIDTH,
                y + 4,
                BAR_AREA,
                ROW_HEIGHT - 8,
                LABEL_WIDTH,
                y + 4,
                round(length, 1),
                ROW_HEIGHT - 8,
                LABEL_WIDTH + BAR_AREA + 6,
                y + ROW_HEIGHT / 2 + 4,
                text,
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" class="xy-chart__label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="xy-chart__track"></rect>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="xy-chart__bar"></rect>'
        '<text x="{}" y="{}" class="xy-chart__value">{}</text>',
        rows,
    )
    return format_html(
        '<svg class="xy-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {} {}" width="{}" height="{}" aria-label="{}"><title>{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        title,
        title,
        body,
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"

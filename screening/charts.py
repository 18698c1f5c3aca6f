"""Server-side SVG trend charts for the student archive (no script, no style attributes)."""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 520, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36


def trend_svg(
    *, title: str, points: list[tuple], low: Decimal, high: Decimal, bands=()
) -> SafeString:
    """A line chart of ``points`` [(date, total, band label)] on a fixed score axis.

    ``bands`` [(min, max, label, level)] are drawn as shaded horizontal bands so a reader sees
    where each score falls.
    """
    low, high = float(low), float(high)
    span = (high - low) or 1.0
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y(value):
        return TOP + plot_h - (float(value) - low) / span * plot_h

    def x(index):
        if len(points) == 1:
            return LEFT + plot_w / 2
        return LEFT + index * plot_w / (len(points) - 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="screening-chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (b_low, b_high, label, level) in enumerate(bands):
        top, bottom = y(b_high), y(b_low)
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{max(bottom - top, 1):.1f}" '
            f'class="band band-{escape(level or "none")}" fill-opacity="{0.08 + 0.05 * index:.2f}" '
            f'fill="#c0392b"><title>{escape(label)}</title></rect>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#888"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#888"/>'
        f'<text x="{LEFT - 6}" y="{y(high) + 4:.1f}" text-anchor="end" font-size="11">{high:g}</text>'
        f'<text x="{LEFT - 6}" y="{y(low) + 4:.1f}" text-anchor="end" font-size="11">{low:g}</text>'
    )
    if points:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(total):.1f}"
            for i, (_d, total, _b) in enumerate(points)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="#1f6feb" stroke-width="2"/>')
        for i, (day, total, band) in enumerate(points):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(total):.1f}" r="4" fill="#1f6feb">'
                f"<title>{day:%Y-%m-%d}：{float(total):g}（{escape(band)}）</title></circle>"
                f'<text x="{x(i):.1f}" y="{HEIGHT - 14}" text-anchor="middle" font-size="11">'
                f"{day:%Y-%m}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above

"""Measuring and breaking the poster's lines of text, in the PDF's own font.

Lines are broken by reportlab's own CJK splitter (``reportlab.lib.textsplit.wordSplit``,
the one ``Paragraph(wordWrap="CJK")`` uses): no line starts with "，" or "。", none ends
with "“". The font is reportlab's built-in CID font ``STSong-Light`` (never embedded).
"""

from __future__ import annotations

from functools import lru_cache

FONT = "STSong-Light"


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

"""Small-cell suppression for published counts about students (design.md: the bureau sees
screening aggregates only, small cells suppressed).

A count between 1 and ``threshold - 1`` is shown as "<5" so no reader can single out a
child in a small group. Zero stays visible (it discloses no one). When a row shows its
total, one suppressed cell could be recovered by subtraction, so ``suppress_row`` also
hides the next-smallest cell (secondary suppression).
"""

from __future__ import annotations

from collections.abc import Mapping

THRESHOLD = 5


def is_small(count: int | None, *, threshold: int = THRESHOLD) -> bool:
    return count is not None and 0 < count < threshold


def suppress_small(count: int | None, *, threshold: int = THRESHOLD) -> int | str | None:
    """The count, or "<threshold" when it is a small cell."""
    if is_small(count, threshold=threshold):
        return f"<{threshold}"
    return count


def suppress_row(
    counts: Mapping[str, int], *, threshold: int = THRESHOLD, with_total: bool = True
) -> dict[str, int | str]:
    """Suppress a row of counts (e.g. open warnings by level for one school).

    With ``with_total`` the row's total is published too (key ``"total"``); then a lone
    small cell would be recoverable, so the smallest other non-zero cell is hidden as well.
    A total that is itself small is suppressed.
    """
    out: dict[str, int | str] = {
        k: suppress_small(v, threshold=threshold) for k, v in counts.items()
    }
    if with_total:
        hidden = [k for k, v in counts.items() if is_small(v, threshold=threshold)]
        if len(hidden) == 1:
            others = sorted((v, k) for k, v in counts.items() if k not in hidden and v and v > 0)
            if others:
                out[others[0][1]] = "*"
        total = sum(v for v in counts.values() if v)
        out["total"] = suppress_small(total, threshold=threshold)
    return out

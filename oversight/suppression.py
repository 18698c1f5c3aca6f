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


# --- tables with totals: complementary suppression ------------------------------------------------

HIDDEN = "*"
"""How a complementary (secondary) suppressed cell is shown: it says nothing of its size."""


def _bridges(edges: set, nodes: set) -> set:
    """Edges of an undirected multigraph-free graph that lie on no cycle (Tarjan)."""
    adjacency: dict = {n: [] for n in nodes}
    for edge in edges:
        a, b = edge
        adjacency[a].append((b, edge))
        adjacency[b].append((a, edge))
    order: dict = {}
    low: dict = {}
    found: set = set()
    counter = 0
    for root in nodes:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, None, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for other, edge in neighbours:
                if edge == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = counter
                    counter += 1
                    stack.append((other, edge, iter(adjacency[other])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.add(via)
    return found


def _reach(edges: set, start) -> set:
    """Nodes joined to ``start`` by ``edges``."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for a, b in edges:
            for here, there in ((a, b), (b, a)):
                if here == node and there not in seen:
                    seen.add(there)
                    todo.append(there)
    return seen


def _pinned(values: dict, hidden: set, primary: set, lines: list, threshold: int) -> set:
    """Hidden entries a reader pins down from the shown ones by bounds alone: each line says
    "cells sum to the total"; a “<5” lies in 1–4, a “*” is 0 or more (interval propagation)."""
    lo = {e: (1 if e in primary else 0) for e in hidden}
    hi = {e: (threshold - 1 if e in primary else float("inf")) for e in hidden}
    for _ in range(4 * len(lines) + 4):
        changed = False
        for cells, total in lines:
            members = [(e, 1) for e in cells] + [(total, -1)]
            known = sum(sign * values[e] for e, sign in members if e not in hidden)
            unknown = [(e, sign) for e, sign in members if e in hidden]
            for e, sign in unknown:
                # sign*x_e = -known - sum(other signs * x)
                rest_lo = sum((lo[o] if s > 0 else -hi[o]) for o, s in unknown if o != e)
                rest_hi = sum((hi[o] if s > 0 else -lo[o]) for o, s in unknown if o != e)
                low, high = -known - rest_hi, -known - rest_lo
                if sign < 0:
                    low, high = -high, -low
                if low > lo[e]:
                    lo[e], changed = low, True
                if high < hi[e]:
                    hi[e], changed = high, True
        if not changed:
            break
    return {e for e in hidden if lo[e] == hi[e]}


def suppress_table(
    cells: Mapping[tuple, int],
    *,
    rows: list,
    cols: list,
    threshold: int = THRESHOLD,
    totals: bool = True,
) -> dict:
    """Suppress a table of counts published with its row totals, column totals and grand
    total so that no hidden value follows from the shown ones.

    Counts of 1–4 (cells and totals alike) show as “<5”. Then, until nothing can be
    recovered, complementary cells are hidden as “*”: a reader who knows that each row and
    column adds up to its total can recover a hidden value exactly when it lies on no cycle
    of hidden cells (rows and columns as the nodes, hidden cells as the edges, the totals as
    one more row and column); bounds (“<5” is 1–4) can pin one too. Cells picked are the
    smallest non-zero ones in a line of the value at risk, totals last.

    Returns ``{(row, col): shown}``, with ``"total"`` as the column of row totals and as
    the row of column totals. Without ``totals`` no total is published (each is then an
    unknown to the reader) and the same test applies.
    """
    TOTAL = "total"
    all_rows, all_cols = [*rows, TOTAL], [*cols, TOTAL]
    values = {(r, c): int(cells.get((r, c), 0) or 0) for r in rows for c in cols}
    for r in rows:
        values[(r, TOTAL)] = sum(values[(r, c)] for c in cols)
    for c in cols:
        values[(TOTAL, c)] = sum(values[(r, c)] for r in rows)
    values[(TOTAL, TOTAL)] = sum(values[(r, TOTAL)] for r in rows)
    entries = [(r, c) for r in all_rows for c in all_cols]
    primary = {e for e in entries if is_small(values[e], threshold=threshold)}
    hidden = set(primary)
    if not totals:
        hidden |= {e for e in entries if TOTAL in e}
    lines = [([(r, c) for c in cols], (r, TOTAL)) for r in all_rows] + [
        ([(r, c) for r in rows], (TOTAL, c)) for c in all_cols
    ]
    nodes = {("r", r) for r in all_rows} | {("c", c) for c in all_cols}

    def edge(e):
        return (("r", e[0]), ("c", e[1]))

    def line_of(e, along_row: bool):
        return [(e[0], c) for c in all_cols] if along_row else [(r, e[1]) for r in all_rows]

    def cost(e):
        # Prefer inner cells to totals, non-zero small values, and never a zero if avoidable.
        return (TOTAL in e, values[e] == 0, values[e])

    for _ in range(len(entries)):
        if not hidden:
            break
        edges = {edge(e): e for e in hidden}
        at_risk = [edges[b] for b in _bridges(set(edges), nodes)]
        at_risk += sorted(
            _pinned(values, hidden, primary, lines, threshold) - set(at_risk), key=str
        )
        if not at_risk:
            break
        e = sorted(at_risk, key=lambda x: (str(x[0]), str(x[1])))[0]
        candidates = [o for o in line_of(e, True) + line_of(e, False) if o not in hidden and o != e]
        if not candidates:
            break
        # A candidate that closes a cycle through ``e`` (joins its two sides) settles it.
        side = _reach(set(edges) - {edge(e)}, edge(e)[0])
        closing = [o for o in candidates if (edge(o)[0] in side) != (edge(o)[1] in side)]
        hidden.add(min(closing or candidates, key=cost))
    shown = {}
    for e in entries:
        if not totals and TOTAL in e:
            shown[e] = None
        elif e in primary:
            shown[e] = f"<{threshold}"
        elif e in hidden:
            shown[e] = HIDDEN
        else:
            shown[e] = values[e]
    return shown

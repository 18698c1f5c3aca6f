"""Small-cell suppression for published counts about students (design.md: the bureau sees
screening aggregates only, small cells suppressed).

A count between 1 and ``threshold - 1`` is shown as "<5" so no reader can single out a
child in a small group. Zero stays visible (it discloses no one). When a row shows its
total, one suppressed cell could be recovered by subtraction, so ``suppress_row`` also
hides the next-smallest cell (secondary suppression).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Mapping

from django.core.cache import cache

THRESHOLD = 5
INF = float("inf")
# Above this many rows ``suppress_table`` runs the line-based search (``suppress_linked``).
LARGE_TABLE_ROWS = 60
BLOCK_ROWS = 10
SUPPRESSION_CACHE_SECONDS = 24 * 3600


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
    "cells sum to the total"; a “<5” lies in 1–4, a “*” is 0 or more (interval propagation,
    to its fixed point: a line is looked at again only when a bound on it moved)."""
    lo = {e: (1 if e in primary else 0) for e in hidden}
    hi = {e: (threshold - 1 if e in primary else INF) for e in hidden}
    prepared = []  # per line: the shown part of the sum and its hidden entries with signs
    lines_of: dict = {}
    for cells, total in lines:
        members = [(e, 1) for e in cells] + [(total, -1)]
        unknown = [(e, sign) for e, sign in members if e in hidden]
        if not unknown:
            continue
        known = sum(sign * values[e] for e, sign in members if e not in hidden)
        for e, _ in unknown:
            lines_of.setdefault(e, []).append(len(prepared))
        prepared.append((known, unknown))
    todo = list(range(len(prepared)))
    queued = set(todo)
    budget = (4 * len(lines) + 4) * max(1, len(prepared))
    while todo and budget > 0:
        budget -= 1
        i = todo.pop()
        queued.discard(i)
        known, unknown = prepared[i]
        # The bounds of the other unknowns' signed sum, from the line's sums less the
        # entry's own share (infinities counted apart): linear, not quadratic, in the
        # line's length — a city line holds every township.
        lows = [(lo[o] if s > 0 else -hi[o]) for o, s in unknown]
        highs = [(hi[o] if s > 0 else -lo[o]) for o, s in unknown]
        low_inf = sum(1 for v in lows if v == -INF)
        high_inf = sum(1 for v in highs if v == INF)
        low_sum = sum(v for v in lows if v != -INF)
        high_sum = sum(v for v in highs if v != INF)
        for (e, sign), own_low, own_high in zip(unknown, lows, highs, strict=True):
            # sign*x_e = -known - sum(other signs * x)
            if low_inf - (own_low == -INF):
                rest_lo = -INF
            else:
                rest_lo = low_sum - (0 if own_low == -INF else own_low)
            if high_inf - (own_high == INF):
                rest_hi = INF
            else:
                rest_hi = high_sum - (0 if own_high == INF else own_high)
            low, high = -known - rest_hi, -known - rest_lo
            if sign < 0:
                low, high = -high, -low
            moved = False
            if low > lo[e]:
                lo[e], moved = low, True
            if high < hi[e]:
                hi[e], moved = high, True
            if moved:
                for j in lines_of[e]:
                    if j != i and j not in queued:
                        queued.add(j)
                        todo.append(j)
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
    if totals and len(rows) > LARGE_TABLE_ROWS:
        return _table_by_lines(cells, rows=rows, cols=cols, threshold=threshold)
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


def _table_by_lines(cells: Mapping, *, rows: list, cols: list, threshold: int) -> dict:
    """A large table through ``suppress_by_township`` with its rows taken in blocks of
    ``BLOCK_ROWS`` as if each block's subtotal were published too. A reader who knew those
    subtotals could still recover no hidden value, so one who does not (they are not shown)
    cannot either; the blocks keep every line short, which keeps the search linear in
    practice (one line of 1,000 schools made it run for minutes)."""
    counts = {r: {c: cells.get((r, c), 0) for c in cols} for r in rows}
    keyed = {("row", i): r for i, r in enumerate(rows)}
    by_key = {k: counts[r] for k, r in keyed.items()}
    keys = list(keyed)
    groups = [(n, keys[n : n + BLOCK_ROWS]) for n in range(0, len(keys), BLOCK_ROWS)]
    shown = suppress_by_township(by_key, groups=groups, cols=cols, threshold=threshold)
    out = {}
    for (row, col), value in shown.items():
        if row == "total":
            out[("total", col)] = value
        elif row in keyed:
            out[(keyed[row], col)] = value
    return out


# --- linked tables: schools within townships within the city -----------------------------------


def suppress_linked(
    values: Mapping, *, lines: list, implied=(), threshold: int = THRESHOLD, rank=None
) -> dict:
    """``suppress_table`` for any set of published counts in which each count lies on
    exactly two lines (“these cells add up to that total”) — e.g. schools' rows within a
    township's columns, the townships' subtotals within the city's.

    ``values``: ``{entry: count}``; ``lines``: ``[(cells, total), …]`` over those entries.
    The same rule as ``suppress_table``: 1–4 shows as “<5”, then complementary cells are
    hidden as “*” until no hidden value lies on no cycle of hidden entries (lines as the
    nodes, hidden entries as the edges) and none is pinned by bounds. ``rank(entry)``
    orders candidates (lower is hidden first; default: cells before totals). ``implied``
    lines follow from ``lines`` (a township's row adds up to its total); they add nothing to
    the cycles but help the bounds a reader can work out.
    """
    where: dict = {}
    for i, (cells, total) in enumerate(lines):
        for e in (*cells, total):
            where.setdefault(e, []).append(i)
    totals = {total for _, total in lines}
    rank = rank or (lambda e: e in totals)
    # The answer depends on the counts, the lines and the ranks alone: kept in the cache
    # under a hash of them (counts per school — no student), so a page read again before
    # any count changed does not search again. At 1,000 schools a search is ~1–2 s of CPU.
    digest = hashlib.sha256(
        repr(
            (
                threshold,
                [(e, int(values.get(e, 0) or 0), rank(e)) for e in where],
                [(tuple(cells), total) for cells, total in lines],
                [(tuple(cells), total) for cells, total in implied],
            )
        ).encode()
    ).hexdigest()
    key = f"suppress:{digest}"
    found = cache.get(key)
    if found is None:
        found = _suppress_linked_search(
            values, lines=lines, implied=implied, threshold=threshold, rank=rank
        )
        cache.set(key, found, SUPPRESSION_CACHE_SECONDS)
    return found


def _suppress_linked_search(
    values: Mapping, *, lines: list, implied=(), threshold: int = THRESHOLD, rank=None
) -> dict:
    where: dict = {}
    for i, (cells, total) in enumerate(lines):
        for e in (*cells, total):
            where.setdefault(e, []).append(i)
    if any(len(at) != 2 for at in where.values()):
        raise ValueError("every published count must lie on exactly two lines")
    totals = {total for _, total in lines}
    rank = rank or (lambda e: e in totals)
    entries = list(where)
    values = {e: int(values.get(e, 0) or 0) for e in entries}
    primary = {e for e in entries if is_small(values[e], threshold=threshold)}
    hidden = set(primary)
    nodes = set(range(len(lines)))

    def edge(e):
        return tuple(where[e])

    def cost(e):
        return (rank(e), values[e] == 0, values[e])

    adjacency: dict = {n: [] for n in nodes}
    for e in entries:
        a, b = edge(e)
        adjacency[a].append((b, e))
        adjacency[b].append((a, e))

    def weight(e) -> float:
        # Already hidden costs nothing; then inner cells, non-zero, small values first.
        if e in hidden:
            return 0
        r, zero, v = cost(e)
        return 1 + 1000 * r + 100 * zero + v / (1 + v)

    def close_cycle(e) -> None:
        """Hide the cheapest path that joins the two ends of ``e`` (then ``e`` lies on a
        cycle of hidden entries)."""
        a, b = edge(e)
        best, via, done = {a: 0}, {}, set()
        heap = [(0, 0, a)]
        tick = 0
        while heap:
            d, _, node = heapq.heappop(heap)
            if node in done:
                continue
            done.add(node)
            if node == b:
                break
            for other, o in adjacency[node]:
                if o == e:
                    continue
                nd = d + weight(o)
                if nd < best.get(other, float("inf")):
                    best[other], via[other] = nd, (node, o)
                    tick += 1
                    heapq.heappush(heap, (nd, tick, other))
        node = b
        while node != a and node in via:
            node, o = via[node]
            hidden.add(o)

    for _ in range(len(entries)):
        if not hidden:
            break
        edges = {edge(e): e for e in hidden}
        bridges = sorted((edges[b] for b in _bridges(set(edges), nodes)), key=str)
        if bridges:
            for e in bridges:
                close_cycle(e)
            continue
        # Only lines that hold a hidden entry can pin one down.
        touched = {i for e in hidden for i in where[e]}
        active = [lines[i] for i in sorted(touched)] + [
            line for line in implied if any(o in hidden for o in (*line[0], line[1]))
        ]
        pinned = sorted(_pinned(values, hidden, primary, active, threshold), key=str)
        if not pinned:
            break
        # Every pinned entry gets its complement in one pass (one bounds pass per round,
        # not one per entry); the next round checks them all again.
        added = False
        for e in pinned:
            a, b = edge(e)
            members = [*lines[a][0], lines[a][1], *lines[b][0], lines[b][1]]
            candidates = [o for o in members if o not in hidden]
            if candidates:
                hidden.add(min(candidates, key=cost))
                added = True
        if not added:
            break
    return {
        e: f"<{threshold}" if e in primary else HIDDEN if e in hidden else values[e]
        for e in entries
    }


def suppress_by_township(counts: Mapping, *, groups: list, cols: list, **kwargs) -> dict:
    """Counts per school and column (``{school_id: {col: n}}``) published three ways — each
    school's row, each township's subtotal and the city's total, all with their row totals —
    suppressed together (``suppress_linked``), so that no view of one township, nor the
    townships' summary, nor all of them read side by side gives a hidden count back.

    ``groups``: ``[(township_key, [school_id, …]), …]`` covering every school published.
    Keys of the answer: ``(school_id, col)``, ``(("township", key), col)`` and
    ``("total", col)``, with ``"total"`` as the column of row totals.
    """
    TOTAL = "total"
    every = [*cols, TOTAL]
    values: dict = {}
    lines: list = []
    implied: list = []
    for key, school_ids in groups:
        town = ("township", key)
        for pk in school_ids:
            row = counts.get(pk, {})
            for c in cols:
                values[(pk, c)] = int(row.get(c, 0) or 0)
            values[(pk, TOTAL)] = sum(values[(pk, c)] for c in cols)
            lines.append(([(pk, c) for c in cols], (pk, TOTAL)))
        for c in every:
            values[(town, c)] = sum(values[(pk, c)] for pk in school_ids)
            lines.append(([(pk, c) for pk in school_ids], (town, c)))
        implied.append(([(town, c) for c in cols], (town, TOTAL)))
    towns = [("township", key) for key, _ in groups]
    for c in every:
        values[(TOTAL, c)] = sum(values[(t, c)] for t in towns)
        lines.append(([(t, c) for t in towns], (TOTAL, c)))
    lines.append(([(TOTAL, c) for c in cols], (TOTAL, TOTAL)))

    def rank(e):
        row, col = e
        if row == TOTAL:
            return 3
        if isinstance(row, tuple):
            return 1 + (col == TOTAL)
        return int(col == TOTAL)

    return suppress_linked(values, lines=lines, implied=implied, rank=rank, **kwargs)

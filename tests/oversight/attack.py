"""An attacker for published tables: from the shown cells and totals, try to recover every
suppressed value (used by the suppression tests; no production code uses it)."""

from fractions import Fraction

TOTAL = "total"


def _lines(rows, cols):
    all_rows, all_cols = [*rows, TOTAL], [*cols, TOTAL]
    out = [([(r, c) for c in cols], (r, TOTAL)) for r in all_rows]
    out += [([(r, c) for r in rows], (TOTAL, c)) for c in all_cols]
    return out


def _rref(matrix, width):
    rows = [list(r) for r in matrix]
    pivots, lead = [], 0
    for col in range(width):
        pivot = next((i for i in range(lead, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[lead], rows[pivot] = rows[pivot], rows[lead]
        p = rows[lead][col]
        rows[lead] = [v / p for v in rows[lead]]
        for i in range(len(rows)):
            if i != lead and rows[i][col] != 0:
                f = rows[i][col]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[lead], strict=True)]
        pivots.append(col)
        lead += 1
    return rows[:lead], pivots


def recovered(shown: dict, truth: dict, rows, cols, threshold=5) -> dict:
    """Hidden entries the attacker pins down, with the value found.

    ``shown`` maps (row, col) → int or a marker; ``truth`` the real counts (to check that a
    second table agreeing with everything shown exists). An entry counts as safe only when
    such a second table is exhibited: the real one shifted along a null direction of the
    row/column equations, within the bounds the markers give (“<5”: 1–4, other: ≥ 0).
    """
    hidden = sorted((e for e, v in shown.items() if not isinstance(v, int)), key=str)
    index = {e: i for i, e in enumerate(hidden)}
    equations = []
    for cells, total in _lines(rows, cols):
        members = [(e, 1) for e in cells] + [(total, -1)]
        if not any(e in index for e, _ in members):
            continue
        row = [Fraction(0)] * len(hidden)
        for e, sign in members:
            if e in index:
                row[index[e]] += sign
        equations.append(row)
    rref, pivots = _rref(equations, len(hidden))
    free = [i for i in range(len(hidden)) if i not in pivots]
    # Null-space basis: one vector per free variable.
    basis = []
    for f in free:
        v = [Fraction(0)] * len(hidden)
        v[f] = Fraction(1)
        for row, p in zip(rref, pivots, strict=True):
            v[p] = -row[f]
        basis.append(v)

    def bounds(e):
        if shown[e] == f"<{threshold}":
            return 1, threshold - 1
        return 0, 10**9

    def feasible(values):
        return all(
            bounds(e)[0] <= values[i] <= bounds(e)[1] and values[i] == int(values[i])
            for i, e in enumerate(hidden)
        )

    actual = [Fraction(truth[e]) for e in hidden]
    out = {}
    for i, e in enumerate(hidden):
        witness = False
        directions = [v for v in basis if v[i] != 0]
        # Pairs of basis vectors too, for cells where one direction alone leaves the bounds.
        directions += [
            [a + b for a, b in zip(u, w, strict=True)]
            for k, u in enumerate(basis)
            for w in basis[k + 1 :]
        ]
        directions += [
            [a - b for a, b in zip(u, w, strict=True)]
            for k, u in enumerate(basis)
            for w in basis[k + 1 :]
        ]
        for v in directions:
            if v[i] == 0:
                continue
            denominators = 1
            for x in v:
                denominators = denominators * x.denominator
            for t in (1, -1, 2, -2, 3, -3):
                step = Fraction(t * denominators)
                candidate = [a + step * b for a, b in zip(actual, v, strict=True)]
                if candidate[i] != actual[i] and feasible(candidate):
                    witness = True
                    break
            if witness:
                break
        if not witness:
            out[e] = truth[e]
    return out

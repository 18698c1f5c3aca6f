import pytest

from oversight.suppression import suppress_row, suppress_small


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (37, 37), (None, None)],
)
def test_suppress_small(count, shown):
    assert suppress_small(count) == shown


def test_threshold_is_configurable():
    assert suppress_small(9, threshold=10) == "<10"


def test_row_hides_a_second_cell_when_one_is_small_and_the_total_is_shown():
    row = suppress_row({"一般": 12, "重点": 3, "危机": 0})
    assert row == {"一般": "*", "重点": "<5", "危机": 0, "total": 15}


def test_row_with_two_small_cells_needs_no_secondary_suppression():
    row = suppress_row({"一般": 20, "重点": 2, "危机": 1})
    assert row == {"一般": 20, "重点": "<5", "危机": "<5", "total": 23}


def test_small_total_is_suppressed():
    assert suppress_row({"一般": 3, "重点": 0})["total"] == "<5"


def test_row_without_total():
    assert suppress_row({"一般": 8, "重点": 1}, with_total=False) == {"一般": 8, "重点": "<5"}


# --- tables with totals: nothing hidden can be recovered (issue 12, item 10) -----------------

import random  # noqa: E402

from oversight.suppression import suppress_table  # noqa: E402

from .attack import recovered  # noqa: E402


def _truth(cells, rows, cols):
    truth = dict(cells)
    for r in rows:
        truth[(r, "total")] = sum(cells[(r, c)] for c in cols)
    for c in cols:
        truth[("total", c)] = sum(cells[(r, c)] for r in rows)
    truth[("total", "total")] = sum(cells.values())
    return truth


def test_attacker_recovers_the_lone_suppressed_cell_of_a_column_from_row_suppression():
    """What the dashboard did: each row suppressed alone, column totals shown."""
    rows, cols = ["甲", "乙", "丙"], ["一般", "重点", "危机"]
    cells = {("甲", "一般"): 20, ("甲", "重点"): 9, ("甲", "危机"): 3,
             ("乙", "一般"): 15, ("乙", "重点"): 8, ("乙", "危机"): 6,
             ("丙", "一般"): 11, ("丙", "重点"): 7, ("丙", "危机"): 5}  # fmt: skip
    shown = {}
    for r in rows:
        row = suppress_row({c: cells[(r, c)] for c in cols})
        shown.update({(r, c): row[c] for c in cols} | {(r, "total"): row["total"]})
    truth = _truth(cells, rows, cols)
    for c in [*cols, "total"]:
        shown[("total", c)] = truth[("total", c)]
    assert recovered(shown, truth, rows, cols)  # the old way leaks
    assert recovered(suppress_table(cells, rows=rows, cols=cols), truth, rows, cols) == {}


@pytest.mark.parametrize("seed", range(60))
def test_no_suppressed_value_follows_from_the_shown_ones(seed):
    rng = random.Random(seed)
    rows = [f"校{i}" for i in range(rng.randint(1, 7))]
    cols = ["一般", "重点", "危机"][: rng.randint(1, 3)]
    cells = {(r, c): rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30]) for r in rows for c in cols}
    shown = suppress_table(cells, rows=rows, cols=cols)
    truth = _truth(cells, rows, cols)
    for e, value in shown.items():
        if isinstance(value, int):
            assert value == truth[e]
        if 0 < truth[e] < 5:
            assert value == "<5"
    assert recovered(shown, truth, rows, cols) == {}

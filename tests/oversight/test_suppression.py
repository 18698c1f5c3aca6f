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

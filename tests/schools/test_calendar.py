"""The school calendar (``schools.calendar``): school years, terms, breaks, periods."""

import datetime

import pytest
from django.utils import timezone

from schools.calendar import (
    BREAKS,
    SUMMER_BREAK,
    WINTER_BREAK,
    Period,
    SchoolYear,
    Term,
    break_days,
)

D = datetime.date


@pytest.mark.parametrize(
    ("day", "first_year"),
    [
        (D(2026, 8, 31), 2025),  # the last day of the old year
        (D(2026, 9, 1), 2026),  # the first day of the new one
        (D(2026, 12, 31), 2026),
        (D(2027, 1, 1), 2026),
        (D(2027, 8, 31), 2026),
        (D(2027, 9, 1), 2027),
    ],
)
def test_the_school_year_turns_on_1_september(day, first_year):
    assert SchoolYear.containing(day) == SchoolYear(first_year)
    assert day in SchoolYear(first_year)
    assert day not in SchoolYear(first_year - 1)
    assert day not in SchoolYear(first_year + 1)


def test_a_school_year_runs_from_1_september_to_31_august():
    year = SchoolYear(2026)
    assert (year.start, year.end) == (D(2026, 9, 1), D(2027, 8, 31))
    assert year.period == Period(D(2026, 9, 1), D(2027, 8, 31))
    assert year.previous() == SchoolYear(2025)
    assert SchoolYear(2025) < SchoolYear(2026)


def test_leap_years():
    # 2028 is a leap year: the 2027—2028 school year holds 29 February and has 366 days.
    leap = SchoolYear(2027)
    assert D(2028, 2, 29) in leap
    assert SchoolYear.containing(D(2028, 2, 29)) == leap
    assert (leap.end - leap.start).days + 1 == 366
    assert (SchoolYear(2026).end - SchoolYear(2026).start).days + 1 == 365
    assert leap.end == D(2028, 8, 31)
    # 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
    assert SchoolYear(2099).end == D(2100, 8, 31)
    assert (SchoolYear(2099).end - SchoolYear(2099).start).days + 1 == 365
    assert (SchoolYear(1999).end - SchoolYear(1999).start).days + 1 == 366


def test_labels():
    assert SchoolYear(2026).label == "2026—2027学年"
    assert SchoolYear(2025).plain_label == "2025-2026学年"
    assert SchoolYear(2026).term(1).label == "2026—2027学年第一学期"
    assert SchoolYear(2025).term(2).plain_label == "2025-2026学年第二学期"
    assert [t.name for t in SchoolYear(2026).terms] == ["第一学期", "第二学期"]


def test_terms_are_teaching_days_between_the_breaks():
    first, second = SchoolYear(2025).terms
    assert (first.start, first.end) == (D(2025, 9, 1), D(2026, 1, 19))
    assert (second.start, second.end) == (D(2026, 2, 21), D(2026, 7, 9))
    assert first.period == Period(D(2025, 9, 1), D(2026, 1, 19))
    # The term after a leap February still begins the day after the winter break.
    assert SchoolYear(2027).term(2).start == D(2028, 2, 21)
    with pytest.raises(ValueError):
        SchoolYear(2025).term(3)


@pytest.mark.parametrize(
    ("day", "number"),
    [
        (D(2025, 9, 1), 1),
        (D(2025, 12, 31), 1),
        (D(2026, 1, 31), 1),  # in the winter break: still the first term's half
        (D(2026, 2, 1), 2),
        (D(2026, 2, 20), 2),  # the last day of the winter break falls in February
        (D(2026, 7, 20), 2),  # in the summer break
        (D(2026, 8, 31), 2),
    ],
)
def test_the_term_a_day_belongs_to(day, number):
    assert SchoolYear(2025).term_of(day).number == number
    assert Term.containing(day) == SchoolYear(2025).term(number)


def test_term_of_refuses_a_day_of_another_year():
    with pytest.raises(ValueError):
        SchoolYear(2025).term_of(D(2026, 9, 1))


def test_breaks():
    assert [b.name for b in BREAKS] == ["寒假", "暑假"]
    assert SchoolYear(2026).break_dates(WINTER_BREAK) == (D(2027, 1, 20), D(2027, 2, 20))
    assert SchoolYear(2026).break_dates(SUMMER_BREAK) == (D(2027, 7, 10), D(2027, 8, 31))
    # A whole school year: 32 winter days and 53 summer days.
    year = SchoolYear(2026)
    assert break_days(start=year.start, end=year.end) == 32 + 53
    # Windows that cut a break, and no break at all.
    assert break_days(start=D(2027, 2, 15), end=D(2027, 3, 1)) == 6
    assert break_days(start=D(2026, 9, 1), end=D(2026, 12, 31)) == 0
    assert break_days(start=D(2027, 3, 1), end=D(2027, 2, 1)) == 0
    # Across two calendar years: the summer of 2026 (from 1 August) and the winter after.
    assert break_days(start=D(2026, 8, 1), end=D(2027, 2, 1)) == 31 + 13


def test_today_is_read_in_the_portals_time_zone(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 8, 31))
    assert SchoolYear.current() == SchoolYear(2025)
    assert Period.school_year() == Period(D(2025, 9, 1), D(2026, 8, 31))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 9, 1))
    assert SchoolYear.current() == SchoolYear(2026)
    assert Period.school_year(D(2024, 3, 1)) == SchoolYear(2023).period


def test_a_period_is_read_as_of_its_end_or_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 10, 1))
    assert SchoolYear(2026).period.as_of == D(2026, 10, 1)
    assert SchoolYear(2025).period.as_of == D(2026, 8, 31)

"""The school calendar: school years, terms, breaks and report periods, for every app.

**School year (学年).** 1 September to 31 August of the next calendar year, named by both
years: ``SchoolYear(2026)`` is the “2026—2027学年”, 2026-09-01 to 2027-08-31 (366 days when it
holds a 29 February). ``SchoolYear.containing(day)`` is the year a day falls in (31 August is
the last day of the old year, 1 September the first of the new); ``SchoolYear.current()`` the
year of today in the portal's time zone (``timezone.localdate()``).

**Breaks (假期).** The city's approximate dates, the same every year, as (month, day) inclusive:
寒假 20 January – 20 February, 暑假 10 July – 31 August (the actual dates move a little each
year; the portal's expectations — one mental-health lesson every two weeks of term — use
these). Break days are not term time (``break_days``).

**Terms (学期).** A school year has two terms, with two readings:

- *teaching days* (``Term.start`` – ``Term.end``): 第一学期 1 September – the day before the
  winter break (19 January); 第二学期 the day after the winter break (21 February) – the day
  before the summer break (9 July). Term reports count these days.
- *the half of the year a day belongs to* (``SchoolYear.term_of``): September – January is the
  第一学期, February – August the 第二学期, breaks included — the term a form proposes by
  default.

**Period.** Any span of days (inclusive) that a report or a figure reads; ``Period.as_of`` is
the day a “current state” figure is read on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

# The school year's first day, as (month, day).
SCHOOL_YEAR_START = (9, 1)


@dataclass(frozen=True)
class Break:
    """A school break, from ``start`` to ``end`` inclusive, as (month, day) in one calendar
    year."""

    name: str
    start: tuple[int, int]
    end: tuple[int, int]

    def dates(self, year: int) -> tuple[datetime.date, datetime.date]:
        """The break's first and last day in calendar year ``year``."""
        return datetime.date(year, *self.start), datetime.date(year, *self.end)


WINTER_BREAK = Break("寒假", (1, 20), (2, 20))
SUMMER_BREAK = Break("暑假", (7, 10), (8, 31))
BREAKS = (WINTER_BREAK, SUMMER_BREAK)

TERM_NAMES = {1: "第一学期", 2: "第二学期"}


def break_days(*, start: datetime.date, end: datetime.date) -> int:
    """How many days of [start, end] fall in a break (0 when end is before start)."""
    days = 0
    for year in range(start.year, end.year + 1):
        for school_break in BREAKS:
            first, last = school_break.dates(year)
            first, last = max(start, first), min(end, last)
            if last >= first:
                days += (last - first).days + 1
    return days


@dataclass(frozen=True)
class Period:
    """A span of days, ``start`` to ``end`` inclusive, that a report or figure reads."""

    start: datetime.date
    end: datetime.date

    @property
    def as_of(self) -> datetime.date:
        """The day a "current state" figure is read on: the period's end, not the future."""
        from django.utils import timezone

        return min(self.end, timezone.localdate())

    @classmethod
    def school_year(cls, day: datetime.date | None = None) -> Period:
        """The school year (1 September – 31 August) that contains ``day`` (today if not
        given)."""
        year = SchoolYear.containing(day) if day is not None else SchoolYear.current()
        return cls(year.start, year.end)


@dataclass(frozen=True, order=True)
class SchoolYear:
    """The school year that begins on 1 September of ``first_year``."""

    first_year: int

    @classmethod
    def containing(cls, day: datetime.date) -> SchoolYear:
        return cls(day.year if (day.month, day.day) >= SCHOOL_YEAR_START else day.year - 1)

    @classmethod
    def current(cls) -> SchoolYear:
        """Today's school year (today in the portal's time zone)."""
        from django.utils import timezone

        return cls.containing(timezone.localdate())

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.first_year, *SCHOOL_YEAR_START)

    @property
    def end(self) -> datetime.date:
        return SchoolYear(self.first_year + 1).start - datetime.timedelta(days=1)

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    @property
    def label(self) -> str:
        """“2026—2027学年”, for titles and prose."""
        return f"{self.first_year}—{self.first_year + 1}学年"

    @property
    def plain_label(self) -> str:
        """“2026-2027学年” (an ASCII hyphen), as training reports, their pickers and their file
        names have always named it."""
        return f"{self.first_year}-{self.first_year + 1}学年"

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> SchoolYear:
        return SchoolYear(self.first_year - 1)

    def term(self, number: int) -> Term:
        if number not in TERM_NAMES:
            raise ValueError(f"a school year has terms 1 and 2, not {number!r}")
        return Term(self, number)

    @property
    def terms(self) -> tuple[Term, Term]:
        return (Term(self, 1), Term(self, 2))

    def term_of(self, day: datetime.date) -> Term:
        """The term whose half of this year ``day`` belongs to: September – January is the
        第一学期, February – August the 第二学期 (breaks included)."""
        if day not in self:
            raise ValueError(f"{day} is not in the {self.label}")
        return Term(self, 1 if day.month >= 9 or day.month == 1 else 2)

    def break_dates(self, school_break: Break) -> tuple[datetime.date, datetime.date]:
        """The first and last day of a break in this school year (both breaks fall in the
        second calendar year of a school year)."""
        return school_break.dates(self.first_year + 1)


@dataclass(frozen=True)
class Term:
    """One term of a school year; ``start``–``end`` are its teaching days (see the module
    doc)."""

    school_year: SchoolYear
    number: int

    @classmethod
    def containing(cls, day: datetime.date) -> Term:
        """The term whose half of the school year ``day`` belongs to (``term_of``)."""
        return SchoolYear.containing(day).term_of(day)

    @property
    def name(self) -> str:
        return TERM_NAMES[self.number]

    @property
    def start(self) -> datetime.date:
        if self.number == 1:
            return self.school_year.start
        return self.school_year.break_dates(WINTER_BREAK)[1] + datetime.timedelta(days=1)

    @property
    def end(self) -> datetime.date:
        school_break = WINTER_BREAK if self.number == 1 else SUMMER_BREAK
        return self.school_year.break_dates(school_break)[0] - datetime.timedelta(days=1)

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    @property
    def label(self) -> str:
        """“2026—2027学年第一学期”."""
        return f"{self.school_year.label}{self.name}"

    @property
    def plain_label(self) -> str:
        """“2026-2027学年第一学期” (see ``SchoolYear.plain_label``)."""
        return f"{self.school_year.plain_label}{self.name}"

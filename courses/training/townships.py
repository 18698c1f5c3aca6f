"""The city training-hours report one township at a time (R-26): the schools' rows of
``reports.bureau_hours_report`` summed per township."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schools.selectors import Township

from .reports import SchoolRow


@dataclass
class TownshipRow(SchoolRow):
    """A township's staff, hours and teachers meeting the target, summed from its schools'
    rows; ``share`` and ``average`` are worked out from the sums as a school's are."""

    township: Any = None
    schools: int = 0


def township_rows(rows: list[SchoolRow], townships: list[Township]) -> list[TownshipRow]:
    by_school = {r.school.pk: r for r in rows}
    out = []
    for t in townships:
        total = TownshipRow(school=None, township=t, schools=len(t.schools))
        for school in t.schools:
            r = by_school[school.pk]
            total.staff += r.staff
            total.hours += r.hours
            total.meeting += r.meeting
            total.with_target += r.with_target
        out.append(total)
    return out

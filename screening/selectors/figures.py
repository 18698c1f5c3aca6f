"""Screening figures: counts by level, coverage of every enrolled student (R-18) and the bureau's suppressed aggregate.

Nothing here returns a row per student: callers publish counts only, with small cells
suppressed (``SMALL_CELL``)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from oversight.snapshots import snapshotted
from portal.memo import memoized
from schools import access
from schools.calendar import SchoolYear
from schools.models import School, Student

from ..models import (
    ScreeningRound,
    Warning,
    WarningLevel,
)
from .scope import ACTIVE_WARNING, SMALL_CELL, current_results

# --- figures (bureau, and schools' own summaries) --------------------------------------------


def _suppress_count(n: int) -> int | str:
    """A published count: 0 and 5 or more as they are, 1–4 as “<5”."""
    return f"<{SMALL_CELL}" if 0 < n < SMALL_CELL else n


def figure_schools_for(*, user) -> QuerySet[School]:
    """Schools whose figures the user sees: every school for the bureau, own school otherwise."""
    return access.schools_for(user=user, cap="screening.figures.read")


def warning_table(*, counts: dict, school_ids: list[int]) -> dict:
    """Active warnings per school and level with school totals, totals per level and the
    grand total, suppressed together (``oversight.suppression.suppress_table``): no hidden
    count follows from the shown ones. The one rule for the figures page and the dashboard.
    Keys: ``(school_id, level)``, ``(school_id, "total")``, ``("total", level)``,
    ``("total", "total")``."""
    from oversight.suppression import suppress_table

    levels = WarningLevel.values
    cells = {(pk, lv): counts.get(pk, {}).get(lv, 0) for pk in school_ids for lv in levels}
    return suppress_table(cells, rows=list(school_ids), cols=levels)


def warning_counts(*, user) -> list[dict]:
    """Active warnings per school and level, suppressed as on the dashboard
    (``warning_table``); the last row holds the totals. No names, ever."""
    schools = list(figure_schools_for(user=user).only("pk", "name", "code"))
    ids = [s.pk for s in schools]
    table = warning_table(counts=warning_level_counts(school_ids=ids), school_ids=ids)
    columns = [*WarningLevel.values, "total"]
    rows = [{"school": s, "cells": [table[(s.pk, c)] for c in columns]} for s in schools]
    rows.append({"school": None, "cells": [table[("total", c)] for c in columns]})
    return rows


def screened_results(*, school_ids, start: datetime.date, end: datetime.date):
    """The results that make a student “screened” in [start, end]: the one definition every
    coverage figure counts through. A result a correction superseded does not count."""
    return current_results().filter(
        school_id__in=school_ids, taken_on__gte=start, taken_on__lte=end
    )


def screened_student_ids(*, school_ids, start: datetime.date, end: datetime.date):
    """Ids of the students screened in [start, end] (a subquery; each student once)."""
    return (
        screened_results(school_ids=school_ids, start=start, end=end)
        .values("student_id")
        .distinct()
    )


def screened_count(*, school_ids, start: datetime.date, end: datetime.date) -> int:
    """How many students still enrolled were screened in [start, end]."""
    return Student.objects.filter(
        school_id__in=school_ids,
        is_active=True,
        pk__in=screened_student_ids(school_ids=school_ids, start=start, end=end),
    ).count()


@dataclass
class CoverageCounts:
    """Raw per-school counts behind the 全覆盖 figures (unsuppressed: publish them only
    through ``coverage_share``/``_suppress_count``). Missing schools count 0."""

    students: dict[int, int]  # enrolled (在读) students: the denominator
    screened: dict[int, int]  # of them, screened in the period
    archived: dict[int, int]  # of them, with a mental-health archive
    with_round: set[int]  # schools with a screening round in the period


def coverage_counts(
    *, school_ids, start: datetime.date, end: datetime.date | None = None, rounds: bool = True
):
    """Screening and archive coverage over **every enrolled student** (三个全覆盖: the source
    asks for every student, not the targets of the rounds held): students of each school
    screened in [start, end] (default: to the end of the school year ``start`` falls in),
    students with an archive, and the schools that held a round.

    Set-based (R-26): three grouped counts — enrolled students per school, distinct screened
    students per school (results joined to their enrolled student), archives per school
    (joined the same way) — and one for the rounds; no per-student subquery, so the cost is a
    scan of each table, not a probe per student. Four queries however many schools or
    students, one per distinct arguments within a ``portal.memo.memo_scope``."""
    school_ids = sorted(set(school_ids))
    end = end or SchoolYear.containing(start).end
    students, screened, archived = _coverage_tallies(school_ids=school_ids, start=start, end=end)
    counts = CoverageCounts(dict(students), dict(screened), dict(archived), set())
    if rounds:
        counts.with_round = set(
            ScreeningRound.objects.filter(
                school_id__in=school_ids, starts_on__lte=end, ends_on__gte=start
            ).values_list("school_id", flat=True)
        )
    return counts


@memoized
def _coverage_tallies(*, school_ids: list[int], start, end) -> tuple[dict, dict, dict]:
    """Enrolled, screened and archived students per school (every school with students has
    all three counts, 0 where none)."""
    found = _coverage_by_school(school_ids=school_ids, start=start, end=end)
    return (
        {pk: v[0] for pk, v in found.items()},
        {pk: v[1] for pk, v in found.items()},
        {pk: v[2] for pk, v in found.items()},
    )


@snapshotted("screening.coverage", encode=list, decode=tuple)
def _coverage_by_school(*, school_ids, start, end) -> dict[int, tuple[int, int, int]]:
    """Three grouped counts; kept computed for a province (``oversight.snapshots``)."""
    enrolled = Student.objects.filter(school_id__in=school_ids, is_active=True)

    def per_school(students) -> dict[int, int]:
        return dict(
            students.values("school_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("school_id", "n")
        )

    students = per_school(enrolled)
    # A semi-join (students whose id is among the screened ones) and a join to the archive
    # (one per student): hashed once, grouped once — no count-distinct sort.
    screened = per_school(
        enrolled.filter(
            pk__in=screened_results(school_ids=school_ids, start=start, end=end).values(
                "student_id"
            )
        )
    )
    archived = per_school(enrolled.filter(screening_archive__isnull=False))
    return {pk: (n, screened.get(pk, 0), archived.get(pk, 0)) for pk, n in students.items()}


NO_ROUND = "未开展筛查"
"""The flag of a school that held no screening round in the period (its coverage is 0 %)."""


def unchecked_counts(*, school_ids, school_year_start, until=None) -> dict[int, int]:
    """Students per school with a current result taken in the period whose critical item
    was not checked (a totals-only import), unsuppressed (callers suppress). One query."""
    end = until or SchoolYear.containing(school_year_start).end
    rows = (
        current_results()
        .filter(
            school_id__in=school_ids,
            critical_checked=False,
            taken_on__gte=school_year_start,
            taken_on__lte=end,
        )
        .values("school_id")
        .annotate(n=Count("student_id", distinct=True))
        .order_by()
    )
    return {row["school_id"]: row["n"] for row in rows}


def warning_level_counts(*, school_ids) -> dict[int, dict[str, int]]:
    """Active warnings per school and level, unsuppressed (callers suppress). One query."""
    out: dict[int, dict[str, int]] = {}
    for row in (
        Warning.objects.filter(school_id__in=school_ids, status__in=ACTIVE_WARNING)
        .values("school_id", "level")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        out.setdefault(row["school_id"], {})[row["level"]] = row["n"]
    return out


def coverage_share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, or ``None`` where it would single out students:
    a school under 5 students, or a part of 1–4 (a share of a known total gives the count
    back — 0.1 % of 2,017 is 2 students with an archive). 0 of a school is 0 %, never hidden."""
    if whole < SMALL_CELL or 0 < part < SMALL_CELL:
        return None
    return round(100 * part / whole, 1)


def coverage(*, user, school_year_start) -> dict:
    """Share of all enrolled students screened this school year and with an archive (R-18,
    三个全覆盖), per school and city-wide. A school that held no round shows 0 % and the flag
    ``NO_ROUND``; a share is hidden only where it would single students out
    (``coverage_share``), and counts under 5 show as “<5”."""
    schools = list(figure_schools_for(user=user).only("pk", "name", "code"))
    c = coverage_counts(school_ids=[s.pk for s in schools], start=school_year_start)
    unchecked = unchecked_counts(
        school_ids=[s.pk for s in schools], school_year_start=school_year_start
    )
    share = coverage_share
    rows = []
    for school in schools:
        total = c.students.get(school.pk, 0)
        rows.append(
            {
                "school": school,
                "students": _suppress_count(total),
                "screened": _suppress_count(c.screened.get(school.pk, 0)),
                "archived": _suppress_count(c.archived.get(school.pk, 0)),
                "screened_share": share(c.screened.get(school.pk, 0), total),
                "archive_share": share(c.archived.get(school.pk, 0), total),
                "flag": "" if school.pk in c.with_round else NO_ROUND,
                "unchecked": _suppress_count(unchecked.get(school.pk, 0)),
            }
        )
    whole = sum(c.students.values())
    return {
        "rows": rows,
        "city_students": _suppress_count(whole),
        "city_screened_share": share(sum(c.screened.values()), whole),
        "city_archive_share": share(sum(c.archived.values()), whole),
        "without_round": sum(1 for r in rows if r["flag"]),
    }


RESULT_LEVELS = ["none", *WarningLevel.values]
"""Columns of the bureau's aggregate: students by the highest level of their results."""


def _highest_level_counts(*, school_ids, start, end) -> list[tuple[int, int, int, int]]:
    """``(school_id, grade, top, students)``: students screened in [start, end] counted once
    each, by the highest level of their current results (``top`` indexes ``RESULT_LEVELS``:
    0 none, then the warning levels in order), at the school of those results and in the
    grade of their class. One grouped query over a grouped query — the database does both
    passes, Python sees a few rows per school, never a row per result."""
    from django.db.models import Case, IntegerField, Max, Value, When

    from portal.sql import regroup

    rank = Case(
        *(When(level=lv, then=Value(i + 1)) for i, lv in enumerate(WarningLevel.values)),
        default=Value(0),
        output_field=IntegerField(),
    )
    per_student = (
        screened_results(school_ids=school_ids, start=start, end=end)
        .values("student_id")
        .annotate(
            top_level=Max(rank),
            at_school=Max("school_id"),
            at_grade=Max("student__school_class__grade"),
        )
        .values("at_school", "at_grade", "top_level")
        .order_by()
    )
    return regroup(per_student, by=["at_school", "at_grade", "top_level"], select=["COUNT(*)"])


def bureau_aggregate(*, user, school_year_start) -> tuple[list[tuple], dict]:
    """The bureau's screening export: students screened this school year per school × stage
    (学段, the grade band) by the highest warning level of their results, with the same
    suppression as the dashboard (``suppress_table``: “<5” and “*”, totals included). No row
    per student, no score, no date: nothing row-level leaves the school.

    Returns the row keys ``(school, stage)`` in order and ``{(key, column): shown}`` with
    ``"total"`` for the totals row and column. Empty for anyone but the bureau."""
    from oversight.suppression import suppress_table
    from schools.vocab import STAGE_GRADES, stage_of_grade

    if not access.bureau_covers(user=user, cap="screening.figures.export"):
        return [], {}
    schools = {s.pk: s for s in School.objects.only("pk", "name", "code")}
    cells: dict[tuple, int] = defaultdict(int)
    for school_id, grade, top, n in _highest_level_counts(
        school_ids=list(schools),
        start=school_year_start,
        end=SchoolYear.containing(school_year_start).end,
    ):
        cells[((school_id, stage_of_grade(grade)), RESULT_LEVELS[top])] += n
    stage_order = {stage: i for i, stage in enumerate(STAGE_GRADES)}
    keys = sorted({key for key, _ in cells}, key=lambda k: (schools[k[0]].code, stage_order[k[1]]))
    shown = suppress_table(dict(cells), rows=keys, cols=RESULT_LEVELS)
    return [(schools[school_id], stage) for school_id, stage in keys], {
        ((schools[k[0]], k[1]) if k != "total" else "total", c): v for (k, c), v in shown.items()
    }

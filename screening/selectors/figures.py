"""Screening figures: counts by level, coverage (R-18) and the bureau's suppressed aggregate.

Nothing here returns a row per student: callers publish counts only, with small cells
suppressed (``SMALL_CELL``)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from schools import access
from schools.calendar import SchoolYear
from schools.models import School, Student

from ..models import (
    Archive,
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


def target_students_q(*, school_ids, start: datetime.date, end: datetime.date) -> Q:
    """Q over Student: the union of the targets of the schools' rounds whose window overlaps
    [start, end] (each student once, however many rounds name them). Two queries."""
    rounds = list(
        ScreeningRound.objects.filter(
            school_id__in=school_ids, starts_on__lte=end, ends_on__gte=start
        ).values_list("pk", "school_id", "grades")
    )
    named = defaultdict(set)  # round -> its classes
    for round_id, class_id in ScreeningRound.classes.through.objects.filter(
        screeninground_id__in=[r[0] for r in rounds]
    ).values_list("screeninground_id", "schoolclass_id"):
        named[round_id].add(class_id)
    classes, grades = defaultdict(set), defaultdict(set)
    for round_id, school_id, round_grades in rounds:
        if named[round_id]:
            classes[school_id] |= named[round_id]
        else:
            grades[school_id] |= set(round_grades or [])
    q = Q(pk__in=[])
    for school_id in set(classes) | set(grades):
        q |= Q(school_id=school_id) & (
            Q(school_class_id__in=sorted(classes[school_id]))
            | Q(school_class__grade__in=sorted(grades[school_id]))
        )
    return q & Q(is_active=True)


def coverage_counts(*, school_ids, school_year_start, until=None) -> tuple[dict, dict, dict]:
    """Raw per-school counts behind coverage (R-18): target students of the schools' rounds in
    the school year beginning ``school_year_start`` (up to ``until`` if given), how many of
    them have a result taken in that time, how many have an archive. Three queries however
    many schools, rounds or students; unsuppressed — callers publish them only through
    suppression."""
    end = until or SchoolYear.containing(school_year_start).end
    targets_q = target_students_q(school_ids=school_ids, start=school_year_start, end=end)
    screened = current_results().filter(
        student=OuterRef("pk"), taken_on__gte=school_year_start, taken_on__lte=end
    )
    rows = (
        Student.objects.filter(targets_q)
        .annotate(
            was_screened=Exists(screened),
            has_archive=Exists(Archive.objects.filter(student=OuterRef("pk"))),
        )
        .values("school_id")
        .annotate(
            n=Count("pk"),
            screened=Count("pk", filter=Q(was_screened=True)),
            archived=Count("pk", filter=Q(has_archive=True)),
        )
        .order_by()
    )
    targets, screened_n, archived_n = {}, {}, {}
    for row in rows:
        targets[row["school_id"]] = row["n"]
        screened_n[row["school_id"]] = row["screened"]
        archived_n[row["school_id"]] = row["archived"]
    return targets, screened_n, archived_n


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
    a target group under 5, or a part of 1–4 (a share of a known total gives the count
    back — 2.2 % of 93 is 2 students with an archive)."""
    if whole < SMALL_CELL or 0 < part < SMALL_CELL:
        return None
    return round(100 * part / whole, 1)


def coverage(*, user, school_year_start) -> dict:
    """Share of target students screened this school year and with an archive (R-18).

    Target students: the union of the targets (classes, or every class of the target grades)
    of each school's rounds this school year, each student counted once. Per school and
    city-wide; shares are computed from unsuppressed counts but only where neither the target
    group nor the part is a small cell (``coverage_share``), and counts under 5 show as “<5”.
    """
    schools = list(figure_schools_for(user=user).only("pk", "name", "code"))
    targets, screened, archived = coverage_counts(
        school_ids=[s.pk for s in schools], school_year_start=school_year_start
    )

    unchecked = unchecked_counts(
        school_ids=[s.pk for s in schools], school_year_start=school_year_start
    )
    share = coverage_share
    rows = []
    for school in schools:
        total = targets.get(school.pk, 0)
        rows.append(
            {
                "school": school,
                "targets": _suppress_count(total),
                "screened": _suppress_count(screened.get(school.pk, 0)),
                "archived": _suppress_count(archived.get(school.pk, 0)),
                "unchecked": _suppress_count(unchecked.get(school.pk, 0)),
                "screened_share": share(screened.get(school.pk, 0), total),
                "archive_share": share(archived.get(school.pk, 0), total),
            }
        )
    whole = sum(targets.values())
    return {
        "rows": rows,
        "city_targets": _suppress_count(whole),
        "city_screened_share": share(sum(screened.values()), whole),
        "city_archive_share": share(sum(archived.values()), whole),
    }


RESULT_LEVELS = ["none", *WarningLevel.values]
"""Columns of the bureau's aggregate: students by the highest level of their results."""


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
    rank = {"": 0, **{lv: i + 1 for i, lv in enumerate(WarningLevel.values)}}
    highest: dict[int, tuple] = {}
    for student_id, school_id, level, grade in (
        current_results()
        .filter(taken_on__gte=school_year_start, school_id__in=list(schools))
        .values_list("student_id", "school_id", "level", "student__school_class__grade")
    ):
        key = (school_id, stage_of_grade(grade))
        if student_id not in highest or rank[level or ""] > rank[highest[student_id][1]]:
            highest[student_id] = (key, level or "")
    cells: dict[tuple, int] = defaultdict(int)
    for key, level in highest.values():
        cells[(key, RESULT_LEVELS[rank[level]])] += 1
    stage_order = {stage: i for i, stage in enumerate(STAGE_GRADES)}
    keys = sorted({key for key, _ in cells}, key=lambda k: (schools[k[0]].code, stage_order[k[1]]))
    shown = suppress_table(dict(cells), rows=keys, cols=RESULT_LEVELS)
    return [(schools[school_id], stage) for school_id, stage in keys], {
        ((schools[k[0]], k[1]) if k != "total" else "total", c): v for (k, c), v in shown.items()
    }

"""The bureau's screening figures one township at a time (R-18, R-26).

Counts are summed per township from the schools' raw counts; shares are worked out from the
sums (never averaged), small counts shown as “<5”, and the open-warning counts of the
schools, their townships and the city are suppressed together
(``oversight.suppression.suppress_by_township``), so that a township's view, the townships'
summary and the city's totals read side by side give no hidden count back.
"""

from __future__ import annotations

from oversight.suppression import suppress_by_township, suppress_small

from .models import WarningLevel
from .selectors import NO_ROUND, SMALL_CELL, coverage_share


def township_key(township) -> tuple:
    """The key of a township's row in ``warnings_by_township``."""
    return ("township", township.key)


def warnings_by_township(*, counts: dict, groups) -> dict:
    """Open warnings per school and level (``warning_level_counts``), suppressed with the
    townships' subtotals and the city's totals. Keys as ``warning_table``'s, plus
    ``(township_key(t), level)``."""
    return suppress_by_township(
        counts, groups=[(t.key, t.school_ids) for t in groups], cols=WarningLevel.values
    )


def share_text(value) -> str:
    return f"<{SMALL_CELL} 人" if value is None else f"{value:g}%"


def coverage_summary(members, *, students, screened, archived, with_round) -> dict:
    """The 全覆盖 figures of a group of schools, from their summed counts."""
    whole = sum(students.get(s.pk, 0) for s in members)
    return {
        "schools": len(members),
        "students": suppress_small(whole),
        "screened": suppress_small(sum(screened.get(s.pk, 0) for s in members)),
        "archived": suppress_small(sum(archived.get(s.pk, 0) for s in members)),
        "screened_share": coverage_share(sum(screened.get(s.pk, 0) for s in members), whole),
        "archive_share": coverage_share(sum(archived.get(s.pk, 0) for s in members), whole),
        "without_round": sum(1 for s in members if s.pk not in with_round),
    }


def panel_township_row(township, *, table, students, screened, archived, with_round) -> list:
    """A township's row of the dashboard's screening panel."""
    c = coverage_summary(
        township.schools,
        students=students,
        screened=screened,
        archived=archived,
        with_round=with_round,
    )
    key = township_key(township)
    return [
        c["schools"],
        c["students"],
        share_text(c["screened_share"]),
        share_text(c["archive_share"]),
        f"{NO_ROUND} {c['without_round']} 所" if c["without_round"] else "",
        *[table[(key, level)] for level in WarningLevel.values],
        table[(key, "total")],
    ]


def figures_by_township(*, user, school_year_start, township: str | None) -> dict | None:
    """The figures page of a user whose schools lie in several townships (the bureau): the
    city's figures over every school, one row per township, and with ``township`` (its key)
    the rows of that township's schools. ``None`` for a user of one township (the page then
    lists their schools as it always has). Five queries however many schools."""
    from schools.selectors import township_chosen, townships_of

    from .selectors import (
        coverage_counts,
        figure_schools_for,
        unchecked_counts,
        warning_level_counts,
    )

    schools = list(figure_schools_for(user=user).only("pk", "name", "code", "township"))
    townships = townships_of(schools)
    if len(townships) < 2:
        return None
    chosen = township_chosen(townships, township)
    ids = [s.pk for s in schools]
    table = warnings_by_township(counts=warning_level_counts(school_ids=ids), groups=townships)
    c = coverage_counts(school_ids=ids, start=school_year_start)
    unchecked = unchecked_counts(school_ids=ids, school_year_start=school_year_start)
    raw = {
        "students": c.students,
        "screened": c.screened,
        "archived": c.archived,
        "with_round": c.with_round,
    }
    columns = [*WarningLevel.values, "total"]

    def coverage_row(members, **extra) -> dict:
        row = coverage_summary(members, **raw)
        row["unchecked"] = suppress_small(sum(unchecked.get(s.pk, 0) for s in members))
        return {**row, **extra}

    summary = [
        {
            "township": t,
            "cells": [table[(township_key(t), col)] for col in columns],
            "coverage": coverage_row(t.schools),
        }
        for t in townships
    ]
    listed = list(chosen.schools) if chosen else []
    schools_rows = [
        {
            "school": s,
            "cells": [table[(s.pk, col)] for col in columns],
            "coverage": coverage_row([s], flag="" if s.pk in c.with_round else NO_ROUND),
        }
        for s in listed
    ]
    return {
        "townships": townships,
        "township": chosen,
        "township_unknown": bool(township and chosen is None),
        "summary": summary,
        "school_rows": schools_rows,
        "chosen_row": next((r for r in summary if r["township"] == chosen), None),
        "city_cells": [table[("total", col)] for col in columns],
        "city": coverage_row(schools),
        "school_count": len(schools),
    }

"""Aggregates over aggregates, done by the database (R-26).

Some figures need two passes — hours per teacher, then per school the hours and how many
teachers have any; results per student, then students per school by their highest level.
Fetching the first pass into Python costs a row per teacher or student (59,000 or
500,000 at province size); ``regroup`` wraps the first pass, an ordinary ``values()``/
``annotate()`` queryset, in a second ``GROUP BY`` so the database returns a few rows per
school. Portable SQL only (SQLite and PostgreSQL)."""

from __future__ import annotations

from django.db import connections


def regroup(queryset, *, by: list[str], select: list[str]) -> list[tuple]:
    """Rows of ``SELECT <by>, <select> FROM (<queryset>) GROUP BY <by>``.

    ``by`` names columns of the queryset's ``values()``; each of ``select`` is an SQL
    aggregate over those columns in which ``{name}`` stands for a quoted column name, e.g.
    ``"SUM({total})"`` or ``"SUM(CASE WHEN {total} > 0 THEN 1 ELSE 0 END)"``. Names are
    quoted by the connection; no value is ever formatted into the SQL (the queryset's own
    parameters are passed as parameters)."""
    connection = connections[queryset.db]
    inner, params = queryset.query.sql_with_params()
    names = {name: connection.ops.quote_name(name) for name in queryset.query.values_select}
    names.update(
        {name: connection.ops.quote_name(name) for name in queryset.query.annotation_select}
    )
    group = ", ".join(names[name] for name in by)
    columns = ", ".join([group, *(expr.format(**names) for expr in select)])
    sql = f"SELECT {columns} FROM ({inner}) inner_rows GROUP BY {group}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]

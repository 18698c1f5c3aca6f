"""Full-text matching straight on the index tables Wagtail's database backend keeps.

Wagtail's own ranking (``order_by_relevance``) re-runs the full-text match once per row
through a correlated subquery, which made the search page cost grow with the index. Here
*one* SQL statement matches every term of a query against the index and returns, per
visible entry and term, a relevance score:

- SQLite: the FTS5 table ``modelsearch_indexentry_fts`` (columns autocomplete, body,
  title) with ``bm25()`` and a column weight for the title;
- PostgreSQL: the ``tsvector`` columns ``title`` / ``body`` of ``modelsearch_indexentry``
  with ``ts_rank``, the title weighted the same way.

A term matches as a whole word or, for a compound, as all of its parts
(``心理班会`` or ``心理`` AND ``班会``). Terms are words from ``segment.query_terms``:
letters, digits and CJK only, so nothing a user types can reach the FTS syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from .segment import Term

TITLE_WEIGHT = 5.0


@dataclass
class Match:
    """One matched entry: which terms it contains (bit mask) and its summed score."""

    kind: str
    mask: int = 0
    score: float = 0.0


def _sqlite_expression(term: Term) -> str:
    whole = f'"{term.word}"'
    if not term.parts:
        return whole
    parts = " AND ".join(f'"{part}"' for part in term.parts)
    return f"{whole} OR ({parts})"


def _postgres_expression(term: Term) -> str:
    whole = f"'{term.word}'"
    if not term.parts:
        return whole
    parts = " & ".join(f"'{part}'" for part in term.parts)
    return f"{whole} | ({parts})"


def _index_table() -> str:
    """The table of Wagtail's database search backend (its app label is configurable)."""
    from modelsearch.conf import get_app_config

    return get_app_config().get_model("IndexEntry")._meta.db_table


def matches(*, terms: list[Term], visible, search_config: str | None = None) -> dict[int, Match]:
    """Entries of ``visible`` (a SearchEntry queryset) that contain at least one term."""
    from .models import SearchEntry

    if not terms:
        return {}
    entry_table = SearchEntry._meta.db_table
    index_table = _index_table()
    content_type = ContentType.objects.get_for_model(SearchEntry).pk
    visible_sql, visible_params = visible.values("pk").query.sql_with_params()

    params: list = []
    selects = []
    if connection.vendor == "sqlite":
        fts = f"{index_table}_fts"
        for i, term in enumerate(terms):
            selects.append(
                f"SELECT rowid, {i}, -bm25({fts}, 0.0, 1.0, {TITLE_WEIGHT}) "  # noqa: S608
                f"FROM {fts} WHERE {fts} MATCH %s"
            )
            params.append("{title body} : (" + _sqlite_expression(term) + ")")
        cast = "CAST(ie.object_id AS INTEGER) = se.id"
    elif connection.vendor == "postgresql":
        to_query = "to_tsquery(%s::regconfig, %s)" if search_config else "to_tsquery(%s)"
        for i, term in enumerate(terms):
            selects.append(
                f"SELECT ie.id, {i}, "  # noqa: S608
                f"ts_rank(ie.title, q) * {TITLE_WEIGHT} + ts_rank(ie.body, q) "
                f"FROM {index_table} ie, {to_query} q "
                "WHERE ie.content_type_id = %s AND (ie.title @@ q OR ie.body @@ q)"
            )
            if search_config:
                params.append(search_config)
            params += [_postgres_expression(term), content_type]
        cast = "ie.object_id = CAST(se.id AS TEXT)"
    else:  # pragma: no cover - the project runs on SQLite or PostgreSQL
        raise NotImplementedError(connection.vendor)

    sql = (
        # MATERIALIZED: match first, then join. Inlined, SQLite's planner would scan the
        # visible entries and run the full-text match once per entry.
        f"WITH hits(rid, term, score) AS MATERIALIZED ({' UNION ALL '.join(selects)}) "  # noqa: S608
        # CROSS JOIN keeps SQLite from starting at the (much larger) index table.
        "SELECT se.id, se.kind, hits.term, hits.score "
        f"FROM hits CROSS JOIN {index_table} ie CROSS JOIN {entry_table} se "
        f"WHERE ie.id = hits.rid AND {cast} AND ie.content_type_id = %s "
        f"AND se.id IN ({visible_sql})"
    )
    params += [content_type, *visible_params]
    found: dict[int, Match] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for entry_id, kind, term, score in cursor.fetchall():
            match = found.get(entry_id)
            if match is None:
                match = found[entry_id] = Match(kind=kind)
            match.mask |= 1 << term
            match.score += float(score or 0.0) * (1.0 if terms[term].core else 0.5)
    return found

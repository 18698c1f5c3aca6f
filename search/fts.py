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
from django.db.models.expressions import RawSQL

from .segment import Term

TITLE_WEIGHT = 5.0


@dataclass
class Match:
    """One matched entry: which terms it contains (bit mask) and its summed score."""

    kind: str
    mask: int = 0
    score: float = 0.0
    part_of: int | None = None  # the page entry that carries this file's text


def _is_bigram(term: Term) -> bool:
    return term.prefix and len(term.word) == 2 and not term.word.isascii()


def _sqlite_expression(term: Term) -> str:
    whole = f'"{term.word}"' + ("*" if term.prefix else "")
    if _is_bigram(term):
        # Also the two characters as consecutive one-character words (家 校 → 家校).
        whole = f'{whole} OR "{term.word[0]} {term.word[1]}"'
    if not term.parts:
        return whole
    parts = " AND ".join(f'"{part}"' for part in term.parts)
    return f"{whole} OR ({parts})"


def _postgres_expression(term: Term) -> str:
    whole = f"'{term.word}'" + (":*" if term.prefix else "")
    if _is_bigram(term):
        whole = f"({whole} | '{term.word[0]}' <-> '{term.word[1]}')"
    if not term.parts:
        return whole
    parts = " & ".join(f"'{part}'" for part in term.parts)
    return f"{whole} | ({parts})"


def _index_table() -> str:
    """The table of Wagtail's database search backend (its app label is configurable)."""
    from modelsearch.conf import get_app_config

    return get_app_config().get_model("IndexEntry")._meta.db_table


def matches(
    *,
    terms: list[Term],
    visible,
    need: int = 1,
    search_config: str | None = None,
    title_only: bool = False,
) -> dict[int, Match]:
    """Entries of ``visible`` (a SearchEntry queryset) containing at least ``need`` of the
    core terms, with the terms they contain (bit mask) and their summed score.

    Optional terms only add to the score (at half the weight of core terms). Grouping and
    the ``need`` filter run in the database, so only the entries that qualify come back.
    ``title_only`` matches the title column alone (title, tags and topics).
    """
    from .models import SearchEntry

    if not terms:
        return {}
    entry_table = SearchEntry._meta.db_table
    index_table = _index_table()
    content_type = ContentType.objects.get_for_model(SearchEntry).pk
    # Visibility is checked for the matched entries only (``cand`` below), not by listing
    # every visible entry.
    visible = visible.filter(pk__in=RawSQL("SELECT eid FROM cand", []))
    visible_sql, visible_params = visible.values("pk").query.sql_with_params()

    core = [(i, term) for i, term in enumerate(terms) if term.core] or list(enumerate(terms))
    params: list = []
    selects = []
    if connection.vendor == "sqlite":
        fts = f"{index_table}_fts"

        def fts_query(expression):
            columns = "{title}" if title_only else "{title body}"
            return columns + " : (" + expression + ")"

        # Which core terms each entry contains: plain matches, no scoring.
        for i, term in core:
            selects.append(
                f"SELECT rowid, {1 << i}, 1, 0.0 FROM {fts} WHERE {fts} MATCH %s"  # noqa: S608
            )
            params.append(fts_query(_sqlite_expression(term)))
        # One scored match over every term; rows limited to those with a core term. The
        # core terms appear twice in it, so they weigh double the optional ones.
        any_core = " OR ".join(f"({_sqlite_expression(t)})" for _, t in core)
        every = " OR ".join(f"({_sqlite_expression(t)})" for t in terms)
        selects.append(
            f"SELECT rowid, 0, 0, -bm25({fts}, 0.0, 1.0, {TITLE_WEIGHT}) "  # noqa: S608
            f"FROM {fts} WHERE {fts} MATCH %s"
        )
        params.append(fts_query(f"({any_core}) AND ({every})"))
    elif connection.vendor == "postgresql":
        to_query = "to_tsquery(%s::regconfig, %s)" if search_config else "to_tsquery(%s)"
        config = [search_config] if search_config else []
        where = "ie.title @@ {q}" if title_only else "(ie.title @@ {q} OR ie.body @@ {q})"
        for i, term in core:
            selects.append(
                f"SELECT ie.id, {1 << i}, 1, 0.0 FROM {index_table} ie, {to_query} q "  # noqa: S608
                f"WHERE ie.content_type_id = %s AND {where.format(q='q')}"
            )
            params += [*config, _postgres_expression(term), content_type]
        any_core = " | ".join(f"({_postgres_expression(t)})" for _, t in core)
        every = " | ".join(f"({_postgres_expression(t)})" for t in terms)
        selects.append(
            f"SELECT ie.id, 0, 0, "  # noqa: S608
            f"ts_rank(ie.title, q) * {TITLE_WEIGHT} + ts_rank(ie.body, q) "
            f"+ ts_rank(ie.title, c) * {TITLE_WEIGHT} + ts_rank(ie.body, c) "
            f"FROM {index_table} ie, {to_query} q, {to_query} c "
            f"WHERE ie.content_type_id = %s AND {where.format(q='c')}"
        )
        params += [*config, every, *config, any_core, content_type]
    else:  # pragma: no cover - the project runs on SQLite or PostgreSQL
        raise NotImplementedError(connection.vendor)
    # Wagtail stores object ids as text; SearchEntry's are integers.
    eid = "CAST(ie.object_id AS INTEGER)"

    sql = (
        # MATERIALIZED: match first, then join. Inlined, SQLite's planner would scan the
        # visible entries and run the full-text match once per entry.
        # ``bit`` is the term's bit (1 << i) on the rows saying which core term an entry
        # contains, 0 on the scored row; an entry appears once per term, so the sum is the
        # bitwise OR.
        f"WITH hits(rid, bit, core, score) AS MATERIALIZED ({' UNION ALL '.join(selects)}), "  # noqa: S608
        "best(rid, mask, score) AS MATERIALIZED ("
        "SELECT rid, SUM(bit), SUM(score) FROM hits GROUP BY rid HAVING SUM(core) >= %s), "
        # CROSS JOIN keeps SQLite from starting at the (much larger) index table.
        "cand(eid, mask, score) AS MATERIALIZED ("
        f"SELECT {eid}, best.mask, best.score FROM best CROSS JOIN {index_table} ie "
        "WHERE ie.id = best.rid AND ie.content_type_id = %s) "
        "SELECT se.id, se.kind, cand.mask, cand.score, se.part_of_id "
        f"FROM cand CROSS JOIN {entry_table} se "
        f"WHERE se.id = cand.eid AND se.id IN ({visible_sql})"
    )
    params += [need, content_type, *visible_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            entry_id: Match(kind=kind, mask=int(mask), score=float(score or 0.0), part_of=part_of)
            for entry_id, kind, mask, score, part_of in cursor.fetchall()
        }

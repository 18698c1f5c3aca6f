"""Matching and ranking on the database backend (SQLite FTS5 / PostgreSQL): the rungs of
the fallback ladder (``Step``), what each entry matched (``Found``) and ``DatabaseEngine``,
which climbs the ladder, filters and counts facets and reads one page of results.
``search/elastic.py`` has the same interface on Elasticsearch.
"""

from __future__ import annotations

from dataclasses import dataclass

from wagtail.search.backends import get_search_backend

from ..models import SearchEntry, SearchFacetValue
from ..segment import Term

FACETS = ("kind", "stage", "topic")
# SQLite (3.32+) binds at most 32,766 variables per statement.
FACET_READ_CHUNK = 10_000
# The ladder goes on to its next rung while fewer results than this were found.
MIN_RESULTS = 3
# Crisis guidance: parents' guides first, then lessons and the rest.
CRISIS_KIND_ORDER = {
    kind: i
    for i, kind in enumerate(
        ["parent_guide", "lesson", "curriculum", "activity", "training", "page", "notice"]
    )
}


@dataclass(frozen=True)
class Step:
    """One rung of the fallback ladder: terms matched, how many core terms are needed,
    and the tier its results rank in (lower first)."""

    name: str
    terms: tuple[Term, ...]
    need: int = 1
    tier: int = 0
    title_only: bool = False
    # Run only while fewer than MIN_RESULTS results were found by the rungs above.
    fallback: bool = True


@dataclass
class Found:
    tier: int
    kind: str
    mask: int
    score: float
    core: int  # bit mask of the step's core terms
    weight: float = 0.0  # the summed rarity of the core terms the entry contains
    part_of: int | None = None  # the page entry that carries this file's text


def folded(chosen) -> set[int]:
    """Entries of ``chosen`` ((id, Found) pairs) folded into another: files whose page is
    among the results too (``SearchEntry.part_of``). The page's entry already holds their
    text and links them, so they rank after every other result and do not count towards
    the ladder's ``MIN_RESULTS`` — one lesson never fills the first results with its 教案,
    课件 and 学习单. Filtered to files only (kind=file), nothing is folded."""
    ids = {i for i, _ in chosen}
    return {i for i, f in chosen if f.part_of is not None and f.part_of in ids}


def _id_list(ids: list[int]):
    """``ids`` for an ``__in`` filter. On SQLite one JSON parameter read by ``json_each``:
    thousands of matched entries bound one by one cost more than the query itself."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return ids
    import json

    from django.db.models.expressions import RawSQL

    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps([int(i) for i in ids])])


class DatabaseEngine:
    """Matching and ranking on the database backend's own full-text tables.

    Each rung of the ladder is one statement (``search/fts.py``) returning the visible
    entries that contain enough of its words, which words and a bm25 / ts_rank score; one
    more query reads the stage/topic facet rows of every matched entry. Facet filters,
    facet counts and ordering then happen in Python over those rows, and only the page of
    results shown is read as objects. The number of queries does not depend on how many
    entries match or are shown (at most one statement per rung).

    Ranking: by rung (tier), then entries containing more of the rung's core words, then
    by score — bm25 with the title (and tags, topics) weighted, plus the optional words
    (孩子, 大 …) at half weight.
    """

    def __init__(self, visible, *, teachers: bool = False):
        self.visible = visible
        backend = get_search_backend()
        self.search_config = getattr(backend, "config", None)
        self._facets: dict[int, list[tuple[str, str]]] = {}

    def _facet_rows(self, ids) -> dict[int, list[tuple[str, str]]]:
        missing = [i for i in ids if i not in self._facets]
        for i in missing:
            self._facets[i] = []
        # One query up to FACET_READ_CHUNK matched entries; more (a very large index and a
        # common word) are read in chunks rather than exceed SQLite's bound-variable limit.
        for start in range(0, len(missing), FACET_READ_CHUNK):
            chunk = missing[start : start + FACET_READ_CHUNK]
            rows = SearchFacetValue.objects.filter(entry_id__in=_id_list(chunk)).values_list(
                "entry_id", "facet", "value"
            )
            for entry_id, facet, value in rows:
                self._facets[entry_id].append((facet, value))
        return self._facets

    def run(self, steps: list[Step], filters: dict) -> list[str]:
        """Climb the ladder; returns the names of the rungs that found something."""
        from ..fts import matches

        self.found: dict[int, Found] = {}
        self.filters = filters
        used = []
        for step in steps:
            chosen = self._selected()
            hidden = folded(chosen)
            found = sum(1 for i, f in chosen if f.tier >= 0 and i not in hidden)
            if step.fallback and found >= MIN_RESULTS:
                break
            core = 0
            for i, term in enumerate(step.terms):
                if term.core:
                    core |= 1 << i
            rows = matches(
                terms=list(step.terms),
                visible=self.visible,
                need=max(1, step.need),
                search_config=self.search_config,
                title_only=step.title_only,
            )
            weights = self._weights(step.terms, rows)
            new = {i: m for i, m in rows.items() if i not in self.found}
            for i, m in new.items():
                weight = sum(w for bit, w in weights.items() if m.mask & core & (1 << bit))
                self.found[i] = Found(
                    step.tier, m.kind, m.mask, m.score, core, round(weight, 3), m.part_of
                )
            if new and any(i in dict(self._selected()) for i in new):
                used.append(step.name)
        return used

    def _weights(self, terms, rows) -> dict[int, float]:
        """Inverse document frequency of each core term among the entries matched: a rare
        word (割腕, 数学) outweighs a common one (学生, 心理健康) when an entry contains only
        some of a long question's words. Counted from the statement's own rows."""
        import math

        total = max(1, entries_total())
        weights = {}
        for bit, term in enumerate(terms):
            if not term.core:
                continue
            df = sum(1 for m in rows.values() if m.mask & (1 << bit))
            weights[bit] = math.log(1 + total / (df + 0.5))
        return weights

    def _selected(self, *, skip: str = "") -> list[tuple[int, Found]]:
        filters = self.filters
        chosen = list(self.found.items())
        if filters.get("kind") and skip != "kind":
            chosen = [(i, f) for i, f in chosen if f.kind == filters["kind"]]
        wanted = [
            (facet, filters[facet])
            for facet in (SearchFacetValue.STAGE, SearchFacetValue.TOPIC)
            if filters.get(facet) and skip != facet
        ]
        if wanted and chosen:
            rows = self._facet_rows([i for i, _ in chosen])
            chosen = [(i, f) for i, f in chosen if all(w in rows[i] for w in wanted)]
        return chosen

    def _ranked(self) -> list[int]:
        chosen = self._selected()
        hidden = folded(chosen)
        chosen.sort(
            key=lambda item: (
                item[0] in hidden,
                item[1].tier,
                CRISIS_KIND_ORDER.get(item[1].kind, 99) if item[1].tier < 0 else 0,
                *_rank_key(item[1]),
                -item[0],
            )
        )
        return [i for i, _ in chosen]

    def count(self) -> int:
        return len(self._selected())

    def page(self, start, stop) -> list[SearchEntry]:
        ids = self._ranked()[start:stop]
        rows = SearchEntry.objects.select_related("page", "document").in_bulk(ids)
        return [rows[i] for i in ids if i in rows]

    def facet_counts(self) -> dict[str, dict[str, int]]:
        if self.found:
            self._facet_rows(list(self.found))
        counts: dict[str, dict[str, int]] = {}
        for name in FACETS:
            chosen = self._selected(skip=name)
            tally: dict[str, int] = {}
            if name == "kind":
                for _, found in chosen:
                    tally[found.kind] = tally.get(found.kind, 0) + 1
            else:
                for i, _ in chosen:
                    for value in {v for facet, v in self._facets[i] if facet == name}:
                        tally[value] = tally.get(value, 0) + 1
            counts[name] = tally
        return counts


def _rank_key(found) -> tuple:
    """Within a rung: the summed rarity of the query's words the entry contains plus its
    bm25 / ts_rank score (title, tags and topics weighted)."""
    return (-(found.weight + found.score),)


def entries_total() -> int:
    """How many entries the index holds (for term rarity); cached until the next publish."""
    from django.core.cache import cache

    from .. import cache as search_cache

    key = f"search:total:{search_cache.generation()}"
    total = cache.get(key)
    if total is None:
        total = SearchEntry.objects.count()
        cache.set(key, total, search_cache.TIMEOUT)
    return total

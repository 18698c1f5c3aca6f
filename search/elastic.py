"""Elasticsearch path of the site search: matching, ranking and facet counts in one
request built with elasticsearch-dsl's ``FacetedSearch`` over the index Wagtail keeps for
``SearchEntry``. Rows of the result page are then read from the database through the
same visibility filter as the database path, so nothing private ever shows.
"""

from __future__ import annotations

from elasticsearch.dsl import FacetedSearch, Q, Search, TermsFacet

from .models import SearchEntry
from .segment import LONG_QUERY_WORDS, normalise

FIELD = {
    "kind": "kind_filter",
    "stage": "stage_values_filter",
    "topic": "topic_values_filter",
    "teachers_only": "teachers_only_filter",
}


class EntryFacetedSearch(FacetedSearch):
    """Segmented words against ``title``/``body`` (whitespace analyzer), the raw query
    against ``raw_text`` (cjk analyzer) as a relevance boost; facets as aggregations."""

    index = "search_searchentry"
    fields = ["title^3", "body"]
    facets = {
        "kind": TermsFacet(field=FIELD["kind"], size=20),
        "stage": TermsFacet(field=FIELD["stage"], size=10),
        "topic": TermsFacet(field=FIELD["topic"], size=20),
    }

    def __init__(
        self,
        *,
        words: list[str],
        operator: str = "and",
        raw_query: str = "",
        filters: dict | None = None,
        teachers: bool = False,
        index: str | None = None,
        using=None,
    ):
        self.words = list(words)
        self.operator = operator
        self.raw_query = normalise(raw_query)
        self.teachers = teachers
        if index:
            self.index = index
        if using is not None:
            self.using = using
        super().__init__(query=" ".join(self.words), filters=filters or {})

    def search(self):
        s = Search(index=self.index, using=self.using)
        if not self.teachers:
            s = s.filter("term", **{FIELD["teachers_only"]: False})
        return s.source(False)

    def query(self, search, query):
        if not self.words:
            return search.query(Q("match_none"))
        must = Q(
            "multi_match",
            query=query,
            fields=self.fields,
            operator=self.operator,
            type="best_fields" if self.operator == "and" else "most_fields",
        )
        if self.operator == "and":
            # Every word in title or body, in any combination of the two; from
            # LONG_QUERY_WORDS words on, all but one (as on the database path).
            clauses = [Q("multi_match", query=w, fields=self.fields) for w in self.words]
            if len(clauses) >= LONG_QUERY_WORDS:
                must = Q("bool", should=clauses, minimum_should_match=len(clauses) - 1)
            else:
                must = Q("bool", must=clauses)
        should = []
        if self.raw_query:
            should.append(Q("match", raw_text={"query": self.raw_query, "boost": 0.5}))
        return search.query(Q("bool", must=[must], should=should))

    def highlight(self, search):
        return search


class ElasticEngine:
    """Same interface as ``selectors.DatabaseEngine``."""

    def __init__(self, visible, *, teachers: bool):
        from wagtail.search.backends import get_search_backend

        self.visible = visible
        self.backend = get_search_backend()
        self.index = self.backend.get_index_for_model(SearchEntry).name
        self.teachers = teachers
        self._cache = {}

    def _faceted(self, terms, operator, filters, start=0, stop=10):
        query_words = [term.word for term in terms if term.core]
        key = (tuple(query_words), operator, tuple(sorted(filters.items())), start, stop)
        if key not in self._cache:
            faceted = EntryFacetedSearch(
                words=query_words,
                operator=operator,
                filters=filters,
                teachers=self.teachers,
                index=self.index,
                using=self.backend.es,
            )
            self._cache[key] = faceted[start:stop].execute()
        return self._cache[key]

    def count(self, terms, operator, filters) -> int:
        return self._faceted(terms, operator, filters).hits.total.value

    def page(self, terms, operator, filters, start, stop):
        response = self._faceted(terms, operator, filters, start, stop)
        ids = [int(hit.meta.id) for hit in response]
        rows = self.visible.select_related("page", "document").in_bulk(ids)
        return [rows[i] for i in ids if i in rows]

    def facet_counts(self, terms, operator, filters):
        response = self._faceted(terms, operator, filters)
        return {
            name: {value: count for value, count, _selected in values}
            for name, values in response.facets.to_dict().items()
        }

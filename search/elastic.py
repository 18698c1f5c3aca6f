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
    "restricted": "restricted_filter",
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
        allowed: list[int] | None = None,
        index: str | None = None,
        using=None,
    ):
        self.words = list(words)
        self.operator = operator
        self.raw_query = normalise(raw_query)
        self.allowed = list(allowed or [])
        if index:
            self.index = index
        if using is not None:
            self.using = using
        super().__init__(query=" ".join(self.words), filters=filters or {})

    def search(self):
        s = Search(index=self.index, using=self.using)
        # Restricted files only for users the download rule lets open them.
        visible = Q("term", **{FIELD["restricted"]: False})
        if self.allowed:
            visible |= Q("terms", id_filter=self.allowed)
        return s.filter(visible).source(False)

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
    """Same interface as ``selectors.engine.DatabaseEngine``: each rung of the ladder is one
    request; results of later rungs rank after earlier ones. Facets are those of the first
    rung that found anything (the bulk of the results)."""

    WINDOW = 200

    def __init__(self, visible, *, allowed: list[int]):
        from wagtail.search.backends import get_search_backend

        self.visible = visible
        self.backend = get_search_backend()
        self.index = self.backend.get_index_for_model(SearchEntry).name
        self.allowed = allowed

    def _faceted(self, step, filters, start=0, stop=10):
        words = [t.word for t in step.terms if t.core] or [t.word for t in step.terms]
        operator = "and" if step.name in ("all",) else "or"
        faceted = EntryFacetedSearch(
            words=words,
            operator=operator,
            filters=filters,
            allowed=self.allowed,
            index=self.index,
            using=self.backend.es,
        )
        return faceted[start:stop].execute()

    def run(self, steps, filters) -> list[str]:
        from .selectors.engine import MIN_RESULTS

        self.ids: list[int] = []
        self.total = 0
        self.facets = {}
        used = []
        for step in steps:
            normal = sum(1 for _ in self.ids) - getattr(self, "_crisis", 0)
            if step.fallback and normal >= MIN_RESULTS:
                break
            response = self._faceted(step, filters, 0, self.WINDOW)
            new = [int(hit.meta.id) for hit in response if int(hit.meta.id) not in self.ids]
            if not new:
                continue
            used.append(step.name)
            if step.name == "crisis":
                self._crisis = len(new)
            elif not self.facets:
                self.facets = {
                    name: {value: count for value, count, _selected in values}
                    for name, values in response.facets.to_dict().items()
                }
            self.ids += new
        self._fold()
        return used

    def _fold(self) -> None:
        """Files whose page is among the results too rank after the rest (see
        ``selectors.engine.folded``)."""
        if not self.ids:
            return
        ids = set(self.ids)
        parents = SearchEntry.objects.filter(pk__in=self.ids, part_of__isnull=False)
        hidden = {i for i, page in parents.values_list("pk", "part_of_id") if page in ids}
        if hidden:
            self.ids = [i for i in self.ids if i not in hidden] + [
                i for i in self.ids if i in hidden
            ]

    def count(self) -> int:
        return len(self.ids)

    def page(self, start, stop):
        ids = self.ids[start:stop]
        rows = self.visible.select_related("page", "document").in_bulk(ids)
        return [rows[i] for i in ids if i in rows]

    def facet_counts(self):
        return self.facets

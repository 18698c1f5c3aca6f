"""Reads of the search app: run a site search for a user.

``search_run`` is the one entry point for the HTML page and the JSON API. It works the
same on the database backend (SQLite FTS5 / PostgreSQL) and on Elasticsearch
(``search/elastic.py``); only the matching and the facet counting differ.

Query budget (database backend): a fixed number of queries whatever the number of
results shown — count, one page of rows (pages and documents joined in), one aggregate
per facet, promotions, popular searches — see ``tests/search/test_search.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.query import PlainText

from schools.selectors import memberships_of
from schools.vocab import Stage

from .backend import using_elasticsearch
from .index import KINDS
from .models import SearchEntry, SearchFacetValue
from .segment import correct, normalise, variants, words

PER_PAGE = 10
MAX_PAGE = 100
SNIPPET_CHARS = 120
MAX_TOPICS = 20
FACETS = ("kind", "stage", "topic")


@dataclass
class Hit:
    title: SafeString
    plain_title: str
    url: str
    kind: str
    kind_label: str
    snippet: SafeString
    promoted: bool = False


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Outcome:
    query: str
    words: list[str]
    operator: str = "and"
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE
    hits: list[Hit] = field(default_factory=list)
    promotions: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)
    correction: str = ""
    popular: list[str] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.total // self.per_page)))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    def as_json(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "num_pages": self.num_pages,
            "operator": self.operator,
            "results": [
                {
                    "title": h.plain_title,
                    "url": h.url,
                    "kind": h.kind,
                    "snippet": str(h.snippet),
                    **({"promoted": True} if h.promoted else {}),
                }
                for h in self.promotions + self.hits
            ],
            "facets": {
                name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                for name, values in self.facets.items()
            },
            "suggestions": {"correction": self.correction, "popular": self.popular},
        }


# --- visibility ----------------------------------------------------------------------------


def is_teacher(*, user) -> bool:
    """Logged-in teachers (anyone with an active membership) see teachers-only files."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False) or memberships_of(user=user))


def entries_visible_to(*, user):
    """Search entries the user may find: live public pages and permitted documents."""
    from wagtail.models import CollectionViewRestriction

    entries = SearchEntry.objects.all()
    teacher = is_teacher(user=user)
    if not teacher:
        entries = entries.filter(teachers_only=False)
    public_pages = Page.objects.live().public().values("pk")
    entries = entries.filter(Q(page__isnull=True) | Q(page_id__in=public_pages))
    # Documents in privacy-restricted collections: logged-in teachers may see those
    # restricted to "any logged-in user"; nobody else finds them here.
    restricted = CollectionViewRestriction.objects.all()
    if teacher:
        restricted = restricted.exclude(restriction_type=CollectionViewRestriction.LOGIN)
    hidden = Q()
    for path in restricted.values_list("collection__path", flat=True):
        hidden |= Q(collection__path__startswith=path)
    if hidden:
        from resources.models import XinyuDocument

        entries = entries.exclude(document_id__in=XinyuDocument.objects.filter(hidden).values("pk"))
    return entries


def _filter_facets(entries, filters: dict[str, str], *, skip: str = ""):
    if filters.get("kind") and skip != "kind":
        entries = entries.filter(kind=filters["kind"])
    for facet in (SearchFacetValue.STAGE, SearchFacetValue.TOPIC):
        value = filters.get(facet)
        if value and skip != facet:
            entries = entries.filter(
                id__in=SearchFacetValue.objects.filter(facet=facet, value=value).values("entry_id")
            )
    return entries


# --- highlighting ----------------------------------------------------------------------------


def _highlight_pattern(query_words: list[str]) -> re.Pattern | None:
    forms = set()
    for word in query_words:
        forms.update(variants(word))
        forms.add(word)
    forms = sorted((f for f in forms if f), key=len, reverse=True)
    if not forms:
        return None
    return re.compile("|".join(re.escape(f) for f in forms), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None) -> SafeString:
    """Escape ``text`` and wrap the matched words in <mark>."""
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    html = "".join(out).replace("</mark><mark>", "")
    return mark_safe(html)  # noqa: S308 - every piece above is escaped


def snippet(text: str, pattern: re.Pattern | None, *, length: int = SNIPPET_CHARS) -> SafeString:
    """A window of ``text`` around the first matched word, highlighted."""
    text = " ".join(normalise_spaces(text).split())
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - length // 4) if match else 0
    window = text[start : start + length]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + length < len(text) else ""
    return mark_safe(f"{prefix}{highlight(window, pattern)}{suffix}")  # noqa: S308


def normalise_spaces(text: str) -> str:
    return text.replace("\u3000", " ") if text else ""


# --- the search ------------------------------------------------------------------------------


def _hit(entry: SearchEntry, pattern, request) -> Hit:
    if entry.page_id:
        url = entry.page.get_url(request=request) or ""
    else:
        url = entry.document.url
    return Hit(
        title=highlight(entry.display_title, pattern),
        plain_title=entry.display_title,
        url=url,
        kind=entry.kind,
        kind_label=KINDS.get(entry.kind, entry.kind),
        snippet=snippet(entry.text, pattern),
    )


def _facet_label(name: str, value: str) -> str:
    if name == "kind":
        return KINDS.get(value, value)
    if name == "stage":
        try:
            return str(Stage(value).label)
        except ValueError:
            return value
    return value


def _facet_values(name, counts: dict[str, int], filters) -> list[FacetValue]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if name == "topic":
        ordered = ordered[:MAX_TOPICS]
    return [
        FacetValue(value=v, label=_facet_label(name, v), count=c, selected=filters.get(name) == v)
        for v, c in ordered
        if c
    ]


class DatabaseEngine:
    """Matching with Wagtail's database backend; facets by aggregate queries.

    The full-text match runs once per (words, operator) and yields the matched ids;
    totals and facet counts are then plain aggregates over those ids, and only the
    page of results is ranked by the backend (a second full-text query).
    """

    def __init__(self, visible, *, teachers: bool = False):
        self.visible = visible
        self.backend = get_search_backend()
        self._matched = {}

    def _query(self, query_words, operator):
        return PlainText(" ".join(query_words), operator=operator)

    def matched_ids(self, query_words, operator) -> list[int]:
        key = (tuple(query_words), operator)
        if key not in self._matched:
            results = self.backend.search(
                self._query(query_words, operator), self.visible, order_by_relevance=False
            )
            self._matched[key] = list(results.get_queryset().values_list("pk", flat=True))
        return self._matched[key]

    def count(self, query_words, operator, filters) -> int:
        ids = self.matched_ids(query_words, operator)
        if not filters or not ids:
            return len(ids)
        return _filter_facets(SearchEntry.objects.filter(pk__in=ids), filters).count()

    def page(self, query_words, operator, filters, start, stop) -> list[SearchEntry]:
        ids = self.matched_ids(query_words, operator)
        entries = SearchEntry.objects.filter(pk__in=ids).select_related("page", "document")
        entries = _filter_facets(entries, filters)
        query = self._query(query_words, operator)
        return list(self.backend.search(query, entries, order_by_relevance=True)[start:stop])

    def facet_counts(self, query_words, operator, filters) -> dict[str, dict[str, int]]:
        ids = self.matched_ids(query_words, operator)
        counts = {}
        for name in FACETS:
            matched = _filter_facets(SearchEntry.objects.filter(pk__in=ids), filters, skip=name)
            if name == "kind":
                rows = matched.values_list("kind").annotate(n=Count("pk")).order_by()
            else:
                rows = (
                    SearchFacetValue.objects.filter(facet=name, entry__in=matched.values("pk"))
                    .values_list("value")
                    .annotate(n=Count("entry_id"))
                    .order_by()
                )
            counts[name] = dict(rows)
        return counts


def _engine(*, user):
    teachers = is_teacher(user=user)
    visible = entries_visible_to(user=user)
    if using_elasticsearch():
        from .elastic import ElasticEngine

        return ElasticEngine(visible, teachers=teachers)
    return DatabaseEngine(visible, teachers=teachers)


def _clean_filters(raw: dict) -> dict[str, str]:
    filters = {}
    kind = str(raw.get("kind") or "")
    if kind in KINDS:
        filters["kind"] = kind
    stage = str(raw.get("stage") or "")
    if stage in Stage.values:
        filters["stage"] = stage
    topic = str(raw.get("topic") or "").strip()[:100]
    if topic:
        filters["topic"] = topic
    return filters


def popular_queries(*, days: int = 30, limit: int = 8) -> list[str]:
    from wagtail.contrib.search_promotions.models import Query

    since = timezone.localdate() - timedelta(days=days)
    return [q.query_string for q in Query.get_most_popular(date_since=since)[:limit]]


def _promotions(query: str, request) -> list[Hit]:
    from wagtail.contrib.search_promotions.models import SearchPromotion
    from wagtail.search.utils import normalise_query_string

    key = normalise_query_string(" ".join(normalise(query).split()))
    hits = []
    promotions = (
        SearchPromotion.objects.filter(query__query_string=key)
        .select_related("page")
        .order_by("sort_order")
    )
    for promotion in promotions:
        if promotion.page_id:
            page = promotion.page
            if not page.live:
                continue
            url, title = page.get_url(request=request) or "", page.title
        else:
            url, title = promotion.external_link_url, promotion.external_link_text
        if not url:
            continue
        hits.append(
            Hit(
                title=escape(title),
                plain_title=title,
                url=url,
                kind="promoted",
                kind_label="推荐",
                snippet=escape(promotion.description or ""),
                promoted=True,
            )
        )
    return hits


def search_run(
    *, query: str, user, filters: dict | None = None, page: int = 1, request=None
) -> Outcome:
    """Search pages and documents the user may see. Never raises on odd input."""
    query = (query or "").strip()[:200]
    filters = _clean_filters(filters or {})
    try:
        page = max(1, min(MAX_PAGE, int(page)))
    except (TypeError, ValueError):
        page = 1
    query_words = words(query, mode="query")
    outcome = Outcome(query=query, words=query_words, page=page, filters=filters)
    if not query_words:
        outcome.popular = popular_queries()
        return outcome

    engine = _engine(user=user)
    total = engine.count(query_words, "and", filters)
    if total == 0 and len(query_words) > 1:
        outcome.operator = "or"
        total = engine.count(query_words, "or", filters)
    outcome.total = total
    pattern = _highlight_pattern(query_words)
    if total:
        start = (page - 1) * PER_PAGE
        entries = engine.page(query_words, outcome.operator, filters, start, start + PER_PAGE)
        outcome.hits = [_hit(entry, pattern, request) for entry in entries]
        outcome.facets = {
            name: _facet_values(name, counts, filters)
            for name, counts in engine.facet_counts(query_words, outcome.operator, filters).items()
        }
    if page == 1 and not filters:
        outcome.promotions = _promotions(query, request)
    if not total:
        corrected = correct(query)
        corrected_words = words(corrected, mode="query") if corrected else []
        if corrected_words and engine.count(corrected_words, "or", {}):
            outcome.correction = corrected
        outcome.popular = popular_queries()
    return outcome

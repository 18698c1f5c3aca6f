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

from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from schools.selectors import memberships_of
from schools.vocab import Stage

from .backend import using_elasticsearch
from .index import KINDS
from .models import SearchEntry, SearchFacetValue
from .segment import LONG_QUERY_WORDS, correct, normalise, query_terms, variants

PER_PAGE = 10
MAX_PAGE = 100
SNIPPET_CHARS = 120
MAX_TOPICS = 20
FACETS = ("kind", "stage", "topic")
# SQLite (3.32+) binds at most 32,766 variables per statement.
FACET_READ_CHUNK = 10_000


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
    """Matching and ranking on the database backend's own full-text tables.

    One statement (``search/fts.py``) returns the visible entries that contain enough of
    the core words (see ``_matches``), with which core words each contains and a bm25 /
    ts_rank score; one more query reads the stage/topic facet rows of those entries. Facet
    filters, facet counts and ordering then happen in Python over those rows, and only the
    page of results shown is read as objects. The number of queries does not depend on how
    many entries match or are shown.

    Ranking: entries containing more of the core words first (this only matters for OR),
    then by score — bm25 with the title weighted, plus the optional words (孩子, 大 …) at
    half weight, so "孩子总说压力大" prefers a page about a child saying so.
    """

    def __init__(self, visible, *, teachers: bool = False):
        self.visible = visible
        backend = get_search_backend()
        self.search_config = getattr(backend, "config", None)
        self._found: dict[tuple, dict] = {}
        self._facets: dict[int, list[tuple[str, str]]] | None = None

    def _matches(self, terms, operator):
        """Matched entries for the operator: AND needs every core word — with three or
        more, all but one (long questions rarely use exactly the words of the answer;
        entries with every word still rank first); OR needs one."""
        from .fts import matches

        need = sum(1 for term in terms if term.core)
        if operator != "and":
            need = 1
        elif need >= LONG_QUERY_WORDS:
            need -= 1
        key = (tuple(terms), need)
        if key not in self._found:
            self._found[key] = matches(
                terms=list(terms),
                visible=self.visible,
                need=max(1, need),
                search_config=self.search_config,
            )
        return self._found[key]

    def _facet_rows(self, ids) -> dict[int, list[tuple[str, str]]]:
        if self._facets is None:
            self._facets = {}
        missing = [i for i in ids if i not in self._facets]
        for i in missing:
            self._facets[i] = []
        # One query up to FACET_READ_CHUNK matched entries; more (a very large index and a
        # common word) are read in chunks rather than exceed SQLite's bound-variable limit.
        for start in range(0, len(missing), FACET_READ_CHUNK):
            chunk = missing[start : start + FACET_READ_CHUNK]
            rows = SearchFacetValue.objects.filter(entry_id__in=chunk).values_list(
                "entry_id", "facet", "value"
            )
            for entry_id, facet, value in rows:
                self._facets[entry_id].append((facet, value))
        return self._facets

    def _selected(self, terms, operator, filters, *, skip: str = "") -> list[tuple[int, object]]:
        chosen = list(self._matches(terms, operator).items())
        if filters.get("kind") and skip != "kind":
            chosen = [(i, m) for i, m in chosen if m.kind == filters["kind"]]
        wanted = [
            (facet, filters[facet])
            for facet in (SearchFacetValue.STAGE, SearchFacetValue.TOPIC)
            if filters.get(facet) and skip != facet
        ]
        if wanted and chosen:
            rows = self._facet_rows([i for i, _ in chosen])
            chosen = [(i, m) for i, m in chosen if all(w in rows[i] for w in wanted)]
        return chosen

    def _ranked(self, terms, operator, filters) -> list[int]:
        core = 0
        for i, term in enumerate(terms):
            if term.core:
                core |= 1 << i
        chosen = self._selected(terms, operator, filters)
        chosen.sort(key=lambda im: (-(im[1].mask & core).bit_count(), -im[1].score, -im[0]))
        return [i for i, _ in chosen]

    def count(self, terms, operator, filters) -> int:
        return len(self._selected(terms, operator, filters))

    def page(self, terms, operator, filters, start, stop) -> list[SearchEntry]:
        ids = self._ranked(terms, operator, filters)[start:stop]
        rows = SearchEntry.objects.select_related("page", "document").in_bulk(ids)
        return [rows[i] for i in ids if i in rows]

    def facet_counts(self, terms, operator, filters) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for name in FACETS:
            chosen = self._selected(terms, operator, filters, skip=name)
            tally: dict[str, int] = {}
            if name == "kind":
                for _, match in chosen:
                    tally[match.kind] = tally.get(match.kind, 0) + 1
            elif chosen:
                rows = self._facet_rows([i for i, _ in chosen])
                for i, _ in chosen:
                    for value in {v for facet, v in rows[i] if facet == name}:
                        tally[value] = tally.get(value, 0) + 1
            counts[name] = tally
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
    terms = query_terms(query)
    query_words = [term.word for term in terms if term.core]
    outcome = Outcome(query=query, words=query_words, page=page, filters=filters)
    if not query_words:
        outcome.popular = popular_queries()
        return outcome

    engine = _engine(user=user)
    total = engine.count(terms, "and", filters)
    if total == 0 and len(query_words) > 1:
        outcome.operator = "or"
        total = engine.count(terms, "or", filters)
    outcome.total = total
    pattern = _highlight_pattern(query_words)
    if total:
        start = (page - 1) * PER_PAGE
        entries = engine.page(terms, outcome.operator, filters, start, start + PER_PAGE)
        outcome.hits = [_hit(entry, pattern, request) for entry in entries]
        outcome.facets = {
            name: _facet_values(name, counts, filters)
            for name, counts in engine.facet_counts(terms, outcome.operator, filters).items()
        }
    if page == 1 and not filters:
        outcome.promotions = _promotions(query, request)
    if not total:
        corrected = correct(query)
        corrected_terms = query_terms(corrected) if corrected else []
        if corrected_terms and engine.count(corrected_terms, "or", {}):
            outcome.correction = corrected
        outcome.popular = popular_queries()
    return outcome

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
from .segment import (
    LONG_QUERY_WORDS,
    MAX_QUERY_WORDS,
    Term,
    correct,
    crisis_guidance_words,
    fragments,
    is_crisis,
    match_parts,
    normalise,
    query_terms,
    related_words,
    variants,
)

PER_PAGE = 10
MAX_PAGE = 100
SNIPPET_CHARS = 120
MAX_TOPICS = 20
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
    corrected: bool = False  # the search ran on ``correction`` (a known misspelling)
    popular: list[str] = field(default_factory=list)
    step: str = ""  # the ladder's rung that found the results: all/any/parts/related
    steps: list[str] = field(default_factory=list)
    note: str = ""  # said on the page when the results are not exact matches
    crisis: dict | None = None  # the help box of a crisis query
    suggested_topics: list[str] = field(default_factory=list)
    guide_links: list[dict] = field(default_factory=list)

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
            "step": self.step,
            "note": self.note,
            "crisis": self.crisis,
            "suggestions": {
                "correction": self.correction,
                "corrected": self.corrected,
                "popular": self.popular,
                "topics": self.suggested_topics,
                "links": self.guide_links,
            },
        }


# --- visibility ----------------------------------------------------------------------------


def is_teacher(*, user) -> bool:
    """Logged-in teachers (anyone with an active membership); used by Elasticsearch."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False) or memberships_of(user=user))


def restricted_entry_ids_for(*, user) -> list[int]:
    """Entries of restricted files that ``user`` may download — decided by the download
    rule itself (``resources.selectors.documents_download_access``), so a file is listed,
    counted and quoted exactly when it may be opened. Nothing for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return []
    from resources.selectors import documents_download_access

    entries = list(
        SearchEntry.objects.filter(restricted=True, document__isnull=False)
        .select_related("document__collection")
        .only(
            "id",
            "document__id",
            "document__audience",
            "document__school_id",
            "document__listed",
            "document__collection__path",
        )
    )
    access = documents_download_access(documents=[e.document for e in entries], user=user)
    return [e.pk for e in entries if access.get(e.document_id) is True]


def entries_visible_to(*, user):
    """Search entries the user may find: live public pages and the documents they may
    download (the download rule decides; see ``restricted_entry_ids_for``)."""
    from wagtail.models import CollectionViewRestriction

    entries = SearchEntry.objects.all()
    allowed = restricted_entry_ids_for(user=user)
    entries = entries.filter(Q(restricted=False) | Q(pk__in=allowed))
    public_pages = Page.objects.live().public().values("pk")
    entries = entries.filter(Q(page__isnull=True) | Q(page_id__in=public_pages))
    # Wagtail's own collection privacy (checked before the download rule when a file is
    # served): logged-in users pass "any logged-in user" restrictions; nobody finds files
    # behind a password or group restriction here.
    restricted = CollectionViewRestriction.objects.all()
    if getattr(user, "is_authenticated", False):
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
        from .fts import matches

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

    from . import cache as search_cache

    key = f"search:total:{search_cache.generation()}"
    total = cache.get(key)
    if total is None:
        total = SearchEntry.objects.count()
        cache.set(key, total, search_cache.TIMEOUT)
    return total


def _engine(*, user):
    visible = entries_visible_to(user=user)
    if using_elasticsearch():
        from .elastic import ElasticEngine

        return ElasticEngine(visible, allowed=restricted_entry_ids_for(user=user))
    return DatabaseEngine(visible)


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
    """ "大家都在搜": queries an editor approved that found results, counted once per
    visitor per day over the last ``days``, most searched first; each is checked again
    against the filter (``search.popular``) so nothing that fails it today is shown."""
    from django.db.models import Sum

    from .models import SearchQuery
    from .popular import query_blocked_reason

    since = timezone.localdate() - timedelta(days=days)
    rows = (
        SearchQuery.objects.filter(
            status=SearchQuery.APPROVED, results__gt=0, days__date__gte=since
        )
        .annotate(visitors=Sum("days__visitors"))
        .order_by("-visitors", "text")
        .values_list("text", flat=True)[: limit * 2]
    )
    return [text for text in rows if not query_blocked_reason(text, names=False)][:limit]


def suggested_topics(*, stage: str = "", limit: int = 8) -> list[str]:
    """Topics (tags) most used by public content, of the given stage when there is one:
    offered when a search finds nothing."""
    from django.db.models import Count

    rows = SearchFacetValue.objects.filter(facet=SearchFacetValue.TOPIC, entry__restricted=False)
    if stage:
        rows = rows.filter(
            entry__facet_values__facet=SearchFacetValue.STAGE, entry__facet_values__value=stage
        )
    rows = rows.values("value").annotate(n=Count("entry", distinct=True)).order_by("-n", "value")
    return [row["value"] for row in rows[:limit]]


def guide_links(*, request=None) -> list[dict]:
    """The guide and library index pages, offered when a search finds nothing."""
    from resources.models import ParentGuideIndexPage, ResourceIndexPage

    pages = Page.objects.live().public().type(ParentGuideIndexPage, ResourceIndexPage)
    links = []
    for page in pages.order_by("path")[:4]:
        url = page.get_url(request=request)
        if url:
            links.append({"title": page.title, "url": url})
    return links


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


def ladder(query: str) -> tuple[list[Step], str]:
    """The rungs to climb for ``query``, and the corrected query if a known misspelling
    was corrected (the search then runs on the corrected words).

    all words (from three words on, all but one, full matches first) → any core word →
    the parts of compounds and bigrams of unsplittable words → related topics. A query
    about self-harm, suicide or harming others first finds crisis guidance by its title,
    tags and topic (``dict/crisis.txt``).
    """
    corrected = correct(query)
    terms = query_terms(corrected or query)
    core = [t for t in terms if t.core]
    steps: list[Step] = []
    if is_crisis(query):
        guidance = tuple(Term(w) for w in crisis_guidance_words())
        steps.append(Step("crisis", guidance, 1, tier=-1, title_only=True, fallback=False))
    if not core:
        return steps, corrected
    need = len(core) - 1 if len(core) >= LONG_QUERY_WORDS else len(core)
    steps.append(Step("all", tuple(terms), need, tier=0, fallback=False))
    if len(core) > 1:
        steps.append(Step("any", tuple(terms), 1, tier=1))
    pieces = []
    for term in core:
        pieces += [p for p in fragments(term.word) if p not in pieces]
    if pieces:
        optional = tuple(t for t in terms if not t.core)
        pieces_terms = tuple(Term(p, prefix=True) for p in pieces[:MAX_QUERY_WORDS])
        steps.append(Step("parts", pieces_terms + optional, 1, tier=2))
    related = [w for w in related_words([t.word for t in core]) if w not in pieces]
    if related:
        # A related topic that is a compound (危机信号) also matches as its parts.
        related_terms = tuple(Term(w, True, match_parts(w)) for w in related)
        steps.append(Step("related", related_terms, 1, tier=3))
    return steps, corrected


STEP_NOTES = {
    "any": "没有同时包含全部关键词的内容，以下结果包含其中部分关键词。",
    "parts": "没有完全匹配的结果，以下是与查询词相近的内容。",
    "related": "没有完全匹配的结果，以下是相关主题的内容。",
}
EXTENDED_NOTE = "完全匹配的结果不多，后面附上了相关内容。"


def crisis_help(*, request=None) -> dict:
    """The help box shown above the results of a crisis query: hotlines from the site
    settings (设置 → 站点设置)."""
    from portal.models import PortalSettings

    site_settings = None
    if request is not None:
        try:
            site_settings = PortalSettings.for_request(request)
        except Exception:  # noqa: BLE001 - no site for this host: defaults below
            site_settings = None
    if site_settings is None:
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).first()
        site_settings = PortalSettings.for_site(site) if site else PortalSettings()
    lines = []

    def add(label, number, note=""):
        if number:
            lines.append({"label": label, "number": number, "note": note})

    add("心理援助热线", site_settings.counselling_hotline, site_settings.counselling_hours)
    add("全国心理援助热线", site_settings.national_hotline)
    add(site_settings.centre_name or "心理健康指导中心", site_settings.centre_phone)
    add("急救电话", site_settings.emergency_phone, "有生命危险时请立即拨打")
    add("报警电话", site_settings.police_phone)
    return {
        "title": "如果你或身边的人正处在危险中，请马上求助",
        "message": (
            "不要让他/她独处，移开可能造成伤害的物品，立即联系家人、老师或下面的电话。"
            "你不是一个人，求助是勇敢的。"
        ),
        "contacts": lines,
    }


def search_arguments(*, query, filters, page) -> tuple[str, dict[str, str], int]:
    """The query, filters and page a search runs on, cleaned (as ``search_run`` does)."""
    query = (query or "").strip()[:200]
    filters = _clean_filters(filters or {})
    try:
        page = max(1, min(MAX_PAGE, int(page)))
    except (TypeError, ValueError):
        page = 1
    return query, filters, page


def search_run(
    *, query: str, user, filters: dict | None = None, page: int = 1, request=None
) -> Outcome:
    """Search pages and documents the user may see. Never raises on odd input.

    Anonymous visitors' results are cached per (normalised query, filters, page) until
    anything is published (``search/cache.py``); the crisis help box is added after the
    cache, so a settings change shows at once.
    """
    from . import cache as search_cache

    query, filters, page = search_arguments(query=query, filters=filters, page=page)
    anonymous = not getattr(user, "is_authenticated", False)
    key = search_cache.key_for(query=query, filters=filters, page=page) if anonymous else None
    outcome = search_cache.get(key) if key else None
    if outcome is None:
        outcome = _search(query=query, user=user, filters=filters, page=page, request=request)
        if key:
            search_cache.put(key, outcome)
    if is_crisis(query):
        outcome.crisis = crisis_help(request=request)
    if not outcome.total and not outcome.promotions:
        outcome.popular = popular_queries()
    return outcome


def _search(*, query: str, user, filters: dict, page: int, request) -> Outcome:
    steps, corrected = ladder(query)
    query_words = [t.word for step in steps if step.name == "all" for t in step.terms if t.core]
    outcome = Outcome(query=query, words=query_words, page=page, filters=filters)
    if corrected:
        outcome.correction = corrected
        outcome.corrected = True
    if not steps:
        return outcome
    engine = _engine(user=user)
    used = engine.run(steps, filters)
    outcome.steps = used
    normal = [name for name in used if name != "crisis"]
    outcome.step = normal[0] if normal else ("crisis" if used else "")
    outcome.operator = "and" if outcome.step in ("all", "crisis") else "or"
    if outcome.step in STEP_NOTES:
        outcome.note = STEP_NOTES[outcome.step]
    elif outcome.step == "all" and len(normal) > 1:
        outcome.note = EXTENDED_NOTE
    total = engine.count()
    outcome.total = total
    highlight_words = [t.word for step in steps if step.name in used for t in step.terms if t.core]
    pattern = _highlight_pattern(highlight_words or query_words)
    if total:
        start = (page - 1) * PER_PAGE
        entries = engine.page(start, start + PER_PAGE)
        outcome.hits = [_hit(entry, pattern, request) for entry in entries]
        outcome.facets = {
            name: _facet_values(name, counts, filters)
            for name, counts in engine.facet_counts().items()
        }
    if page == 1 and not filters:
        outcome.promotions = _promotions(query, request)
    if not total:
        outcome.suggested_topics = suggested_topics(stage=filters.get("stage", ""))
        outcome.guide_links = guide_links(request=request)
    return outcome

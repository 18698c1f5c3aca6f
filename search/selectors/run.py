"""The search itself: the fallback ladder of a query, then ``search_run`` — one entry point
for the HTML page and the JSON API, on either engine."""

from __future__ import annotations

from schools.vocab import Stage

from ..backend import using_elasticsearch
from ..index import KINDS
from ..segment import (
    LONG_QUERY_WORDS,
    MAX_QUERY_WORDS,
    Term,
    correct,
    crisis_guidance_words,
    fragments,
    is_crisis,
    match_parts,
    query_terms,
    related_words,
)
from .engine import DatabaseEngine, Step
from .outcome import MAX_PAGE, PER_PAGE, Outcome, _facet_values, _highlight_pattern, _hit
from .suggestions import (
    _promotions,
    crisis_help,
    guide_links,
    popular_queries,
    suggested_topics,
)
from .visibility import entries_visible_to, restricted_entry_ids_for


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


def _engine(*, user):
    visible = entries_visible_to(user=user)
    if using_elasticsearch():
        from ..elastic import ElasticEngine

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
    from .. import cache as search_cache

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

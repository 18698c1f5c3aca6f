"""What a search returns: the ``Outcome`` (hits, facets, suggestions, paging) and how a hit
is shown — the title and snippet with the matched words in ``<mark>``, the facet labels."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from schools.vocab import Stage

from ..index import KINDS
from ..models import SearchEntry
from ..segment import variants

PER_PAGE = 10
MAX_PAGE = 100
SNIPPET_CHARS = 120
MAX_TOPICS = 20


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

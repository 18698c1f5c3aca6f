"""Chinese segmentation shared by indexing and querying.

One function, :func:`segment`, turns text into space-separated words for the search
index (``mode="index"``) or for a query (``mode="query"``). Both go through the same
normalisation (Traditional → Simplified with OpenCC, full-width → half-width, lower
case), the same jieba dictionary (jieba's own plus ``dict/xinyu.txt``) and the same
synonym groups (``dict/synonyms.txt``):

- index mode uses jieba's search mode (a compound such as 生命教育 is emitted whole *and*
  as 生命 / 教育) and writes, next to every word, the standard word of its synonym group —
  so a page that says 家长 is also indexed under 父母;
- query mode uses jieba's precise mode (compounds stay whole: 不想上学 is one word),
  replaces every word by its standard word, and drops stop words (``dict/stopwords.txt``
  always; ``dict/soft_stopwords.txt`` such as 孩子 only when other words remain).

jieba is initialised once, lazily, on first use; its cache lives under ``var/``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DICT_DIR = Path(__file__).resolve().parent / "dict"
MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 12
# From this many core words on, AND means "all but one" (database and Elasticsearch).
LONG_QUERY_WORDS = 3

# A "word" is made of letters, digits or CJK characters; punctuation, emoji, FTS syntax
# characters (" * ( ) - ...) never reach the index or the query.
_WORD_RE = re.compile(r"^[^\W_]+$")

_lock = threading.Lock()
_tokenizer = None


def _read_lines(name: str) -> list[str]:
    lines = []
    for raw in (DICT_DIR / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _get_tokenizer():
    """The jieba tokenizer with the domain dictionary, built on first use."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            cache_dir = Path(settings.VAR_DIR) / "cache"
            cache_dir.mkdir(parents=True, exist_ok=True)
            tokenizer.tmp_dir = str(cache_dir)
            tokenizer.cache_file = "jieba.cache"
            tokenizer.initialize()
            tokenizer.load_userdict(str(DICT_DIR / "xinyu.txt"))
            # Synonyms and stop-word phrases (是不是, 能不能 …) are words too: a question
            # phrase cut as 能/不能 would leave 不能 as a required word.
            extra = [w for group in _synonym_groups() for w in group]
            extra += [w for line in _read_lines("stopwords.txt") for w in line.split()]
            for word in extra:
                if len(word) > 1 and not tokenizer.FREQ.get(word):
                    tokenizer.add_word(word, freq=1000)
            _tokenizer = tokenizer
    return _tokenizer


@lru_cache(maxsize=1)
def _synonym_groups() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(line.split()) for line in _read_lines("synonyms.txt"))


@lru_cache(maxsize=1)
def _canonical_map() -> dict[str, str]:
    mapping = {}
    for group in _synonym_groups():
        for word in group:
            mapping.setdefault(word, group[0])
    return mapping


@lru_cache(maxsize=1)
def _variants_map() -> dict[str, tuple[str, ...]]:
    """Standard word → every word of its group (for highlighting)."""
    return {group[0]: group for group in _synonym_groups()}


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(w for line in _read_lines("stopwords.txt") for w in line.split())


@lru_cache(maxsize=1)
def soft_stop_words() -> frozenset[str]:
    return frozenset(w for line in _read_lines("soft_stopwords.txt") for w in line.split())


@lru_cache(maxsize=1)
def corrections() -> dict[str, str]:
    pairs = (line.split() for line in _read_lines("corrections.txt"))
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


# Digits joined by a middle dot name a day: “5·25” is searched as 525 (心理健康日); a
# decimal point is left alone.
_DAY_RE = re.compile(r"(?<![\d.·•・‧])(\d{1,2})[·•・‧](\d{1,2})(?![\d.·•・‧])")


def normalise(text: str) -> str:
    """Simplified Chinese, half-width, lower-case text; a day written 5·25 is 525."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _DAY_RE.sub(r"\1\2", text)
    return _converter().convert(text).lower()


def canonical(word: str) -> str:
    return _canonical_map().get(word, word)


def variants(word: str) -> tuple[str, ...]:
    """All surface forms that index under the standard ``word``."""
    return _variants_map().get(word, (word,))


def words(text: str, *, mode: str = "index") -> list[str]:
    """The words of ``text``: index mode keeps duplicates in order; query mode de-duplicates."""
    text = normalise(text)
    if not text:
        return []
    tokenizer = _get_tokenizer()
    if mode == "index":
        out = []
        for word in tokenizer.cut_for_search(text, HMM=False):
            word = word.strip()
            if not _WORD_RE.match(word):
                continue
            out.append(word)
            standard = canonical(word)
            if standard != word:
                out.append(standard)
        return out
    if mode != "query":
        raise ValueError(f"unknown segmentation mode {mode!r}")
    text = text[:MAX_QUERY_CHARS]
    stop = stop_words()
    seen: list[str] = []
    for word in tokenizer.cut(text, HMM=False):
        word = word.strip()
        if not _WORD_RE.match(word) or word in stop:
            continue
        word = canonical(word)
        if word not in seen:
            seen.append(word)
    # Soft stop words (孩子, 学生 …) and single characters only count when nothing
    # more specific is left.
    soft = soft_stop_words()
    if any(word not in soft for word in seen):
        seen = [word for word in seen if word not in soft]
    if any(len(word) > 1 for word in seen):
        seen = [word for word in seen if len(word) > 1 or word.isascii()]
    return seen[:MAX_QUERY_WORDS]


@dataclass(frozen=True)
class Term:
    """One word of a query: ``core`` words are required (AND), the others only rank.

    ``parts`` is a finer segmentation of a compound (心理班会 → 心理 + 班会) so that the
    compound also finds content that says the same thing in separate words.
    """

    word: str
    core: bool = True
    parts: tuple[str, ...] = ()
    # Also match indexed words that start with ``word`` (家校 → 家校沟通, 家校合作).
    prefix: bool = False


def word_parts(word: str) -> tuple[str, ...]:
    """A cover of ``word`` by its dictionary sub-words, longest first (() if none)."""
    if len(word) < 3 or word.isascii():
        return ()
    subs = {
        w
        for w in _get_tokenizer().cut_for_search(word, HMM=False)
        if w != word and len(w) > 1 and w in word
    }
    if not subs:
        return ()
    parts, i = [], 0
    while i < len(word):
        for size in range(len(word) - i - 1 if i == 0 else len(word) - i, 1, -1):
            if word[i : i + size] in subs:
                parts.append(word[i : i + size])
                i += size
                break
        else:
            parts.append(word[i])
            i += 1
    return tuple(parts) if len(parts) > 1 else ()


def match_parts(word: str) -> tuple[str, ...]:
    """The parts a compound also matches as: its dictionary parts of two or more
    characters (语文课 → 语文; 心理班会 → 心理 + 班会). A lone character is no evidence
    (课, 打 are everywhere or nowhere in the index)."""
    parts = tuple(p for p in word_parts(word) if len(p) > 1)
    return parts


def query_terms(text: str) -> list[Term]:
    """The terms of a query: the words of ``words(text, mode="query")`` are core; soft stop
    words and single characters that query mode drops are kept as optional terms."""
    text = normalise(text)[:MAX_QUERY_CHARS]
    if not text:
        return []
    core = words(text, mode="query")
    stop = stop_words()
    optional: list[str] = []
    for word in _get_tokenizer().cut(text, HMM=False):
        word = canonical(word.strip())
        if _WORD_RE.match(word) and word not in stop and word not in core:
            if word not in optional:
                optional.append(word)
    terms = [Term(word, True, match_parts(word)) for word in core]
    terms += [Term(word, False) for word in optional]
    return terms[:MAX_QUERY_WORDS]


def segment(text: str, *, mode: str = "index") -> str:
    """Space-separated words of ``text`` (see the module docstring for the two modes)."""
    return " ".join(words(text, mode=mode))


def correct(query: str) -> str:
    """The query with common misspellings of domain terms corrected ('' if none applied)."""
    text = normalise(query)[:MAX_QUERY_CHARS]
    corrected = text
    for wrong, right in sorted(corrections().items(), key=lambda kv: -len(kv[0])):
        corrected = corrected.replace(wrong, right)
    return corrected if corrected != text else ""


# --- the fallback ladder's vocabulary ------------------------------------------------------


def _sections(name: str) -> dict[str, list[str]]:
    """``[section]`` headers and the words under them (for ``dict/crisis.txt``)."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in _read_lines(name):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        sections.setdefault(current, []).extend(line.split())
    return sections


@lru_cache(maxsize=1)
def crisis_words() -> tuple[str, ...]:
    """Words of self-harm, suicide or harming others (simplified and traditional)."""
    words = _sections("crisis.txt").get("words", [])
    forms = {form for word in words for form in (word, normalise(word)) if form}
    return tuple(sorted(forms, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def crisis_guidance_words() -> tuple[str, ...]:
    return tuple(_sections("crisis.txt").get("guidance", []))


def _compact(text: str) -> str:
    return "".join(str(text or "").split())


def is_crisis(query: str) -> bool:
    """Does the query speak of self-harm, suicide or harming others? Judged on the text
    itself (simplified or traditional, spaces ignored), never on what the index holds."""
    raw = _compact(query).lower()
    if not raw:
        return False
    simplified = _compact(normalise(query))
    return any(word in raw or word in simplified for word in crisis_words())


@lru_cache(maxsize=1)
def _related_map() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(
        (line.split()[0], tuple(line.split()[1:]))
        for line in _read_lines("related.txt")
        if len(line.split()) > 1
    )


def related_words(words_: list[str]) -> list[str]:
    """Related topics of the query's words (``dict/related.txt``): a line applies when its
    topic is one of the words, or one contains the other."""
    out: list[str] = []
    for word in words_:
        for topic, related in _related_map():
            if topic == word or (len(word) > 1 and (topic in word or word in topic)):
                out += [w for w in (topic, *related) if w != word]
    return [canonical(w) for w in dict.fromkeys(out)][:MAX_QUERY_WORDS]


def fragments(word: str) -> tuple[str, ...]:
    """Pieces of a word for the ladder's "parts" step: its dictionary parts when it is a
    compound (心理班会 → 心理, 班会), else — an out-of-dictionary or unsplittable word —
    its character bigrams (家校共育 → 家校, 校共, 共育). Matched as prefixes."""
    if len(word) < 3 or word.isascii():
        return ()
    parts = word_parts(word)
    if parts and all(len(p) > 1 for p in parts):
        return parts
    return tuple(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))

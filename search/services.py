"""Writes of the search app: keep ``SearchEntry`` rows in step with published content,
extract text from uploaded documents, count popular queries."""

from __future__ import annotations

import contextlib
import logging
import threading

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from wagtail.documents import get_document_model
from wagtail.models import Page
from wagtail.search import index as wagtail_index

from . import cache as search_cache
from .backend import using_elasticsearch
from .extract import extract_text
from .index import KINDS, SegmentedSearchMixin
from .models import SearchEntry, SearchFacetValue
from .segment import normalise, segment

logger = logging.getLogger(__name__)

MAX_STAT_QUERY_CHARS = 50

_state = threading.local()


def indexing_is_deferred() -> bool:
    return getattr(_state, "deferred", 0) > 0


@contextlib.contextmanager
def indexing_deferred():
    """Bulk loads (the demo, imports of many pages): no search entry or index write per
    saved object; the caller rebuilds them once at the end (``entries_rebuild`` and
    ``update_index``). Indexing everything per save made ``load_demo`` twice as slow.
    """
    from django.db.models.signals import post_delete, post_save
    from modelsearch import index as modelsearch_index
    from modelsearch.signal_handlers import post_delete_signal_handler, post_save_signal_handler

    models = [
        m for m in modelsearch_index.get_indexed_models() if getattr(m, "search_auto_update", True)
    ]
    _state.deferred = getattr(_state, "deferred", 0) + 1
    if _state.deferred == 1:
        for model in models:
            post_save.disconnect(post_save_signal_handler, sender=model)
            post_delete.disconnect(post_delete_signal_handler, sender=model)
    try:
        yield
    finally:
        _state.deferred -= 1
        if _state.deferred == 0:
            for model in models:
                post_save.connect(post_save_signal_handler, sender=model)
                post_delete.connect(post_delete_signal_handler, sender=model)


def _entry_lookup(obj) -> dict:
    if isinstance(obj, Page):
        return {"page_id": obj.pk}
    return {"document_id": obj.pk}


def _is_searchable(obj) -> bool:
    if not isinstance(obj, SegmentedSearchMixin):
        return False
    if isinstance(obj, Page):
        return bool(obj.live)
    return True


def _is_restricted(obj) -> bool:
    """A file an anonymous visitor may not download (the download rule itself decides);
    pages are never restricted here (their visibility is Wagtail's privacy, checked at
    search time)."""
    from .index import document_is_public

    if isinstance(obj, get_document_model()):
        return not document_is_public(obj)
    return bool(obj.is_teachers_only())


def pages_attaching_sync(*, document) -> int:
    """Refresh the entries of live pages that attach ``document`` (its text is part of
    theirs, see ``SegmentedSearchMixin.search_attached_text``). Uses Wagtail's reference
    index, so any page type and any field that refers to documents is covered."""
    from wagtail.models import ReferenceIndex

    refreshed = 0
    references = ReferenceIndex.get_references_to(document)
    for source, _refs in references.group_by_source_object():
        if isinstance(source, Page) and source.live:
            entry_sync(obj=source)
            refreshed += 1
    return refreshed


def _invalidate() -> None:
    """Drop cached anonymous results now and again once the change is committed (a
    request served in between must not keep the old results)."""
    search_cache.invalidate()
    transaction.on_commit(search_cache.invalidate)


@transaction.atomic
def entry_sync(*, obj) -> SearchEntry | None:
    """Create, refresh or remove the search entry of a page or document.

    A page is searchable while it is live and its type mixes in ``SegmentedSearchMixin``;
    its live content is what gets indexed (drafts are never read). Returns the entry, or
    None when the object is not searchable (any stale entry is removed).
    """
    if isinstance(obj, Page) and type(obj) is Page:
        obj = obj.specific
    lookup = _entry_lookup(obj)
    if not _is_searchable(obj):
        entry_delete(obj=obj)
        return None
    kind = obj.search_kind if obj.search_kind in KINDS else "page"
    title = obj.search_title()
    text = obj.search_plain_text()
    # Files carry no files; pages (and any other model) may.
    carrier = not isinstance(obj, get_document_model())
    documents = obj.search_attached_documents() if carrier else []
    attached = obj.search_attached_text(documents) if documents else ""
    if attached:
        text = f"{text}\n{attached}" if text else attached
    keywords = " ".join(obj.search_keywords())
    audience = " ".join(obj.search_audience_words())
    entry, _ = SearchEntry.objects.update_or_create(
        **lookup,
        defaults={
            "kind": kind,
            "display_title": title[:255],
            "title": segment(f"{title}\n{keywords}"),
            "body": segment(f"{text}\n{audience}"),
            "text": text,
            "restricted": _is_restricted(obj),
        },
    )
    wanted = {(SearchFacetValue.STAGE, str(s)[:100]) for s in obj.search_stages() or [] if s}
    wanted |= {(SearchFacetValue.TOPIC, str(t)[:100]) for t in obj.search_topics() or [] if t}
    existing = {(f.facet, f.value): f.pk for f in entry.facet_values.all()}
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        SearchFacetValue.objects.filter(pk__in=stale).delete()
    SearchFacetValue.objects.bulk_create(
        [
            SearchFacetValue(entry=entry, facet=facet, value=value)
            for facet, value in sorted(wanted - existing.keys())
        ]
    )
    if using_elasticsearch() and (stale or wanted - existing.keys()):
        # Facet values are part of the Elasticsearch document: index again with them.
        wagtail_index.insert_or_update_object(entry)
    if carrier:
        parts_claim(entry=entry, documents=documents)
    _invalidate()
    return entry


def parts_claim(*, entry: SearchEntry, documents) -> None:
    """Mark the entries of ``documents`` — the files whose text is part of the page entry
    ``entry`` — as its parts (``SearchEntry.part_of``), so a search that finds the page
    and its files lists the page first and the files after everything else (one lesson
    does not fill the first results with its 教案, 课件 and 学习单). A file attached to
    several pages belongs to the first that claimed it while that page keeps it; files
    the page no longer carries are let go."""
    ids = [d.pk for d in documents]
    SearchEntry.objects.filter(part_of=entry).exclude(document_id__in=ids).update(part_of=None)
    if ids:
        SearchEntry.objects.filter(document_id__in=ids, part_of__isnull=True).update(part_of=entry)


def entry_delete(*, obj) -> None:
    for entry in SearchEntry.objects.filter(**_entry_lookup(obj)):
        entry.delete()  # one by one so the search backend drops it too
    _invalidate()


@task()
def document_extract_text(document_id: int) -> int:
    """Background task: read the text inside an uploaded document and index it.

    Returns the number of characters extracted (0 for file types we cannot read).
    """
    from resources.models import XinyuDocument

    document = XinyuDocument.objects.filter(pk=document_id).first()
    if document is None:
        return 0
    name = document.file.name
    text = ""
    try:
        with document.open_file() as fh:
            text = extract_text(fh, name=name)
    except OSError as exc:
        logger.warning("document %s could not be opened: %s", document_id, type(exc).__name__)
    XinyuDocument.objects.filter(pk=document_id).update(extracted_text=text, extracted_file=name)
    document.extracted_text = text
    document.extracted_file = name
    if indexing_is_deferred():
        return len(text)
    entry_sync(obj=document)
    pages_attaching_sync(document=document)
    return len(text)


def document_uploaded(*, document) -> None:
    """Schedule text extraction when a document's file is new or replaced."""
    if document.file and document.file.name != document.extracted_file:
        document_id = document.pk
        transaction.on_commit(lambda: document_extract_text.enqueue(document_id))


def query_stat_record(*, query: str, results: int, request=None) -> bool:
    """Count one visitor's search for the popular list and the editors' gap list.

    Once per visitor per day: the visitor is a salted hash of their address and browser
    held only in the cache for a day, never stored. Queries naming a student or a staff
    member are not stored at all; contact handles, URLs, digit runs and crisis words are
    stored with the reason they can never be shown. Returns True when counted.
    """
    import hashlib

    from django.conf import settings
    from django.core.cache import cache
    from django.db.models import F

    from schools.audit import client_ip

    from .models import SearchQuery, SearchQueryDay
    from .popular import query_blocked_reason

    text = " ".join(normalise(query).split())
    if not text or len(text) > MAX_STAT_QUERY_CHARS:
        return False
    today = timezone.localdate()
    visitor = ""
    if request is not None:
        agent = request.META.get("HTTP_USER_AGENT", "")[:200]
        visitor = f"{client_ip(request) or ''}|{agent}|{getattr(request.user, 'pk', '')}"
    seen = hashlib.sha256(f"{settings.SECRET_KEY}|{today}|{visitor}|{text}".encode()).hexdigest()
    if not cache.add(f"search:seen:{seen}", 1, 60 * 60 * 24):
        return False
    reason = query_blocked_reason(text)
    if reason == "人名":
        return False
    with transaction.atomic():
        stat, _ = SearchQuery.objects.get_or_create(text=text)
        SearchQuery.objects.filter(pk=stat.pk).update(
            results=results, blocked_reason=reason, last_searched=today
        )
        day, _ = SearchQueryDay.objects.get_or_create(query=stat, date=today)
        SearchQueryDay.objects.filter(pk=day.pk).update(visitors=F("visitors") + 1)
    return True


def search_query_review(*, query, user, approve: bool) -> None:
    """An editor approves a query for "大家都在搜" (only one that found results and passes
    the filter) or turns it down."""
    from django.core.exceptions import ValidationError

    from .models import SearchQuery

    if approve and not query.approvable:
        raise ValidationError(
            f"“{query.text}”不能采用：" + (query.blocked_reason or "没有搜索结果")
        )
    query.status = SearchQuery.APPROVED if approve else SearchQuery.REJECTED
    query.reviewed_by = user
    query.reviewed_at = timezone.now()
    query.save(update_fields=["status", "reviewed_by", "reviewed_at"])


def entries_rebuild(*, extract: bool = False, progress=None) -> dict[str, int]:
    """Re-create the search entry of every live page and every document; drop stale ones.

    ``progress(label, done, total)`` is called as it goes. Idempotent.
    """
    from resources.models import XinyuDocument

    report = progress or (lambda label, done, total: None)
    # Documents first: a page's entry then claims the entries of the files it carries
    # (``parts_claim``).
    documents = XinyuDocument.objects.order_by("pk")
    total = documents.count()
    kept_documents = []
    for done, document in enumerate(documents.iterator(chunk_size=200), start=1):
        if extract:
            document_extract_text.call(document.pk)
        else:
            entry_sync(obj=document)
        kept_documents.append(document.pk)
        report("文档", done, total)
    pages = Page.objects.live().specific().order_by("path")
    total = pages.count()
    kept_pages = []
    for done, page in enumerate(pages.iterator(chunk_size=200), start=1):
        if entry_sync(obj=page) is not None:
            kept_pages.append(page.pk)
        report("页面", done, total)
    stale = SearchEntry.objects.exclude(page_id__in=kept_pages).exclude(
        document_id__in=kept_documents
    )
    removed = 0
    for entry in stale.iterator():
        entry.delete()
        removed += 1
    return {"pages": len(kept_pages), "documents": len(kept_documents), "removed": removed}

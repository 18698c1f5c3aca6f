"""Which search entries a user may find: live public pages and the files the download
rule lets them open (``resources.selectors``), minus Wagtail's private collections."""

from __future__ import annotations

from django.db.models import Q
from wagtail.models import Page

from schools.selectors import memberships_of

from ..models import SearchEntry, SearchFacetValue


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

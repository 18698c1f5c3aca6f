"""Reads for the resource library, parent guides, notices and policies."""

from django.db.models import Count, Q, QuerySet, Value
from taggit.models import Tag

from schools.selectors import memberships_of

from .vocab import Audience, ResourceType

SORTS = {"newest": ("-created_at", "-pk"), "popular": ("-download_count", "-pk")}


def user_is_teacher(*, user) -> bool:
    """A teacher is anyone logged in with an active school or bureau membership."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False) or memberships_of(user=user))


def document_is_teachers_only(*, document) -> bool:
    """Teachers-only by its audience, or by living in a restricted collection."""
    if document.audience == Audience.TEACHERS:
        return True
    from .services import TEACHERS_COLLECTION_NAME

    return any(
        c.name == TEACHERS_COLLECTION_NAME
        for c in document.collection.get_ancestors(inclusive=True)
    )


def document_may_download(*, document, user) -> bool | None:
    """True if ``user`` may download; None if they must log in first; False if refused.

    Teachers-only files need a teacher. A school's own unpublished document (not listed in
    the library) is for that school's staff and the bureau only.
    """
    from schools.selectors import is_bureau

    needs_teacher = document_is_teachers_only(document=document)
    school_private = bool(document.school_id) and not document.listed
    if not (needs_teacher or school_private):
        return True
    if not getattr(user, "is_authenticated", False):
        return None
    if needs_teacher and not user_is_teacher(user=user):
        return False
    if school_private and not is_bureau(user=user):
        return any(m.school_id == document.school_id for m in memberships_of(user=user))
    return True


def _documents():
    from .models import XinyuDocument

    return XinyuDocument.objects.all()


def resource_filters_from(params) -> dict:
    """Clean the library's query-string filters; unknown values are dropped."""
    from schools.vocab import Stage

    def pick(name, allowed):
        value = params.get(name, "")
        return value if value in allowed else ""

    topic = params.get("topic", "").strip()[:50]
    return {
        "resource_type": pick("type", ResourceType.values),
        "stage": pick("stage", Stage.values),
        "audience": pick("audience", Audience.values),
        "topic": topic,
        "sort": pick("sort", SORTS) or "newest",
    }


def resources_list(
    *,
    resource_type: str = "",
    stage: str = "",
    audience: str = "",
    topic: str = "",
    sort: str = "newest",
) -> QuerySet:
    """Listed library documents matching the filters, with their tags prefetched."""
    qs = _documents().filter(listed=True)
    if resource_type:
        qs = qs.filter(resource_type=resource_type)
    if stage:
        qs = qs.filter(stages__has=stage)
    if audience:
        qs = qs.filter(audience=audience)
    if topic:
        qs = qs.filter(tags__name=topic)
    return qs.order_by(*SORTS.get(sort, SORTS["newest"])).prefetch_related("tags")


def resource_topic_choices() -> list[str]:
    """Topic tags used by listed documents, most used first."""
    from .models import XinyuDocument

    return list(
        Tag.objects.filter(
            taggit_taggeditem_items__content_type__model=XinyuDocument._meta.model_name,
            taggit_taggeditem_items__content_type__app_label=XinyuDocument._meta.app_label,
        )
        .annotate(n=Count("taggit_taggeditem_items"))
        .order_by("-n", "name")
        .values_list("name", flat=True)[:30]
    )


def resource_get(*, document_id: int):
    return _documents().filter(pk=document_id, listed=True).prefetch_related("tags").first()


def resources_related(*, document, limit: int = 6) -> list:
    """Listed documents sharing the most tags with ``document``; then same type and stage."""
    tag_ids = [t.pk for t in document.tags.all()]
    qs = _documents().filter(listed=True).exclude(pk=document.pk)
    if tag_ids:
        qs = qs.annotate(shared=Count("tags", filter=Q(tags__in=tag_ids), distinct=True))
        qs = qs.filter(Q(shared__gt=0) | Q(resource_type=document.resource_type))
    else:
        qs = qs.annotate(shared=Value(0)).filter(resource_type=document.resource_type)
    return list(qs.order_by("-shared", "-download_count", "-pk")[:limit])


def parent_guides_list(*, index, stage: str = "", topic: str = "") -> QuerySet:
    from .models import ParentGuidePage

    qs = ParentGuidePage.objects.child_of(index).live().public()
    if stage:
        qs = qs.filter(stages__has=stage)
    if topic:
        qs = qs.filter(topic=topic)
    return qs.order_by("-first_published_at", "-pk")


def notices_list(*, index, kind: str = "") -> QuerySet:
    from .models import NoticePage

    qs = NoticePage.objects.child_of(index).live().public().select_related("poster")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-date", "-pk")


def policies_list(*, index, status: str = "") -> QuerySet:
    from .models import PolicyPage

    qs = PolicyPage.objects.child_of(index).live().public().select_related("school")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-issued_on", "-pk")

"""Reads for the resource library, parent guides, notices and policies."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from taggit.models import Tag

from schools.selectors import memberships_of

from .vocab import Audience, ResourceType

SORTS = {"newest": ("-created_at", "-pk"), "popular": ("-download_count", "-pk")}


def user_is_teacher(*, user) -> bool:
    """A teacher is anyone logged in with an active school or bureau membership."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False) or memberships_of(user=user))


def document_is_teachers_only(*, document, memo: dict | None = None) -> bool:
    """Teachers-only by its audience, or by living in a restricted collection."""
    return document.pk in documents_teachers_only(documents=[document], memo=memo)


def documents_teachers_only(*, documents, memo: dict | None = None) -> set[int]:
    """Ids of ``documents`` that are teachers-only: by audience, or by living in (a folder
    under) the teachers' collection. One query for all their folders' ancestors.

    ``memo`` (collection id → under the teachers' collection) spares a page that links many
    files one query per file.
    """
    from wagtail.models import Collection

    from .services import TEACHERS_COLLECTION_NAME

    documents = list(documents)
    found = {d.pk for d in documents if d.audience == Audience.TEACHERS}
    rest = [d for d in documents if d.pk not in found]
    if memo is not None:
        found |= {d.pk for d in rest if memo.get(d.collection_id)}
        rest = [d for d in rest if d.collection_id not in memo]
    if not rest:
        return found
    paths = {d.pk: d.collection.path for d in rest if d._state.fields_cache.get("collection")}
    missing = [d for d in rest if d.pk not in paths]
    if missing:
        by_id = dict(
            Collection.objects.filter(pk__in={d.collection_id for d in missing}).values_list(
                "pk", "path"
            )
        )
        paths.update({d.pk: by_id.get(d.collection_id, "") for d in missing})
    steplen = Collection.steplen
    prefixes = {p[:i] for p in paths.values() for i in range(steplen, len(p) + 1, steplen)}
    teachers = {
        path
        for path in Collection.objects.filter(
            path__in=prefixes, name=TEACHERS_COLLECTION_NAME
        ).values_list("path", flat=True)
    }
    collection_of = {d.pk: d.collection_id for d in rest}
    for pk, path in paths.items():
        under_teachers = any(path.startswith(t) for t in teachers)
        if under_teachers:
            found.add(pk)
        if memo is not None:
            memo[collection_of[pk]] = under_teachers
    return found


def document_may_download(*, document, user, memo: dict | None = None) -> bool | None:
    """True if ``user`` may download; None if they must log in first; False if refused.

    Teachers-only files need a teacher. A school's own unpublished document (not listed in
    the library) is for that school's staff and the bureau only.
    """
    return documents_download_access(documents=[document], user=user, memo=memo)[document.pk]


def documents_download_access(
    *, documents, user, memo: dict | None = None
) -> dict[int, bool | None]:
    """The download rule of ``document_may_download`` for many documents at once (site
    search asks it of every restricted file): document id → True / None / False, in a
    constant number of queries."""
    from schools import access as school_access

    documents = list(documents)
    teachers_only = documents_teachers_only(documents=documents, memo=memo)
    access: dict[int, bool | None] = {}
    for document in documents:
        needs_teacher = document.pk in teachers_only
        school_private = bool(document.school_id) and not document.listed
        if not (needs_teacher or school_private):
            access[document.pk] = True
        elif not getattr(user, "is_authenticated", False):
            access[document.pk] = None
        elif needs_teacher and not user_is_teacher(user=user):
            access[document.pk] = False
        elif school_private and not school_access.can(user=user, cap="resources.private.read"):
            access[document.pk] = any(
                m.school_id == document.school_id for m in memberships_of(user=user)
            )
        else:
            access[document.pk] = True
    return access


def _documents():
    from .models import XinyuDocument

    return XinyuDocument.objects.all()


def resource_filters_from(params) -> dict:
    """Clean the library's query-string filters; unknown values are dropped."""
    from schools.vocab import Grade, Stage

    def pick(name, allowed):
        value = params.get(name, "")
        return value if value in allowed else ""

    topic = params.get("topic", "").strip()[:50]
    return {
        "resource_type": pick("type", ResourceType.values),
        "stage": pick("stage", Stage.values),
        "grade": pick("grade", [str(g) for g in Grade.values]),
        "audience": pick("audience", Audience.values),
        "topic": topic,
        "sort": pick("sort", SORTS) or "newest",
    }


def resources_list(
    *,
    resource_type: str = "",
    stage: str = "",
    grade: str = "",
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
    if grade:
        qs = qs.filter(grades__has=grade)
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


def parent_guides_related(*, guide, limit: int = 3) -> list:
    """Guides a parent reading ``guide`` is likely to need next: live public siblings of the
    same topic first, then those sharing more tags, then those for the same stages; newest
    breaks ties. Two queries, however many guides there are."""
    from .models import ParentGuidePage

    tag_ids = list(guide.tags.values_list("pk", flat=True))
    related = Q(topic=guide.topic) | Q(shared_tags__gt=0)
    for stage in guide.stages or []:
        related |= Q(stages__has=stage)
    qs = (
        ParentGuidePage.objects.sibling_of(guide, inclusive=False)
        .live()
        .public()
        .annotate(
            same_topic=Case(
                When(topic=guide.topic, then=1), default=0, output_field=IntegerField()
            ),
            shared_tags=Count(
                "tagged_items", filter=Q(tagged_items__tag_id__in=tag_ids or [0]), distinct=True
            ),
        )
        .filter(related)
        .order_by("-same_topic", "-shared_tags", "-first_published_at", "-pk")
    )
    return list(qs[:limit])


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


# --- notice-board posters --------------------------------------------------------------------


def _portal_settings_of(page):
    """The site settings of the page's site (the default site's for a page not yet placed)."""
    from wagtail.models import Site

    from portal.models import PortalSettings

    site = page.get_site() if page.path else None
    site = site or Site.objects.filter(is_default_site=True).first()
    return PortalSettings.for_site(site) if site else PortalSettings()


def poster_help_lines(*, portal) -> tuple[str, ...]:
    """The help box of the poster: the channels of the site's "when to seek help" box."""
    lines = []
    if portal.counselling_hotline:
        hours = f"（{portal.counselling_hours}）" if portal.counselling_hours else ""
        lines.append(f"心理咨询热线：{portal.counselling_hotline}{hours}")
    if portal.national_hotline:
        lines.append(f"全国心理援助热线：{portal.national_hotline}")
    if portal.centre_name and portal.centre_phone:
        lines.append(f"{portal.centre_name}：{portal.centre_phone}")
    lines.append(
        f"有伤害自己或他人的危险时，请立即拨打 {portal.emergency_phone} 或 {portal.police_phone}"
    )
    return tuple(lines)


def notice_poster_content(*, page, with_url: bool = True):
    """What the notice's poster prints (``resources.posters.PosterContent``), or None when
    the notice has no poster points. Built from the page object given: the live page for
    the files, the draft in a preview."""
    from .posters import PosterContent, lines_of, printable

    points = lines_of(page.poster_points)
    if not points:
        return None
    portal = _portal_settings_of(page)
    url = (page.get_full_url() or "") if with_url and page.pk else ""
    return PosterContent(
        headline=printable((page.poster_headline or page.title).strip()),
        messages=tuple(printable(m) for m in lines_of(page.poster_message)),
        points=tuple(printable(p) for p in points),
        help_lines=tuple(printable(h) for h in poster_help_lines(portal=portal)),
        organisation=printable(portal.bureau_name),
        portal_name=printable(portal.portal_name),
        url=url,
        colour=page.poster_colour,
    )


def notice_poster_problem(*, page) -> tuple[str, str] | None:
    """(field, message) when the notice's poster cannot be made as written, else None."""
    from .posters import MAX_POINTS, MIN_POINTS, lines_of, poster_layout, unprintable

    points = lines_of(page.poster_points)
    if not points:
        if page.poster_headline.strip() or page.poster_message.strip():
            return (
                "poster_points",
                f"要生成海报，请填写{MIN_POINTS}～{MAX_POINTS}条要点，每行一条。",
            )
        return None
    if not MIN_POINTS <= len(points) <= MAX_POINTS:
        return (
            "poster_points",
            f"海报要点需要{MIN_POINTS}～{MAX_POINTS}条（每行一条），现在是{len(points)}条。",
        )
    for name in ("poster_headline", "poster_message", "poster_points"):
        odd = unprintable(getattr(page, name))
        if odd:
            return (
                name,
                f"海报使用的字体打印不出这些字符：{' '.join(odd)}，请删去或改用文字。",
            )
    layout = poster_layout(notice_poster_content(page=page, with_url=False))
    if not layout.fits:
        return (layout.problem_field or "poster_points", layout.problem)
    return None

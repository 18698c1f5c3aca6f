"""Writes for the resource library."""

import logging
import threading

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from wagtail.models import Collection, CollectionViewRestriction

from portal.dbwait import write_briefly

from .validators import document_file_check
from .vocab import Audience, ResourceType

logger = logging.getLogger(__name__)

TEACHERS_COLLECTION_NAME = "教师专用资料"
SCHOOLS_COLLECTION_NAME = "学校资料"


# Downloads counted while the database was too busy, per document id: added to the count
# by the next download this process counts (see ``document_download_record``).
_uncounted: dict[int, int] = {}
_uncounted_lock = threading.Lock()


def document_download_record(*, document) -> bool:
    """Count one download atomically (an UPDATE … SET n = n + 1, never read-modify-write).

    Counting never delays or fails the download: the UPDATE waits only briefly for the
    write lock (``portal.dbwait.write_briefly``). When the database stays busy the download
    is remembered in this process and added by the next count that gets through. Returns
    whether the count (with any remembered ones) was written now.
    """
    model = type(document)
    with _uncounted_lock:
        owed = dict(_uncounted)
        _uncounted.clear()
    owed[document.pk] = owed.get(document.pk, 0) + 1

    def write():
        for pk, n in sorted(owed.items()):
            model.objects.filter(pk=pk).update(download_count=F("download_count") + n)

    if write_briefly(write, what="download count"):
        return True
    with _uncounted_lock:
        for pk, n in owed.items():
            _uncounted[pk] = _uncounted.get(pk, 0) + n
    return False


def downloads_uncounted() -> dict[int, int]:
    """Downloads this process served but could not count yet (document id → number)."""
    with _uncounted_lock:
        return dict(_uncounted)


@transaction.atomic
def teachers_collection_ensure() -> Collection:
    """The private collection for teachers-only files: login required to download."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=TEACHERS_COLLECTION_NAME).first()
    if collection is None:
        collection = root.add_child(name=TEACHERS_COLLECTION_NAME)
    if not CollectionViewRestriction.objects.filter(collection=collection).exists():
        CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.LOGIN
        )
    return collection


@transaction.atomic
def collection_ensure(*, name: str, parent: Collection | None = None) -> Collection:
    parent = parent or Collection.get_first_root_node()
    existing = parent.get_children().filter(name=name).first()
    return existing or parent.add_child(name=name)


def document_create(
    *,
    title: str,
    filename: str,
    content: bytes,
    resource_type: str = ResourceType.OTHER,
    stages: list[str] | None = None,
    audience: str = Audience.PUBLIC,
    description: str = "",
    tags: list[str] | None = None,
    collection: Collection | None = None,
    school=None,
    listed: bool = True,
    uploaded_by=None,
    policy_kind: str = "",
    download_title: str = "",
):
    """Validate and store one document; teachers-only files go to the private collection.
    ``download_title`` names the saved file when it should differ from the title."""
    from .models import XinyuDocument

    upload = ContentFile(content, name=filename)
    document_file_check(upload, name=filename)
    if audience == Audience.TEACHERS:
        collection = teachers_collection_ensure()
    with transaction.atomic():
        document = XinyuDocument(
            title=title,
            resource_type=resource_type,
            stages=stages or [],
            audience=audience,
            description=description,
            collection=collection or Collection.get_first_root_node(),
            school=school,
            listed=listed,
            uploaded_by_user=uploaded_by,
            policy_kind=policy_kind,
            download_title=download_title,
        )
        document.file.save(filename, upload, save=False)
        document._set_document_file_metadata()
        document.full_clean(exclude=["file"])
        document.save()
        if tags:
            document.tags.set(tags)
    return document


def _school_group_name(school) -> str:
    return f"学校资料·{school.code}"


@transaction.atomic
def school_collection_ensure(*, school) -> Collection:
    """The school's own collection under “学校资料”, and the group allowed to manage it.

    A school's work plans and systems (R-5) are uploaded here by its admins and leaders;
    other schools have no permission on the collection, so they neither see nor change
    its documents in the back office.
    """
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupCollectionPermission

    parent = collection_ensure(name=SCHOOLS_COLLECTION_NAME)
    collection = collection_ensure(name=school.name, parent=parent)
    group, _ = Group.objects.get_or_create(name=_school_group_name(school))
    for codename in ("add_document", "change_document", "choose_document", "delete_document"):
        permission = Permission.objects.get(
            content_type__app_label="wagtaildocs", codename=codename
        )
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission
        )
    return collection


def school_editors_sync(*, user) -> None:
    """Put the user in the document group of each school they administer or lead.

    Registered with ``schools.hooks.register_membership_sync`` (``ResourcesConfig.ready``):
    runs whenever schools aligns a user's groups with their roles."""
    from django.contrib.auth.models import Group

    from schools import access

    wanted = set()
    for m, _reach in access.grants(user=user, cap="portal.content.edit_school"):
        if m.school_id:
            school_collection_ensure(school=m.school)
            wanted.add(_school_group_name(m.school))
    current = set(user.groups.filter(name__startswith="学校资料·").values_list("name", flat=True))
    for name in wanted - current:
        user.groups.add(Group.objects.get(name=name))
    for name in current - wanted:
        user.groups.remove(Group.objects.get(name=name))
    for attr in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


# --- notice-board posters (resources/posters/) ----------------------------------------------

POSTER_DIR = "posters"
POSTER_KINDS = {
    "a4": ("pdf", "application/pdf"),
    "a3": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "svg": ("svg", "image/svg+xml"),
}


def _poster_folder(page) -> str:
    return f"{POSTER_DIR}/notice-{page.pk}"


def _poster_render(*, content, kind: str) -> bytes:
    from . import posters

    if kind in posters.PAGE_SIZES:
        layout = posters.poster_layout(content, size=kind)
        if not layout.fits:
            raise ValueError(layout.problem)
        return posters.poster_pdf(layout, title=content.headline, author=content.organisation)
    layout = posters.poster_layout(content)
    if not layout.fits:
        raise ValueError(layout.problem)
    if kind == "png":
        return posters.poster_png(layout)
    return posters.poster_svg(layout, title=content.headline)


def notice_poster_file(*, page, kind: str) -> tuple[bytes, str] | None:
    """The bytes and content type of one of the notice's poster files ("a4", "a3", "png",
    "svg"), made from ``page`` as given (the live page when served), or None when it has
    no poster. Files are stored under a name keyed by their content, so a file made from
    older content is never served for newer; a missing one is made now and kept."""
    from django.core.files.storage import default_storage

    from .selectors import notice_poster_content

    content = notice_poster_content(page=page)
    if content is None:
        return None
    ext, content_type = POSTER_KINDS[kind]
    name = f"{_poster_folder(page)}/{content.key()}-{kind}.{ext}"
    try:
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as f:
                return f.read(), content_type
    except OSError:
        pass  # unreadable: make it again below
    data = _poster_render(content=content, kind=kind)
    try:
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        # The same file of older content (the settings or the site's address changed since
        # the notice was published) is never served again.
        _dirs, files = default_storage.listdir(_poster_folder(page))
        for old in files:
            if old.endswith(f"-{kind}.{ext}") and not name.endswith(f"/{old}"):
                default_storage.delete(f"{_poster_folder(page)}/{old}")
    except Exception:  # noqa: BLE001 — storing is a cache: serve what was made regardless
        logger.warning("poster file %s could not be stored", name, exc_info=True)
    return data, content_type


def notice_poster_build(*, page) -> list[str]:
    """(Re)make all of the published notice's poster files and drop those of older
    content. Returns the kinds made; nothing when the notice has no poster (or an
    unprintable one: the editor refuses those before they are published)."""
    from django.core.files.storage import default_storage

    from .posters import preview_format
    from .selectors import notice_poster_content

    folder = _poster_folder(page)
    content = notice_poster_content(page=page)
    keep = set()
    made = []
    if content is not None:
        for kind in ("a4", "a3", preview_format()):
            try:
                if notice_poster_file(page=page, kind=kind):
                    made.append(kind)
                    keep.add(f"{content.key()}-{kind}.{POSTER_KINDS[kind][0]}")
            except ValueError:
                logger.warning("poster of page %s does not fit", page.pk)
                break
    try:
        _dirs, files = default_storage.listdir(folder)
    except (OSError, NotImplementedError):
        files = []
    for old in files:
        if old not in keep:
            default_storage.delete(f"{folder}/{old}")
    return made


def school_editor_groups(*, school, roles) -> dict[str, list]:
    """The school's document group for those of ``roles`` that manage the school's own
    documents (admins and leaders), its collection and group ensured first.

    Registered with ``schools.hooks.register_school_role_groups``: a staff import puts its
    new admins and leaders straight into the group."""
    from django.contrib.auth.models import Group

    from schools import access

    editing = [r for r in access.roles_holding("portal.content.edit_school") if r in roles]
    if not editing:
        return {}
    school_collection_ensure(school=school)
    group = Group.objects.get(name=_school_group_name(school))
    return {role: [group] for role in editing}

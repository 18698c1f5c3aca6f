"""Writes for the resource library."""

import threading

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from wagtail.models import Collection, CollectionViewRestriction

from portal.dbwait import write_briefly

from .validators import document_file_check
from .vocab import Audience, ResourceType

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

    from schools.selectors import memberships_of
    from schools.vocab import Role

    wanted = set()
    for m in memberships_of(user=user):
        if m.school_id and m.role in (Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER):
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


def school_editor_groups(*, school, roles) -> dict[str, list]:
    """The school's document group for those of ``roles`` that manage the school's own
    documents (admins and leaders), its collection and group ensured first.

    Registered with ``schools.hooks.register_school_role_groups``: a staff import puts its
    new admins and leaders straight into the group."""
    from django.contrib.auth.models import Group

    from schools.vocab import Role

    editing = [r for r in (Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER) if r in roles]
    if not editing:
        return {}
    school_collection_ensure(school=school)
    group = Group.objects.get(name=_school_group_name(school))
    return {role: [group] for role in editing}

"""Writes for the resource library."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from wagtail.models import Collection, CollectionViewRestriction

from .validators import document_file_check
from .vocab import Audience, ResourceType

TEACHERS_COLLECTION_NAME = "教师专用资料"
SCHOOLS_COLLECTION_NAME = "学校资料"


def document_download_record(*, document) -> None:
    """Count one download atomically: an UPDATE … SET n = n + 1, never read-modify-write."""
    type(document).objects.filter(pk=document.pk).update(download_count=F("download_count") + 1)


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
):
    """Validate and store one document; teachers-only files go to the private collection."""
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
        )
        document.file.save(filename, upload, save=False)
        document._set_document_file_metadata()
        document.full_clean(exclude=["file"])
        document.save()
        if tags:
            document.tags.set(tags)
    return document

"""Thin adapters from Wagtail/Django events to ``search.services`` (no logic here)."""

from django.db.models.signals import post_save
from wagtail.signals import page_published, page_unpublished


def _on_published(sender, instance, **kwargs):
    from .services import entry_sync

    entry_sync(obj=instance)


def _on_unpublished(sender, instance, **kwargs):
    from .services import entry_delete

    entry_delete(obj=instance)


def _on_document_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from .services import document_uploaded, entry_sync

    entry_sync(obj=instance)
    document_uploaded(document=instance)


def connect():
    from resources.models import XinyuDocument

    page_published.connect(_on_published, dispatch_uid="search_page_published")
    page_unpublished.connect(_on_unpublished, dispatch_uid="search_page_unpublished")
    post_save.connect(_on_document_saved, sender=XinyuDocument, dispatch_uid="search_doc_saved")

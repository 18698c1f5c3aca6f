"""Thin adapters from Wagtail/Django events to ``search.services`` (no logic here)."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished


def _on_published(sender, instance, **kwargs):
    from .services import entry_sync, indexing_is_deferred

    if indexing_is_deferred():
        return
    entry_sync(obj=instance)


def _on_unpublished(sender, instance, **kwargs):
    from .services import entry_delete

    entry_delete(obj=instance)


def _on_document_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from .services import (
        document_uploaded,
        entry_sync,
        indexing_is_deferred,
        pages_attaching_sync,
    )

    if indexing_is_deferred():
        document_uploaded(document=instance)
        return
    entry_sync(obj=instance)
    # Whether the file may be downloaded by anyone decides whether its text is part of
    # the pages that attach it.
    pages_attaching_sync(document=instance)
    document_uploaded(document=instance)


def _on_promotion_changed(sender, instance, **kwargs):
    from .cache import invalidate

    invalidate()


def connect():
    from resources.models import XinyuDocument

    page_published.connect(_on_published, dispatch_uid="search_page_published")
    page_unpublished.connect(_on_unpublished, dispatch_uid="search_page_unpublished")
    post_save.connect(_on_document_saved, sender=XinyuDocument, dispatch_uid="search_doc_saved")
    from wagtail.contrib.search_promotions.models import SearchPromotion

    for signal in (post_save, post_delete):
        signal.connect(
            _on_promotion_changed, sender=SearchPromotion, dispatch_uid=f"search_promo_{signal}"
        )

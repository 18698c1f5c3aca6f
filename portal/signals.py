"""When public content changes, the page cache (``portal.cache``) is purged.

Signals rather than admin hooks: a page published by the scheduler, a command or a test
purges like one published in the back office. A purge drops every cached page at once, so
the pages that list the changed one (its parent index, the home page's "latest" block, the
library, the menu) are never left stale.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_save
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import CollectionViewRestriction, Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from portal.cache import page_cache_purge

DISPATCH = "portal.page_cache"


def _purge(**kwargs) -> None:
    page_cache_purge()


def _page_saved(sender, instance, update_fields=None, **kwargs) -> None:
    # A full save of a live page (created live, or edited by code rather than published);
    # saving a draft revision only updates bookkeeping fields and changes nothing shown.
    if update_fields is None and instance.live:
        page_cache_purge()


def _settings_saved(sender, instance, created=False, **kwargs) -> None:
    # The first page rendered for a site creates its settings row with the defaults that
    # page already shows; only a later edit changes the footer.
    if not created:
        page_cache_purge()


def connect() -> None:
    page_published.connect(_purge, dispatch_uid=f"{DISPATCH}.published")
    page_unpublished.connect(_purge, dispatch_uid=f"{DISPATCH}.unpublished")
    post_page_move.connect(_purge, dispatch_uid=f"{DISPATCH}.moved")
    for model in apps.get_models():
        if issubclass(model, Page):
            uid = f"{DISPATCH}.{model._meta.label_lower}"
            post_save.connect(_page_saved, sender=model, dispatch_uid=f"{uid}.saved")
            post_delete.connect(_purge, sender=model, dispatch_uid=f"{uid}.deleted")
    from portal.models import PortalSettings

    uid = f"{DISPATCH}.{PortalSettings._meta.label_lower}"
    post_save.connect(_settings_saved, sender=PortalSettings, dispatch_uid=f"{uid}.saved")
    post_delete.connect(_purge, sender=PortalSettings, dispatch_uid=f"{uid}.deleted")
    for model in (
        get_document_model(),
        get_image_model(),
        PageViewRestriction,
        CollectionViewRestriction,
        Site,
    ):
        uid = f"{DISPATCH}.{model._meta.label_lower}"
        post_save.connect(_purge, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(_purge, sender=model, dispatch_uid=f"{uid}.deleted")

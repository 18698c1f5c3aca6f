from django.core.cache import cache
from django.db.models import F
from wagtail.models import Page, Site

from portal.cache import page_cache_generation

# Keyed by the page cache's generation: every purge (publish, move …) renews the menu too.
NAV_CACHE_KEY = "portal:nav:{generation}:{site_id}"
NAV_CACHE_SECONDS = 300


def latest_children(*, parent, count: int):
    """The newest live, public children of ``parent``.

    A section with its own listing order (notices by their date, policies by their issue
    date) answers through that listing, so the home page and the section agree.
    """
    listing = getattr(parent.specific, "children_listing", None)
    ordered = listing() if listing else None
    if ordered is not None:
        return ordered[:count]
    return (
        parent.get_children()
        .live()
        .public()
        .order_by(F("first_published_at").desc(nulls_last=True), "-pk")
        .specific()[:count]
    )


def main_navigation(*, site: Site) -> list[dict]:
    """Top-level menu: live, public children of the site root marked 'show in menus'.

    Cached (plain dicts, no user data) until the next purge of the page cache
    (``portal.signals``: a page published, unpublished, moved or deleted).
    """
    key = NAV_CACHE_KEY.format(generation=page_cache_generation(), site_id=site.pk)
    items = cache.get(key)
    if items is None:
        root = site.root_page
        items = [
            {"title": p.title, "url": p.get_url(), "path": p.url_path}
            for p in Page.objects.child_of(root).live().public().in_menu().order_by("path")
        ]
        cache.set(key, items, NAV_CACHE_SECONDS)
    return items


# The editors' guide: a page of the site, written for this portal, that the back office's
# 帮助 menu and dashboard link to instead of Wagtail's English guide (guide.wagtail.org).
EDITOR_GUIDE_SLUG = "editor-guide"


def editor_guide_url() -> str | None:
    """The live editor guide's address on the default site, or None when there is none.

    Asked by the admin's help menu on every back-office request: cached like the menu,
    until the next purge of the page cache (a page published, moved, deleted …)."""
    key = f"portal:editor-guide:{page_cache_generation()}"
    found = cache.get(key)
    if found is None:
        found = {"url": _editor_guide_url()}
        cache.set(key, found, NAV_CACHE_SECONDS)
    return found["url"]


def _editor_guide_url() -> str | None:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        return None
    page = Page.objects.descendant_of(site.root_page).live().filter(slug=EDITOR_GUIDE_SLUG).first()
    return page.get_url() if page is not None else None

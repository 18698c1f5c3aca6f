from django.core.cache import cache
from django.db.models import F
from wagtail.models import Page, Site

NAV_CACHE_KEY = "portal:nav:{site_id}"
NAV_CACHE_SECONDS = 300


def latest_children(*, parent, count: int):
    """The newest live, public children of ``parent``."""
    return (
        parent.get_children()
        .live()
        .public()
        .order_by(F("first_published_at").desc(nulls_last=True), "-pk")
        .specific()[:count]
    )


def main_navigation(*, site: Site) -> list[dict]:
    """Top-level menu: live, public children of the site root marked 'show in menus'.

    Cached (plain dicts, no user data) and dropped whenever a page is published or moved.
    """
    key = NAV_CACHE_KEY.format(site_id=site.pk)
    items = cache.get(key)
    if items is None:
        root = site.root_page
        items = [
            {"title": p.title, "url": p.get_url(), "path": p.url_path}
            for p in Page.objects.child_of(root).live().public().in_menu().order_by("path")
        ]
        cache.set(key, items, NAV_CACHE_SECONDS)
    return items


def navigation_forget() -> None:
    for site in Site.objects.all():
        cache.delete(NAV_CACHE_KEY.format(site_id=site.pk))

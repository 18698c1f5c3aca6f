"""Back-office entry for the search terms list (editors of search terms only)."""

from django.urls import path, reverse
from wagtail import hooks

from schools.viewsets import PredicateMenuItem

from .admin_views import may_review_queries, search_queries


@hooks.register("register_admin_urls")
def search_admin_urls():
    return [path("search-queries/", search_queries, name="search_queries")]


@hooks.register("register_settings_menu_item")
def search_queries_menu_item():
    return PredicateMenuItem(
        "搜索词审核",
        reverse("search_queries"),
        icon_name="search",
        order=910,
        predicate=may_review_queries,
    )

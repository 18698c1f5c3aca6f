from wagtail import hooks

from schools import access
from schools.backoffice import AreaViewSet, MenuLink

from . import inbox
from .exports import views as export_views


def _promotion_editor(user) -> bool:
    from wagtail.contrib.search_promotions.models import SearchPromotion
    from wagtail.permissions import policy_registry

    policy = policy_registry.get_by_type(SearchPromotion)
    return policy.user_has_any_permission(user, ["add", "change", "delete"])


def _promotion_editors_only(view):
    """Wagtail's query chooser lists public search terms with their counts and checks
    nothing but back-office access; only those who edit promotions may open it."""
    from functools import wraps

    from wagtail.admin.auth import permission_denied

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not _promotion_editor(request.user):
            return permission_denied(request)
        return view(request, *args, **kwargs)

    return guarded


@hooks.register("register_admin_urls", order=-100)
def guard_search_term_chooser():
    """Registered before Wagtail's own search-promotion URLs, so these paths match first."""
    from django.urls import path
    from wagtail.contrib.search_promotions.views import chooser, chooserresults

    return [
        path(
            "searchpicks/queries/chooser/",
            _promotion_editors_only(chooser),
            name="searchpromotions_chooser_guarded",
        ),
        path(
            "searchpicks/queries/chooser/results/",
            _promotion_editors_only(chooserresults),
            name="searchpromotions_chooserresults_guarded",
        ),
    ]


# Wagtail's help menu links to its English guide on guide.wagtail.org (“What's new”, “Editor
# Guide”); the bureau's editors get the portal's own guide, a page written for them.
WAGTAIL_GUIDE_ITEMS = ("editor-guide",)


@hooks.register("construct_help_menu")
def help_menu_points_to_our_guide(request, menu_items):
    from wagtail.admin.menu import MenuItem

    from portal.selectors import editor_guide_url

    menu_items[:] = [
        item
        for item in menu_items
        if item.name not in WAGTAIL_GUIDE_ITEMS and not item.name.startswith("whats-new")
    ]
    url = editor_guide_url()
    if url:
        menu_items.append(
            MenuItem(
                "编辑指南",
                url,
                name="editor-guide",
                icon_name="help",
                order=1100,
                attrs={"target": "_blank"},
            )
        )


# --- the notification centre and 待办 ------------------------------------------------------


class InboxArea(AreaViewSet):
    """消息中心: every back-office user's own notifications."""

    name = "notifications_admin"
    url_prefix = "notifications"
    menu_label = "消息中心"
    icon = "mail"
    menu_order = 1
    routes = inbox.urlpatterns
    menu_links = (MenuLink("消息中心", route="inbox", icon="mail"),)

    def get_menu_item(self, order=None):
        (item,) = self.menu_items()
        item.order = self.menu_order
        return item


@hooks.register("register_admin_viewset")
def register_inbox():
    return InboxArea()


@hooks.register("construct_homepage_panels")
def add_todo_panel(request, panels):
    if access.can(user=request.user, cap="portal.backoffice"):
        panels.insert(0, inbox.TodoPanel(request))


# --- 我的导出: exports built in the background -------------------------------------------------


class ExportsArea(AreaViewSet):
    """我的导出 (everyone in the back office: their own jobs); the start form of each kind
    asks that kind's capability, the progress pages and downloads are the owner's only."""

    name = "exports_admin"
    url_prefix = "exports"
    menu_label = "我的导出"
    icon = "download"
    menu_order = 2

    routes = export_views.urlpatterns
    menu_links = (MenuLink("我的导出", route="index", icon="download"),)

    def get_menu_item(self, order=None):
        (item,) = self.menu_items()
        item.order = self.menu_order
        return item


@hooks.register("register_admin_viewset")
def register_exports():
    return ExportsArea()

from wagtail import hooks

from portal.selectors import navigation_forget


def _forget_navigation(request, page, *args, **kwargs):
    navigation_forget()


for _hook in (
    "after_publish_page",
    "after_unpublish_page",
    "after_move_page",
    "after_delete_page",
    "after_edit_page",
):
    hooks.register(_hook, _forget_navigation)

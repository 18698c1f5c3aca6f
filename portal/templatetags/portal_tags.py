from django import template
from wagtail.models import Site

from portal.selectors import main_navigation

register = template.Library()


@register.inclusion_tag("components/main_nav.html", takes_context=True)
def main_nav(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    items = main_navigation(site=site) if site else []
    current = getattr(context.get("page"), "url_path", "") or ""
    return {
        "items": [
            {**item, "active": bool(current) and current.startswith(item["path"])} for item in items
        ],
        "request": request,
    }


@register.filter
def kind_label(title: str, kind: str) -> str:
    """ "教案：小小种子" — the kind before a file's title, unless the title already names it
    (a title "教案-七年级-挫折教育-第1课" is shown as it is, never "教案：教案-…")."""
    title = str(title or "")
    return title if title.startswith(kind) else f"{kind}：{title}"


@register.simple_tag
def editor_guide_url():
    """The portal's own editor guide (a page of the site), for the back office."""
    from portal.selectors import editor_guide_url as guide

    return guide() or ""


@register.simple_tag(takes_context=True)
def submit_key(context, form: str):
    """The hidden one-time key of a create form (``portal.idempotency``): a double submit of
    the page stores once. ``form`` names the form, as its view does."""
    from django.utils.html import format_html

    from portal.idempotency import FIELD, key_for_page

    request = context["request"]
    return format_html(
        '<input type="hidden" name="{}" value="{}">',
        FIELD,
        key_for_page(request=request, form=form),
    )


@register.simple_tag(takes_context=True)
def backoffice_unread(context) -> int | None:
    """The bell's figure: the signed-in back-office user's unread notifications (None for
    anyone else, who sees no bell). Counted once per request (``portal.inbox.unread_of``)."""
    request = context.get("request")
    if request is None:
        return None
    from portal.inbox import unread_of

    return unread_of(request)

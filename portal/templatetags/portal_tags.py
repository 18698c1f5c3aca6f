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

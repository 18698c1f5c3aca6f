from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def search_url(outcome, name, value):
    """The search URL for ``outcome`` with one parameter changed (facets reset the page)."""
    params = {"q": outcome.query, **outcome.filters}
    if name == "page":
        params["page"] = value
    else:
        params[name] = value
    params = {
        k: v
        for k, v in params.items()
        if v not in ("", None) and not (k == "page" and str(v) == "1")
    }
    return f"{reverse('search:search')}?{urlencode(params)}"


@register.filter
def mul(value, arg):
    try:
        return int(value) * int(arg)
    except (TypeError, ValueError):
        return 0

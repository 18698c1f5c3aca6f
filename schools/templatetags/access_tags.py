"""``{% can "screening.warning.read" as may_read %}``: the capability table in templates.

The same ``schools.access.can`` the view and its menu entry ask, so a link is drawn exactly
when the page it leads to opens.
"""

from django import template

from schools import access

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, cap: str, obj=None) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return False
    return access.can(user=user, cap=cap, obj=obj)

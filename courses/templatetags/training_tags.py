from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ dict|get_item:key }}`` for templates (e.g. a quiz's chosen answers)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.inclusion_tag("courses/training/me_summary.html", takes_context=True)
def training_summary(context):
    """The learner area's training box: hours this year against target, modules in progress."""
    from courses.training.selectors import teacher_overview

    request = context["request"]
    data = teacher_overview(teacher=request.user)
    data["request"] = request
    return data

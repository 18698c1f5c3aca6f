"""Reading listing filters from the query string."""


def choice_param(request, name: str, choices) -> str:
    """The ``name`` query parameter if it is one of ``choices``' values, else ""."""
    value = request.GET.get(name, "")
    return value if value in choices.values else ""

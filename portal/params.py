"""Reading listing filters from the query string."""


def choice_param(request, name: str, choices) -> str:
    """The ``name`` query parameter if it is one of ``choices``' values, else ""."""
    value = request.GET.get(name, "")
    return value if value in choices.values else ""


def int_choice_param(request, name: str, choices) -> int | None:
    """The ``name`` query parameter as an int if it is one of ``choices``' values, else None."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and int(value) in choices.values else None

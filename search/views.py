from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import search_run
from .services import query_stat_record


@require_GET
def search(request):
    """``/search/?q=…[&kind=&stage=&topic=&page=][&format=json]``."""
    query = request.GET.get("q", "")
    filters = {name: request.GET.get(name, "") for name in ("kind", "stage", "topic")}
    outcome = search_run(
        query=query,
        user=request.user,
        filters=filters,
        page=request.GET.get("page", 1),
        request=request,
    )
    if outcome.page == 1 and not outcome.filters and outcome.words:
        query_stat_record(query=outcome.query, results=outcome.total, request=request)
    if request.GET.get("format") == "json":
        response = JsonResponse(outcome.as_json(), json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "search/search.html", {"outcome": outcome})
    # Results depend on who asks (teachers see more): never shared by HTTP caches. Anonymous
    # results are cached inside the application (search/cache.py).
    response["Cache-Control"] = "private, max-age=0"
    response["Vary"] = "Cookie"
    return response

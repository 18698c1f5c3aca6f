from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import cache as search_cache
from .selectors import search_arguments, search_run
from .services import query_stat_record


@require_GET
def search(request):
    """``/search/?q=…[&kind=&stage=&topic=&page=][&format=json]``.

    Anonymous visitors' pages are kept rendered (``search.cache.page_key``): a repeated
    search is one cache read plus the visitor count, not a template render.
    """
    as_json = request.GET.get("format") == "json"
    query, filters, page = search_arguments(
        query=request.GET.get("q", ""),
        filters={name: request.GET.get(name, "") for name in ("kind", "stage", "topic")},
        page=request.GET.get("page", 1),
    )
    key = search_cache.page_key(
        request=request, query=query, filters=filters, page=page, as_json=as_json
    )
    stored = search_cache.get(key)
    if stored is not None:
        content, content_type, stat = stored
        response = HttpResponse(content, content_type=content_type)
    else:
        outcome = search_run(
            query=query, user=request.user, filters=filters, page=page, request=request
        )
        stat = None
        if outcome.page == 1 and not outcome.filters and outcome.words:
            stat = (outcome.query, outcome.total)
        if as_json:
            response = JsonResponse(outcome.as_json(), json_dumps_params={"ensure_ascii": False})
        else:
            response = render(request, "search/search.html", {"outcome": outcome})
        # "大家都在搜" (shown when nothing was found) follows editors' approvals and daily
        # counts: such pages are rendered each time.
        if key and not outcome.popular and search_cache.page_storable(response):
            search_cache.put(key, (response.content, response["Content-Type"], stat))
    if stat is not None:
        query_stat_record(query=stat[0], results=stat[1], request=request)
    # Results depend on who asks (teachers see more): never shared by HTTP caches. Anonymous
    # results are cached inside the application (search/cache.py).
    response["Cache-Control"] = "private, max-age=0"
    response["Vary"] = "Cookie"
    return response

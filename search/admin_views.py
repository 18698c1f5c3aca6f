"""Back office: the search terms visitors typed — approve them for "大家都在搜", and see
the queries that found nothing (content gaps). For editors of search terms only (the
permission that also governs search promotions)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from schools.backoffice import forbidden_response

from .models import SearchQuery
from .services import search_query_review

PERMISSION = "wagtailsearchpromotions.change_query"
DAYS = 30
TABS = {
    "pending": "待审核",
    "approved": "已采用",
    "zero": "无结果的搜索",
    "blocked": "不可公开",
}


def may_review_queries(*, user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(PERMISSION))


def _rows(tab: str):
    since = timezone.localdate() - timedelta(days=DAYS)
    qs = SearchQuery.objects.all()
    if tab == "zero":
        qs = qs.filter(results=0)
    elif tab == "blocked":
        qs = qs.exclude(blocked_reason="")
    elif tab == "approved":
        qs = qs.filter(status=SearchQuery.APPROVED)
    else:
        qs = qs.filter(status=SearchQuery.PENDING, blocked_reason="", results__gt=0)
    return qs.annotate(visitors=Sum("days__visitors", filter=models_q_since(since))).order_by(
        "-visitors", "text"
    )


def models_q_since(since):
    return Q(days__date__gte=since)


@require_http_methods(["GET", "POST"])
def search_queries(request):
    if not may_review_queries(user=request.user):
        return forbidden_response(request, action="search.query.review", object_type="搜索词")
    if request.method == "POST":
        query = get_object_or_404(SearchQuery, pk=request.POST.get("query"))
        approve = request.POST.get("action") == "approve"
        try:
            search_query_review(query=query, user=request.user, approve=approve)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            verb = "已采用" if approve else "不采用"
            messages.success(request, f"“{query.text}”{verb}。")
        return redirect(f"{request.path}?tab={request.POST.get('tab', 'pending')}")
    tab = request.GET.get("tab", "pending")
    if tab not in TABS:
        tab = "pending"
    page = Paginator(_rows(tab), 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "search/admin/queries.html",
        {"tab": tab, "tabs": TABS, "page": page, "days": DAYS},
    )

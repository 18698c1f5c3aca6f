"""What a search offers beside its results: editors' promotions, "大家都在搜", topics and
guide pages when nothing was found, and the help box of a crisis query."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.html import escape
from wagtail.models import Page

from ..models import SearchFacetValue
from ..segment import normalise
from .outcome import Hit


def popular_queries(*, days: int = 30, limit: int = 8) -> list[str]:
    """ "大家都在搜": queries an editor approved that found results, counted once per
    visitor per day over the last ``days``, most searched first; each is checked again
    against the filter (``search.popular``) so nothing that fails it today is shown."""
    from django.db.models import Sum

    from ..models import SearchQuery
    from ..popular import query_blocked_reason

    since = timezone.localdate() - timedelta(days=days)
    rows = (
        SearchQuery.objects.filter(
            status=SearchQuery.APPROVED, results__gt=0, days__date__gte=since
        )
        .annotate(visitors=Sum("days__visitors"))
        .order_by("-visitors", "text")
        .values_list("text", flat=True)[: limit * 2]
    )
    return [text for text in rows if not query_blocked_reason(text, names=False)][:limit]


def suggested_topics(*, stage: str = "", limit: int = 8) -> list[str]:
    """Topics (tags) most used by public content, of the given stage when there is one:
    offered when a search finds nothing."""
    from django.db.models import Count

    rows = SearchFacetValue.objects.filter(facet=SearchFacetValue.TOPIC, entry__restricted=False)
    if stage:
        rows = rows.filter(
            entry__facet_values__facet=SearchFacetValue.STAGE, entry__facet_values__value=stage
        )
    rows = rows.values("value").annotate(n=Count("entry", distinct=True)).order_by("-n", "value")
    return [row["value"] for row in rows[:limit]]


def guide_links(*, request=None) -> list[dict]:
    """The guide and library index pages, offered when a search finds nothing."""
    from resources.models import ParentGuideIndexPage, ResourceIndexPage

    pages = Page.objects.live().public().type(ParentGuideIndexPage, ResourceIndexPage)
    links = []
    for page in pages.order_by("path")[:4]:
        url = page.get_url(request=request)
        if url:
            links.append({"title": page.title, "url": url})
    return links


def _promotions(query: str, request) -> list[Hit]:
    from wagtail.contrib.search_promotions.models import SearchPromotion
    from wagtail.search.utils import normalise_query_string

    key = normalise_query_string(" ".join(normalise(query).split()))
    hits = []
    promotions = (
        SearchPromotion.objects.filter(query__query_string=key)
        .select_related("page")
        .order_by("sort_order")
    )
    for promotion in promotions:
        if promotion.page_id:
            page = promotion.page
            if not page.live:
                continue
            url, title = page.get_url(request=request) or "", page.title
        else:
            url, title = promotion.external_link_url, promotion.external_link_text
        if not url:
            continue
        hits.append(
            Hit(
                title=escape(title),
                plain_title=title,
                url=url,
                kind="promoted",
                kind_label="推荐",
                snippet=escape(promotion.description or ""),
                promoted=True,
            )
        )
    return hits


def crisis_help(*, request=None) -> dict:
    """The help box shown above the results of a crisis query: hotlines from the site
    settings (设置 → 站点设置)."""
    from portal.models import PortalSettings

    site_settings = None
    if request is not None:
        try:
            site_settings = PortalSettings.for_request(request)
        except Exception:  # noqa: BLE001 - no site for this host: defaults below
            site_settings = None
    if site_settings is None:
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).first()
        site_settings = PortalSettings.for_site(site) if site else PortalSettings()
    lines = []

    def add(label, number, note=""):
        if number:
            lines.append({"label": label, "number": number, "note": note})

    add("心理援助热线", site_settings.counselling_hotline, site_settings.counselling_hours)
    add("全国心理援助热线", site_settings.national_hotline)
    add(site_settings.centre_name or "心理健康指导中心", site_settings.centre_phone)
    add("急救电话", site_settings.emergency_phone, "有生命危险时请立即拨打")
    add("报警电话", site_settings.police_phone)
    return {
        "title": "如果你或身边的人正处在危险中，请马上求助",
        "message": (
            "不要让他/她独处，移开可能造成伤害的物品，立即联系家人、老师或下面的电话。"
            "你不是一个人，求助是勇敢的。"
        ),
        "contacts": lines,
    }

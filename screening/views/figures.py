"""Figures and coverage, the bureau's de-identified export, the screening access log."""

from django.shortcuts import redirect, render
from django.urls import reverse

from oversight.snapshots import snapshot_times
from portal.exports.views import start_url
from portal.memo import in_memo_scope
from schools import access
from schools.audit import access_log_record
from schools.backoffice import capability_view
from schools.calendar import SchoolYear

from .. import selectors
from ..exports import FIGURES
from ..models import (
    WarningLevel,
)
from ..township_figures import figures_by_township
from .common import (
    _log,
)

# --- figures, de-identified export, access log ------------------------------------------------------


@capability_view("screening.figures.read", action="view", object_type="screening.figures")
@in_memo_scope
def figures(request):
    user = request.user
    start = SchoolYear.current().start
    _log(request, "view", "screening.figures")
    # The bureau's schools lie in many townships: one township's schools at a time.
    with snapshot_times() as kept:  # a province's coverage comes from its kept computation
        by_township = figures_by_township(
            user=user, school_year_start=start, township=request.GET.get("township")
        )
        context = {}
        if by_township is None:
            context = {
                "counts": selectors.warning_counts(user=user),
                "coverage": selectors.coverage(user=user, school_year_start=start),
            }
    context["computed_at"] = kept.oldest
    return render(
        request,
        "screening/admin/figures.html",
        {
            **context,
            "by_township": by_township,
            "levels": WarningLevel.choices,
            "school_year_start": start,
            "small_cell": selectors.SMALL_CELL,
            "is_bureau": access.bureau_covers(user=user, cap="screening.figures.export"),
        },
    )


@capability_view(FIGURES.capability, action="export", object_type="screening.figures")
def figures_export(request):
    """The old download link: the export is now a background job (``screening.exports``);
    this opens its start form."""
    return redirect(start_url(FIGURES.name, request.GET.urlencode()))


@capability_view("screening.accesslog.read", action="view", object_type="screening.accesslog")
def access_log(request):
    """Access-log lines of screening records: the bureau all, school leaders their school.

    Filtered by person, student (name or 学号), action and dates, 50 lines a page; the
    auditor exports them through the 学校管理 log viewer's export (one export, logged)."""
    from django.core.paginator import Paginator

    from schools.admin_views import AccessLogFilterSet
    from schools.models import AccessLog
    from schools.selectors import may_export_access_log

    user = request.user
    lines = access.scoped(AccessLog.objects.all(), user=user, cap="screening.accesslog.read")
    lines = lines.filter(object_type__startswith="screening.").select_related("user", "school")
    filters = AccessLogFilterSet(request.GET or None, queryset=lines, request=request)
    del filters.filters["area"]  # every line here is of screening records
    page = Paginator(filters.qs.order_by("-at", "-pk"), 50).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    export_url = None
    if may_export_access_log(user=user):
        export = query.copy()
        export["area"] = "screening"
        export["export"] = "xlsx"
        export_url = f"{reverse('schools_access_log:index')}?{export.urlencode()}"
    access_log_record(
        request=request,
        action="view",
        object_type="screening.accesslog",
        count=len(page.object_list),
    )
    return render(
        request,
        "screening/admin/access_log.html",
        {
            "lines": page.object_list,
            "page": page,
            "form": filters.form,
            "query": query.urlencode(),
            "export_url": export_url,
        },
    )

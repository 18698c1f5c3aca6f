"""Figures and coverage, the bureau's de-identified export, the screening access log."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from portal import spreadsheets
from portal.memo import in_memo_scope
from schools import access
from schools.audit import access_log_record
from schools.backoffice import capability_view
from schools.calendar import SchoolYear

from .. import selectors
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
    by_township = figures_by_township(
        user=user, school_year_start=start, township=request.GET.get("township")
    )
    context = {}
    if by_township is None:
        context = {
            "counts": selectors.warning_counts(user=user),
            "coverage": selectors.coverage(user=user, school_year_start=start),
        }
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


@capability_view("screening.figures.export", action="export", object_type="screening.figures")
def figures_export(request):
    """The bureau's screening figures as .xlsx: aggregates per school × 学段, suppressed as on
    the dashboard (``selectors.bureau_aggregate``); nothing row-level leaves the school."""
    from schools.vocab import Stage

    user = request.user
    start = SchoolYear.current().start
    keys, shown = selectors.bureau_aggregate(user=user, school_year_start=start)
    columns = [*selectors.RESULT_LEVELS, "total"]
    rows = [
        [school.code, school.name, Stage(stage).label]
        + [shown[((school, stage), c)] for c in columns]
        for school, stage in keys
    ]
    rows.append(["", "合计", ""] + [shown[("total", c)] for c in columns])
    notes = [
        ["统计期", f"{start:%Y-%m-%d} 起本学年"],
        ["口径", "本学年参加测评的学生人数，按其各次测评中最高的预警级别计一次。"],
        [
            "隐藏",
            f"不足 {selectors.SMALL_CELL} 人的数字显示为“<{selectors.SMALL_CELL}”；"
            "为防止由合计相减推算，另有若干数字以“*”隐藏。不含任何学生个人信息。",
        ],
    ]
    data = spreadsheets.xlsx_build(
        spreadsheets.Sheet(
            title="测评汇总",
            headers=["学校代码", "学校", "学段", "未达预警", *WarningLevel.labels, "测评人数"],
            rows=rows,
            freeze="A2",
            autofilter=True,
        ),
        spreadsheets.Sheet(title="说明", rows=notes),
    )
    _log(request, "export-aggregate", "screening.figures")
    return spreadsheets.xlsx_response(data, filename=f"筛查汇总-{timezone.localdate():%Y%m%d}.xlsx")


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

"""Back-office views for training: hours reports, export, attendance, approvals, the ledger.

Every view takes its scope from ``courses.training.selectors`` (built on
``schools.selectors``). Objects outside the scope are a logged 404; a user with no reach
at all gets a 403.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.exports.views import start_url
from schools.audit import access_log_record
from schools.backoffice import capability_view, not_found
from schools.calendar import SchoolYear
from schools.selectors import township_chosen, townships_of

from ..models import ExternalTraining
from . import exports, reports
from . import selectors as sel
from . import services as svc
from .townships import township_rows

STAFF_ROLE_CHOICES = exports.STAFF_ROLE_CHOICES
XLSX_HEADERS = exports.XLSX_HEADERS  # the school export's header row (tests read it here)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return sel.current_year()
    return year if 2000 <= year <= 2100 else sel.current_year()


def _denied(request, *, action, object_type, object_id):
    not_found(request, action=action, object_type=object_type, object_id=object_id)


def _view(cap):
    return capability_view(cap, object_type="courses.training", action="training-admin")


def _years() -> list[int]:
    """Calendar years for the “自然年度” choice (targets are per school year)."""
    this = timezone.localdate().year
    return list(range(this, this - 4, -1))


# --- school report ------------------------------------------------------------------------


def _export_redirect(kind, request, **extra):
    """A report's old “?export=xlsx” link: the export is a background job now
    (``courses.training.exports``); open its start form with the page's filters."""
    query = request.GET.copy()
    query.pop("export", None)
    for name, value in extra.items():
        query[name] = value
    return redirect(start_url(kind.name, query.urlencode()))


@_view(exports.SCHOOL_REPORT.capability)
def school_report(request):
    if request.GET.get("export") == "xlsx":
        return _export_redirect(exports.SCHOOL_REPORT, request)
    schools = reports.report_schools_for(user=request.user)
    school_id = request.GET.get("school", "")
    if not school_id:
        only = list(schools[:2])
        if len(only) == 1:
            school = only[0]
        elif not only:  # pragma: no cover - the capability reaches a school
            raise Http404
        else:
            return render(
                request,
                "courses/admin/school_picker.html",
                {
                    "townships": townships_of(schools.order_by("code")),
                    "year": _year(request),
                },
            )
    else:
        school = schools.filter(pk=school_id).first() if school_id.isdigit() else None
        if school is None:
            _denied(
                request,
                action="training-report",
                object_type="schools.school",
                object_id=school_id,
            )
    role = request.GET.get("role", "")
    if role not in dict(STAFF_ROLE_CHOICES):
        role = ""
    period, period_errors = reports.report_period_from(request.GET)
    report = reports.school_hours_report(
        school=school, period=period, role=role, below_only=request.GET.get("below") == "1"
    )
    access_log_record(
        request=request,
        action="training-report",
        object_type="schools.school",
        object_id=school.pk,
        school=school,
        allowed=True,
    )
    query = request.GET.copy()
    query["school"] = school.pk
    return render(
        request,
        "courses/admin/school_report.html",
        {
            **report,
            **_period_context(request, period, period_errors),
            "role_choices": STAFF_ROLE_CHOICES,
            "export_url": start_url(exports.SCHOOL_REPORT.name, query.urlencode()),
            "many_schools": schools.count() > 1,
        },
    )


def _period_context(request, period, errors) -> dict:
    today = timezone.localdate()
    this = SchoolYear.containing(today).first_year
    return {
        "period": period,
        "period_errors": errors,
        "period_kinds": reports.PERIOD_KINDS,
        "years": _years(),
        "school_years": [(y, SchoolYear(y).plain_label) for y in range(this, this - 4, -1)],
        "query_year": request.GET.get("year") or str(today.year),
        "query_school_year": request.GET.get("school_year") or str(this),
        "query_term": request.GET.get("term") or "",
        "query_start": request.GET.get("start") or "",
        "query_end": request.GET.get("end") or "",
        "period_query": urlencode(
            {k: request.GET[k] for k in PERIOD_PARAMS if request.GET.get(k)}
            or {"period": "school_year", "school_year": this}
        ),
    }


PERIOD_PARAMS = ("period", "year", "school_year", "term", "start", "end")


# --- bureau report ------------------------------------------------------------------------

CHART_BAR = 22
CHART_GAP = 8
CHART_LABEL = 190
CHART_WIDTH = 420


def bar_chart(rows, *, below_share: int, label=lambda row: row.school.name) -> dict:
    """Geometry for a horizontal bar chart of each school's (or township's) share meeting
    target (SVG)."""
    bars = []
    for i, row in enumerate(rows):
        y = i * (CHART_BAR + CHART_GAP) + 24
        width = round(CHART_WIDTH * row.share / 100)
        bars.append(
            {
                "label": label(row),
                "y": y,
                "text_y": y + CHART_BAR * 0.7,
                "width": width,
                "value_x": CHART_LABEL + width + 6,
                "share": row.share,
                "below": row.share < below_share,
            }
        )
    height = len(rows) * (CHART_BAR + CHART_GAP) + 40
    return {
        "bars": bars,
        "height": height,
        "width": CHART_LABEL + CHART_WIDTH + 60,
        "label_width": CHART_LABEL,
        "bar_height": CHART_BAR,
        "threshold_x": CHART_LABEL + round(CHART_WIDTH * below_share / 100),
        "axis_bottom": height - 12,
    }


@_view(exports.CITY_REPORT.capability)
def bureau_report(request):
    if request.GET.get("export") == "xlsx":
        return _export_redirect(exports.CITY_REPORT, request)
    period, period_errors = reports.report_period_from(request.GET)
    report = reports.bureau_hours_report(user=request.user, period=period)
    query = request.GET.copy()
    # The city's figures over every school; the table one township's schools at a time.
    townships = townships_of([r.school for r in report["rows"]])
    grouped = len(townships) > 1
    chosen = township_chosen(townships, request.GET.get("township")) if grouped else None
    summary = township_rows(report["rows"], townships) if grouped else []
    if chosen:
        shown = [r for r in report["rows"] if r.school.township == chosen.name]
    else:
        shown = [] if grouped else report["rows"]
    if shown:
        chart = bar_chart(shown, below_share=report["below_share"])
    else:
        chart = bar_chart(
            summary, below_share=report["below_share"], label=lambda r: r.township.label
        )
    return render(
        request,
        "courses/admin/bureau_report.html",
        {
            **report,
            **_period_context(request, period, period_errors),
            "export_url": start_url(exports.CITY_REPORT.name, query.urlencode()),
            "school_count": len(report["rows"]),
            "shown": shown,
            "townships": townships if grouped else [],
            "township": chosen,
            "township_unknown": bool(grouped and request.GET.get("township") and not chosen),
            "township_total": next((r for r in summary if r.township == chosen), None),
            "summary": summary if grouped and not chosen else [],
            "keep": [(k, request.GET[k]) for k in PERIOD_PARAMS if request.GET.get(k)],
            "chart": chart,
        },
    )


# --- attendance ---------------------------------------------------------------------------


@_view("courses.session.write")
def attendance_list(request):
    sessions = sel.sessions_for_attendance(user=request.user).filter(starts_at__lte=timezone.now())
    page = Paginator(sessions, 30).get_page(request.GET.get("p"))
    return render(request, "courses/admin/attendance_list.html", {"page": page})


@_view("courses.session.write")
def attendance_session(request, pk):
    session = sel.sessions_for_attendance(user=request.user).filter(pk=pk).first()
    if session is None:
        _denied(request, action="attendance", object_type="courses.trainingsession", object_id=pk)
    staff = sel.attendance_staff(user=request.user, session=session)
    errors = []
    if request.method == "POST":
        try:
            if request.FILES.get("sheet"):
                created = svc.attendance_import(
                    session=session, upload=request.FILES["sheet"], recorded_by=request.user
                )
            else:
                by_id = {str(m.user_id): m.user for m in staff}
                picked = request.POST.getlist("teacher")
                unknown = [p for p in picked if p not in by_id]
                if unknown:
                    raise ValidationError("所选教师不在您可登记的名单中。")
                if not picked:
                    raise ValidationError("请至少勾选一名出勤教师。")
                created = svc.attendance_record(
                    session=session,
                    teachers=[by_id[p] for p in picked],
                    recorded_by=request.user,
                )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request, f"已登记 {len(created)} 人出勤，每人认定 {session.module.hours} 学时。"
            )
            return redirect("training_admin:attendance_session", pk=session.pk)
    state = sel.session_attendance_state(session=session, teacher_ids=[m.user_id for m in staff])
    return render(
        request,
        "courses/admin/attendance_session.html",
        {
            "session": session,
            "staff": staff,
            "registered": state["registered"],
            "credited": state["credited"],
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# --- external training ------------------------------------------------------------------------


@_view("courses.external.review")
def external_list(request):
    status = request.GET.get("status", ExternalTraining.Status.PENDING)
    qs = sel.external_for_reviewer(user=request.user)
    if status in ExternalTraining.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("p"))
    return render(
        request,
        "courses/admin/external_list.html",
        {"page": page, "status": status, "statuses": ExternalTraining.Status.choices},
    )


@_view("courses.external.review")
@require_POST
def external_decide(request, pk):
    submission = sel.external_for_reviewer(user=request.user).filter(pk=pk).first()
    if submission is None:
        _denied(request, action="external", object_type="courses.externaltraining", object_id=pk)
    try:
        svc.external_decide(
            submission=submission,
            user=request.user,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已审核：{submission.teacher} · {submission.title}")
    return redirect(reverse("training_admin:external_list"))


# --- the ledger ----------------------------------------------------------------------------------


@_view("courses.ledger.read")
def ledger(request):
    qs = reports.ledger_for(user=request.user).order_by("-recorded_at", "-pk")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(teacher__real_name__contains=q) | qs.filter(teacher__username=q)
    page = Paginator(qs, 50).get_page(request.GET.get("p"))
    reversible = set(
        reports.ledger_reversible_by(user=request.user)
        .filter(pk__in=[e.pk for e in page])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "courses/admin/ledger.html",
        {"page": page, "q": q, "reversible": reversible},
    )


@_view("courses.ledger.reverse")
@require_POST
def ledger_reverse(request, pk):
    entry = reports.ledger_reversible_by(user=request.user).filter(pk=pk).first()
    if entry is None:
        _denied(request, action="reverse", object_type="courses.hoursentry", object_id=pk)
    try:
        svc.entry_reverse(entry=entry, user=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已冲销 {entry.teacher} 的 {entry.hours} 学时。")
    return redirect(reverse("training_admin:ledger"))

"""Warnings as worked: the list (severity, overdue, age; filters), one warning with its
history and the forms to work, close and sign it off, and return-to-school check-ins due."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from schools import access
from schools.backoffice import capability_view
from schools.vocab import Grade

from .. import selectors, services
from ..forms import WarningCloseForm, WarningUpdateForm
from ..models import Warning, WarningAction, WarningLevel
from ..selectors.warnings import (
    STATUS_FILTERS,
    WarningFilter,
    checkins_due,
    warning_owner_choices,
    warning_rows,
)
from .common import _deny, _log, _scoped_get

LIST_LIMIT = 500


@capability_view("screening.warning.read", action="list", object_type="screening.warning")
def warning_list(request):
    user = request.user
    filter_form = WarningFilter(request.GET or None)
    filters = {}
    if request.GET:
        if filter_form.is_valid():
            filters = filter_form.cleaned_data
        else:
            for errs in filter_form.errors.values():
                for message in errs:
                    messages.error(request, f"筛选条件无效，已忽略：{message}")
            filters = {
                k: v for k, v in filter_form.cleaned_data.items() if k not in filter_form.errors
            }
    warnings = warning_rows(user=user, filters=filters)
    rows = list(warnings[:LIST_LIMIT])
    ids = {w.student_id for w in rows}
    archive_ids = set(
        selectors.archive_students_for(user=user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    full_ids = set(
        selectors.warnings_read_in_full_by(user=user)
        .filter(pk__in=[w.pk for w in rows])
        .values_list("pk", flat=True)
    )
    _log(request, "list", "screening.warning")
    query = request.GET.copy()
    return render(
        request,
        "screening/admin/warning_list.html",
        {
            "warning_rows": rows,
            "full_ids": full_ids,
            "archive_ids": archive_ids,
            "truncated": len(rows) == LIST_LIMIT,
            "levels": WarningLevel.choices,
            "statuses": STATUS_FILTERS,
            "grades": Grade.choices,
            "filters": filters,
            "status": filters.get("status") or "active",
            "query": query,
            "may_raise": access.can(user=user, cap="screening.concern.raise"),
        },
    )


def _detail_forms(request, warning, *, may_update, may_sign_off):
    action = request.POST.get("action") if request.method == "POST" else None
    owners = warning_owner_choices(warning=warning) if may_update else []
    work = WarningUpdateForm(
        request.POST if action == "work" else None,
        owners=owners,
        initial={"status": warning.status, "due_at": warning.due_at},
        prefix="work",
    )
    close = WarningCloseForm(
        request.POST if action in ("close", "signoff") else None,
        initial={"outcome": warning.outcome},
        prefix="close",
    )
    return action, work, close


@capability_view("screening.warning.read", action="view", object_type="screening.warning")
@require_http_methods(["GET", "POST"])
def warning_detail(request, pk):
    user = request.user
    warning = _scoped_get(
        request,
        selectors.warnings_for(user=user),
        pk,
        action="view",
        object_type="screening.warning",
    )
    may_update = (
        warning.status != Warning.Status.CLOSED
        and selectors.warnings_managed_by(user=user).filter(pk=warning.pk).exists()
    )
    may_sign_off = (
        warning.status != Warning.Status.CLOSED
        and selectors.warnings_signed_off_by(user=user).filter(pk=warning.pk).exists()
    )
    action, work, close = _detail_forms(
        request, warning, may_update=may_update, may_sign_off=may_sign_off
    )
    if request.method == "POST":
        allowed = may_sign_off if action == "signoff" else may_update
        if action not in ("work", "close", "signoff") or not allowed:
            _deny(request, "update", "screening.warning", warning.pk, student=warning.student_id)
        form = work if action == "work" else close
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "work":
                    services.warning_update(
                        warning=warning,
                        status=data["status"],
                        owner=data["owner"],
                        due_at=data["due_at"],
                        note=data["note"],
                        user=user,
                    )
                    done = "预警已更新。"
                elif action == "signoff":
                    services.warning_sign_off(warning=warning, user=user, outcome=data["outcome"])
                    done = "已签字结案。"
                else:
                    closed = services.warning_close(
                        warning=warning, outcome=data["outcome"], user=user
                    )
                    done = (
                        "已结案。"
                        if closed.status == Warning.Status.CLOSED
                        else "已申请结案：危机预警须由校领导签字后结案，已等待校领导签字。"
                    )
            except services.ScreeningError as exc:
                for message in exc.errors:
                    messages.error(request, message)
            else:
                _log(
                    request,
                    f"update-{action}",
                    "screening.warning",
                    warning.pk,
                    warning.school,
                    student=warning.student_id,
                )
                messages.success(request, done)
                return redirect("screening:warning_detail", pk=warning.pk)
    _log(
        request,
        "view",
        "screening.warning",
        warning.pk,
        warning.school,
        student=warning.student_id,
    )
    in_full = selectors.warnings_read_in_full_by(user=user).filter(pk=warning.pk).exists()
    return render(
        request,
        "screening/admin/warning_detail.html",
        {
            "warning": warning,
            "in_full": in_full,
            "actions": list(
                WarningAction.objects.filter(warning=warning).select_related("by")
                if in_full
                else []
            ),
            "work_form": work if may_update else None,
            "close_form": close if (may_update or may_sign_off) else None,
            "may_sign_off": may_sign_off,
            "may_open_archive": selectors.archive_students_for(user=user)
            .filter(pk=warning.student_id)
            .exists(),
        },
    )


@capability_view("screening.warning.write", action="list", object_type="screening.checkin")
def checkins(request):
    """Return-to-school check-ins of the user's cases that fall due or are overdue."""
    rows = checkins_due(user=request.user)
    _log(request, "list", "screening.checkin")
    return render(request, "screening/admin/checkins.html", {"rows": rows})

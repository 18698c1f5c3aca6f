"""导出 in the back office: 我的导出, the start form, the progress page, its JSON status, the
download. Routed by ``ExportsArea`` (``portal/wagtail_hooks.py``) at ``/admin/exports/``.

Every route needs the back office; starting and downloading also need the kind's own
capability (asked here, again in the task, again at download). A job is found only among
the requesting user's own (``exports_of``): anyone else's id is a logged 404.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from portal import idempotency
from portal.downloads import private_file_response
from schools import access
from schools.audit import access_log_record
from schools.backoffice import capability_view, deny, not_found, scoped_get

from . import selectors, services
from .registry import FORMAT_LABELS, kind_get

#: The start form's one-time key (a double click starts one job).
SUBMIT_FORM = "portal.export"
JOB_TYPE = "portal.exportjob"
REFRESH_SECONDS = 2


def _view(func):
    return capability_view("portal.backoffice", object_type="portal.export")(func)


def _kind_or_deny(request, name):
    kind = kind_get(name)
    if kind is None:
        not_found(request, action="export", object_type="portal.export", object_id=name)
    if not access.can(user=request.user, cap=kind.capability):
        deny(request, action="export", object_type=kind.log_object_type or kind.capability)
    return kind


def _initial(query) -> dict:
    """Filters handed over in the query string (a report page's “导出” link) as the form's
    initial values."""
    initial = {}
    for name in query:
        values = query.getlist(name)
        initial[name] = values if len(values) > 1 or name == "schools" else values[0]
    return initial


@_view
def index(request):
    jobs = list(selectors.exports_of(user=request.user)[: selectors.RECENT])
    return render(
        request,
        "backoffice/exports/index.html",
        {
            "page_title": "我的导出",
            "jobs": jobs,
            "kinds": selectors.kinds_for(user=request.user),
            "keep_days": services.keep_days(),
        },
    )


@_view
def start(request, kind):
    export = _kind_or_deny(request, kind)
    if earlier := idempotency.submitted_before(request, form=SUBMIT_FORM):
        return idempotency.submitted_response(request, earlier)
    if request.method == "POST":
        form = export.form(request.POST, user=request.user, kind=export)
        if form.is_valid():

            def create():
                job = services.export_start(user=request.user, kind=export, form=form)
                return reverse("exports_admin:job", args=[job.pk]), ""

            done = idempotency.submit_form_once(request, form=form, name=SUBMIT_FORM, create=create)
            if done is not None:
                return done
    else:
        form = export.form(initial=_initial(request.GET), user=request.user, kind=export)
    return render(
        request,
        "backoffice/exports/start.html",
        {
            "page_title": f"导出：{export.label}",
            "kind": export,
            "form": form,
            "submit_form": SUBMIT_FORM,
            "format_labels": FORMAT_LABELS,
            "back_url": export.back_url() if export.back_url else "",
        },
        status=400 if form.errors else 200,
    )


def _job(request, pk, *, action):
    return scoped_get(
        request, selectors.exports_of(user=request.user), pk, action=action, object_type=JOB_TYPE
    )


@_view
def job(request, pk):
    job = _job(request, pk, action="export-job")
    kind = kind_get(job.kind)
    return render(
        request,
        "backoffice/exports/job.html",
        {
            "page_title": "导出进度",
            "job": job,
            "kind": kind,
            "format_label": FORMAT_LABELS.get(job.format, job.format),
            "refresh": REFRESH_SECONDS,
            "keep_days": services.keep_days(),
        },
    )


def job_status(job) -> dict:
    """What the progress page shows, as JSON for its polling script."""
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "running": job.running,
        "written": job.written,
        "total": job.total,
        "percent": job.percent,
        "ready": job.ready,
        "error": job.error,
        "download_url": reverse("exports_admin:download", args=[job.pk]) if job.ready else "",
    }


@_view
def status(request, pk):
    job = _job(request, pk, action="export-job")
    return JsonResponse(job_status(job))


@_view
def download(request, pk):
    """The finished file, to its owner only, while they still hold the kind's capability;
    logged like the exports it replaces."""
    job = _job(request, pk, action="export-download")
    kind = kind_get(job.kind)
    if kind is None or not access.can(user=request.user, cap=kind.capability):
        deny(
            request,
            action="export-download",
            object_type=(kind.log_object_type or kind.capability) if kind else JOB_TYPE,
            object_id=job.pk,
        )
    if not job.ready:
        return redirect("exports_admin:job", job.pk)
    response = private_file_response(job.file, filename=job.filename)
    access_log_record(
        request=request,
        action=kind.log_action,
        object_type=kind.log_object_type or kind.capability,
        object_id=job.pk,
        count=job.written,
    )
    return response


urlpatterns = [
    path("", index, name="index"),
    path("new/<slug:kind>/", start, name="start"),
    path("<int:pk>/", job, name="job"),
    path("<int:pk>/status.json", status, name="status"),
    path("<int:pk>/download/", download, name="download"),
]


def start_url(kind_name: str, query: str = "") -> str:
    """The start form of a kind, its filters filled from ``query`` (a report's own query)."""
    url = reverse("exports_admin:start", args=[kind_name])
    return f"{url}?{query}" if query else url

"""Back-office views: reports for schools, the status board, exports and the dashboard."""

from __future__ import annotations

import mimetypes
import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.downloads import download_name_set
from portal.memo import in_memo_scope
from portal.storage import UploadNotSaved
from schools.audit import access_log_record
from schools.backoffice import capability_view, not_found, scoped_get
from schools.calendar import Period
from schools.selectors import township_chosen, townships_of

from . import selectors
from .exports import campaign_export_xlsx
from .figures import figures_compute, figures_for
from .forms import ReturnForm, SubmissionForm
from .models import Answer, Campaign, Submission
from .panels import panels_all
from .services import (
    submission_figures,
    submission_return,
    submission_save_draft,
    submission_start,
    submission_submit,
)
from .snapshots import snapshot_times


def _campaign_or_404(request, pk) -> Campaign:
    campaigns = selectors.campaigns_for(user=request.user)
    return scoped_get(request, campaigns, pk, action="view", object_type="oversight.campaign")


def _submission_or_404(request, pk) -> Submission:
    submissions = selectors.submissions_for(user=request.user)
    return scoped_get(request, submissions, pk, action="view", object_type="oversight.submission")


# --- index --------------------------------------------------------------------------------------


@capability_view("oversight.report.edit", object_type="oversight")
def index(request):
    user = request.user
    campaigns = []
    if selectors.may_oversee(user=user):
        campaigns = list(selectors.campaigns_for(user=user))
    tasks = selectors.campaigns_to_answer(user=user)
    return render(
        request,
        "oversight/index.html",
        {
            "campaigns": campaigns,
            "tasks": tasks,
            "done": selectors.submissions_for(user=user)
            .filter(
                status=Submission.Status.SUBMITTED,
                school__in=selectors.report_schools_for(user=user),
            )
            .order_by("-submitted_at")[:20],
            "may_manage": selectors.may_manage_campaigns(user=user),
            "now": timezone.now(),
        },
    )


# --- a school's report ------------------------------------------------------------------------


@capability_view("oversight.report.edit", object_type="oversight")
def submission_edit(request, campaign_id, school_id):
    user = request.user
    campaign = _campaign_or_404(request, campaign_id)
    school = selectors.report_schools_for(user=user).filter(pk=school_id).first()
    if school is None:
        not_found(
            request,
            action="view",
            object_type="oversight.submission",
            object_id=f"{campaign_id}/{school_id}",
        )
    if not campaign.is_open():
        raise Http404
    try:
        submission = submission_start(campaign=campaign, school=school)
    except ValidationError:
        raise Http404 from None
    access_log_record(
        request=request,
        action="edit",
        object_type="oversight.submission",
        object_id=submission.pk,
        school=school,
    )
    if not submission.is_editable:
        return redirect("oversight:submission", submission.pk)
    rows = submission_figures(submission=submission)
    form = SubmissionForm(
        request.POST or None, request.FILES or None, submission=submission, figure_rows=rows
    )
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            submission_save_draft(
                submission=submission,
                user=user,
                answers=form.answers(),
                annotations=form.annotations(),
            )
            saved = True
        except UploadNotSaved as exc:
            form.add_error(None, str(exc))
    if saved:
        if "submit" in request.POST:
            try:
                submission_submit(submission=submission, user=user)
            except (ValidationError, PermissionDenied) as err:
                for message in getattr(err, "messages", None) or [str(err)]:
                    messages.error(request, message)
                messages.info(request, "草稿已保存。")
                return redirect(request.path)
            messages.success(request, f"“{campaign.title}”已提交市局。")
            return redirect("oversight:submission", submission.pk)
        messages.success(request, "草稿已保存。")
        return redirect(request.path)
    return render(
        request,
        "oversight/submission_form.html",
        {
            "campaign": campaign,
            "school": school,
            "submission": submission,
            "form": form,
            "may_submit": selectors.may_submit_for(user=user, school=school),
            "state_label": selectors.STATE_LABELS[
                selectors.submission_state(submission=submission, campaign=campaign)
            ],
        },
    )


@capability_view("oversight.report.edit", object_type="oversight")
def submission_detail(request, pk):
    user = request.user
    submission = _submission_or_404(request, pk)
    access_log_record(
        request=request,
        action="view",
        object_type="oversight.submission",
        object_id=submission.pk,
        school=submission.school,
    )
    answers = {a.question_id: a for a in submission.answers.all()}
    return render(
        request,
        "oversight/submission_detail.html",
        {
            "submission": submission,
            "campaign": submission.campaign,
            "figure_rows": submission_figures(submission=submission),
            "qa": [(q, answers.get(q.pk)) for q in submission.campaign.questions.all()],
            "may_return": selectors.may_manage_campaigns(user=user)
            and submission.status == Submission.Status.SUBMITTED,
            "return_form": ReturnForm(),
            "may_edit": submission.is_editable
            and selectors.report_schools_for(user=user).filter(pk=submission.school_id).exists(),
            "state_label": selectors.STATE_LABELS[
                selectors.submission_state(submission=submission, campaign=submission.campaign)
            ],
        },
    )


@capability_view("oversight.campaign.manage", object_type="oversight")
@require_POST
def submission_return_view(request, pk):
    user = request.user
    submission = _submission_or_404(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            submission_return(
                submission=submission, user=user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as err:
            for message in err.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"已退回{submission.school.name}的报告。")
            return redirect("oversight:board", submission.campaign_id)
    else:
        messages.error(request, "请填写退回意见。")
    return redirect("oversight:submission", submission.pk)


@capability_view("oversight.report.edit", object_type="oversight")
def answer_file(request, pk):
    """Send an answer's attachment, after the same scope check as its submission."""
    user = request.user
    try:
        answer = Answer.objects.select_related("submission").get(
            pk=pk, submission__in=selectors.submissions_for(user=user)
        )
    except Answer.DoesNotExist:
        not_found(request, action="view", object_type="oversight.answer", object_id=pk)
    if not answer.file:
        raise Http404
    access_log_record(
        request=request,
        action="download",
        object_type="oversight.answer",
        object_id=answer.pk,
        school=answer.submission.school,
    )
    name = answer.file_name or os.path.basename(answer.file.name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(answer.file.open("rb"), as_attachment=True)
    response["Content-Type"] = content_type
    download_name_set(response, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the bureau's board and export -------------------------------------------------------------


@capability_view("oversight.oversee", object_type="oversight")
def board(request, pk):
    user = request.user
    campaign = _campaign_or_404(request, pk)
    rows, counts = selectors.campaign_board(campaign=campaign)
    return render(
        request,
        "oversight/board.html",
        {
            "campaign": campaign,
            "rows": rows,
            "counts": [(selectors.STATE_LABELS[k], v) for k, v in counts.items()],
            "total": len(rows),
            "may_manage": selectors.may_manage_campaigns(user=user),
        },
    )


@capability_view("oversight.oversee", object_type="oversight")
def export(request, pk):
    campaign = _campaign_or_404(request, pk)
    access_log_record(
        request=request, action="export", object_type="oversight.campaign", object_id=campaign.pk
    )
    data = campaign_export_xlsx(campaign=campaign)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    download_name_set(response, filename=f"{campaign.title}-{timezone.localdate():%Y%m%d}.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response


# --- dashboard -----------------------------------------------------------------------------------


@in_memo_scope
def dashboard_context(*, user, period: Period | None = None, township: str | None = None) -> dict:
    """Every panel of the dashboard for the schools in the user's scope; figures several panels
    share (the coverage tallies) are computed once (``portal.memo``).

    The city figures are over every school in scope; the per-school tables list one
    township's schools (``township``, its key); with none chosen, the bureau (whose schools
    lie in several townships) sees one summary row per township instead."""
    period = period or Period.school_year()
    schools = list(selectors.dashboard_schools_for(user=user))
    townships = townships_of(schools)
    grouped = len(townships) > 1
    chosen = township_chosen(townships, township) if grouped else None
    listed = list(chosen.schools) if chosen else ([] if grouped else schools)
    groups = townships if grouped else None
    panels = panels_all()
    keys = {k for p in panels for k in p.figure_keys}
    built = []
    with snapshot_times() as kept:  # province figures read from their kept computation
        values = figures_compute(figures=figures_for(keys), schools=schools, period=period)
        for panel in panels:
            extra = panel.extra(user=user, schools=schools, period=period) if panel.extra else None
            content = panel.build(
                schools=schools,
                values=values,
                period=period,
                extra=extra,
                listed=listed,
                groups=groups,
            )
            built.append((panel, content))
    return {
        "computed_at": kept.oldest,
        "schools": schools,
        "listed": listed,
        "townships": townships if grouped else [],
        "township": chosen,
        "township_unknown": bool(grouped and township and chosen is None),
        "panels": built,
        "period": period,
    }


@capability_view("oversight.dashboard.read", object_type="oversight")
def dashboard(request):
    user = request.user
    context = dashboard_context(user=user, township=request.GET.get("township"))
    context["city_wide"] = selectors.may_oversee(user=user)
    return render(request, "oversight/dashboard.html", context)

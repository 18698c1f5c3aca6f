"""Writes for campaigns and submissions, and the reminders."""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from schools import access
from schools.calendar import Period
from schools.models import Membership

from .figures import Figure, figures_for
from .models import Answer, Campaign, FigureValue, Question, ReminderSent, Submission
from .selectors import campaign_targets, may_submit_for

logger = logging.getLogger(__name__)


# --- campaigns ----------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    title: str,
    period: Period,
    deadline: datetime.datetime,
    opens_at: datetime.datetime | None = None,
    questions: list[dict[str, Any]] = (),
    figure_keys: list[str] | None = None,
    schools=None,
    plan=None,
    intro: str = "",
) -> Campaign:
    """Open a campaign. ``questions`` are dicts of Question fields; ``schools`` None → all."""
    from .figures import figures_all

    campaign = Campaign(
        title=title,
        plan=plan,
        intro=intro,
        all_schools=schools is None,
        period_start=period.start,
        period_end=period.end,
        opens_at=opens_at or timezone.now(),
        deadline=deadline,
        figure_keys=[f.key for f in figures_all()] if figure_keys is None else list(figure_keys),
    )
    campaign.full_clean()
    campaign.save()
    if schools is not None:
        campaign.schools.set(schools)
    for order, fields in enumerate(questions):
        question = Question(campaign=campaign, sort_order=order, **fields)
        question.full_clean()
        question.save()
    return campaign


def campaign_period(*, campaign: Campaign) -> Period:
    return Period(campaign.period_start, campaign.period_end)


# --- submissions -----------------------------------------------------------------------------


def submission_start(*, campaign: Campaign, school) -> Submission:
    """The school's submission for the campaign, created as an empty draft on first use."""
    if not campaign_targets(campaign=campaign).filter(pk=school.pk).exists():
        raise ValidationError("这项报告任务不面向该学校。")
    submission, _ = Submission.objects.get_or_create(campaign=campaign, school=school)
    return submission


@dataclass
class FigureRow:
    figure: Figure
    value: Any
    display: str
    annotation: str
    snapshotted: bool


def submission_figures(*, submission: Submission) -> list[FigureRow]:
    """The campaign's figures for this school: the snapshot once submitted, else live."""
    campaign = submission.campaign
    stored = {fv.key: fv for fv in submission.figures.all()} if submission.pk else {}
    rows = []
    period = campaign_period(campaign=campaign)
    frozen = submission.status == Submission.Status.SUBMITTED
    for figure in figures_for(campaign.figure_keys):
        fv = stored.get(figure.key)
        if frozen and fv is not None:
            rows.append(FigureRow(figure, fv.value, fv.value_display, fv.annotation, True))
            continue
        value = figure.compute(school=submission.school, period=period)
        rows.append(
            FigureRow(figure, value, figure.format(value), fv.annotation if fv else "", False)
        )
    return rows


def _check_editable(submission: Submission) -> None:
    if not submission.is_editable:
        raise ValidationError("报告已提交，不能再修改；如需修改，请联系市局退回。")


def _store_answer(submission: Submission, question: Question, value) -> None:
    answer, _ = Answer.objects.get_or_create(submission=submission, question=question)
    kind = question.kind
    if kind == Question.Kind.FILE:
        # The old file is deleted only once the new state is committed: a failed upload
        # (UploadNotSaved) or a rolled-back save leaves the report as it was.
        old = answer.file.name if answer.file else ""
        if value is False:  # cleared
            answer.file = None
            answer.file_name = ""
        elif value:
            answer.file.save(value.name, value, save=False)
            answer.file_name = value.name[:200]
        if old and old != (answer.file.name if answer.file else ""):
            storage = answer.file.storage
            transaction.on_commit(lambda: storage.delete(old))
    elif kind == Question.Kind.NUMBER:
        answer.number = None if value in (None, "") else Decimal(value)
    elif kind == Question.Kind.YES_NO:
        answer.boolean = value
    else:
        answer.text = (value or "").strip()
    answer.save()


@transaction.atomic
def submission_save_draft(
    *,
    submission: Submission,
    user,
    answers: dict[int, Any],
    annotations: dict[str, str],
) -> Submission:
    """Save answers (by question id) and figure annotations (by figure key) of a draft."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _check_editable(submission)
    questions = {q.pk: q for q in submission.campaign.questions.all()}
    for qid, value in answers.items():
        if qid in questions:
            _store_answer(submission, questions[qid], value)
    figures = {f.key: f for f in figures_for(submission.campaign.figure_keys)}
    for key, note in annotations.items():
        if key not in figures:
            continue
        figure = figures[key]
        FigureValue.objects.update_or_create(
            submission=submission,
            key=key,
            defaults={
                "annotation": (note or "").strip(),
                "label": figure.label,
                "source_label": figure.source_label,
            },
        )
    submission.save(update_fields=["updated_at"])
    return submission


def submission_missing(*, submission: Submission) -> list[str]:
    """Labels of required questions not answered yet."""
    answered = {a.question_id: a for a in submission.answers.select_related("question")}
    missing = []
    for q in submission.campaign.questions.all():
        answer = answered.get(q.pk)
        if q.required and (answer is None or answer.value() in (None, "")):
            missing.append(q.label)
    return missing


@transaction.atomic
def submission_submit(*, submission: Submission, user, now=None) -> Submission:
    """Send the report to the bureau: required answers checked, figures snapshotted."""
    now = now or timezone.now()
    submission = (
        Submission.objects.select_for_update()
        .select_related("campaign", "school")
        .get(pk=submission.pk)
    )
    _check_editable(submission)
    if not may_submit_for(user=user, school=submission.school):
        raise PermissionDenied("只有学校管理员或学校领导可以提交报告。")
    if not submission.campaign.is_open(now):
        raise ValidationError("这项报告任务尚未开始填报。")
    missing = submission_missing(submission=submission)
    if missing:
        raise ValidationError([f"必答题“{label}”尚未填写。" for label in missing])
    for row in submission_figures(submission=submission):
        FigureValue.objects.update_or_create(
            submission=submission,
            key=row.figure.key,
            defaults={
                "label": row.figure.label,
                "source_label": row.figure.source_label,
                "value": row.value,
                "value_display": row.display[:200],
            },
        )
    submission.status = Submission.Status.SUBMITTED
    submission.submitted_at = now
    submission.submitted_by = user
    submission.submit_count += 1
    submission.save()
    return submission


@transaction.atomic
def submission_return(*, submission: Submission, user, comment: str, now=None) -> Submission:
    """The bureau sends a submitted report back to the school with a comment."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError("只有已提交的报告可以退回。")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "请填写退回意见，说明需要学校修改什么。"})
    submission.status = Submission.Status.RETURNED
    submission.returned_at = now or timezone.now()
    submission.returned_by = user
    submission.return_comment = comment
    submission.save()
    return submission


# --- reminders -------------------------------------------------------------------------------

# How long after the deadline the overdue reminder may still go out.
OVERDUE_WINDOW = datetime.timedelta(days=14)


def _due_kind(campaign: Campaign, now) -> str | None:
    if now >= campaign.deadline:
        if campaign.remind_overdue and now < campaign.deadline + OVERDUE_WINDOW:
            return ReminderSent.Kind.OVERDUE
        return None
    days = campaign.remind_days_before
    if days and now >= campaign.deadline - datetime.timedelta(days=days):
        return ReminderSent.Kind.BEFORE
    return None


def _reminder_text(campaign: Campaign, school, kind: str) -> tuple[str, str]:
    deadline = timezone.localtime(campaign.deadline)
    if kind == ReminderSent.Kind.BEFORE:
        subject = f"【提醒】请于 {deadline:%m月%d日 %H:%M} 前提交“{campaign.title}”"
        body = (
            f"{school.name}：\n\n“{campaign.title}”的截止时间为 {deadline:%Y年%m月%d日 %H:%M}，"
            "贵校尚未提交。请登录心育平台后台，在“实施情况报告”中填写并提交。\n"
        )
    else:
        subject = f"【逾期】“{campaign.title}”已过截止时间"
        body = (
            f"{school.name}：\n\n“{campaign.title}”已于 {deadline:%Y年%m月%d日 %H:%M} 截止，"
            "贵校尚未提交。请尽快登录心育平台后台补交。\n"
        )
    return subject, body


def reminders_send(*, now=None) -> list[ReminderSent]:
    """Send the reminders that are due, at most once per campaign, school and kind.

    Safe to run as often as wanted (cron, task worker, by hand): a reminder is recorded
    under a unique constraint in the same transaction as its mail goes out.
    """
    from .selectors import submission_state

    now = now or timezone.now()
    window_start = now - OVERDUE_WINDOW
    sent: list[ReminderSent] = []
    campaigns = Campaign.objects.filter(opens_at__lte=now, deadline__gte=window_start)
    for campaign in campaigns:
        kind = _due_kind(campaign, now)
        if kind is None:
            continue
        done = set(
            ReminderSent.objects.filter(campaign=campaign, kind=kind).values_list(
                "school_id", flat=True
            )
        )
        submissions = {s.school_id: s for s in campaign.submissions.all()}
        schools = [s for s in campaign_targets(campaign=campaign) if s.pk not in done]
        recipients: dict[int, list[str]] = {}
        for m in (
            Membership.objects.active(timezone.localdate(now))
            .filter(school__in=schools, role__in=access.roles_holding("oversight.reminder.receive"))
            .exclude(user__email="")
            .select_related("user")
        ):
            if m.user.email not in recipients.setdefault(m.school_id, []):
                recipients[m.school_id].append(m.user.email)
        for school in schools:
            state = submission_state(
                submission=submissions.get(school.pk), campaign=campaign, now=now
            )
            if state in ("submitted", "submitted_late"):
                continue
            subject, body = _reminder_text(campaign, school, kind)
            to = recipients.get(school.pk, [])
            try:
                with transaction.atomic():
                    reminder = ReminderSent.objects.create(
                        campaign=campaign,
                        school=school,
                        kind=kind,
                        sent_at=now,
                        recipients=", ".join(to),
                        message=subject,
                    )
                    if to:
                        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
            except IntegrityError:
                continue  # another run sent it first
            except (OSError, smtplib.SMTPException):
                # Nothing recorded: the next run tries again.
                logger.warning(
                    "reminder mail failed: campaign %s school %s", campaign.pk, school.pk
                )
                continue
            sent.append(reminder)
    return sent

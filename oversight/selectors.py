"""Reads for campaigns, submissions, the status board and the dashboard.

Scoping builds on ``schools.selectors``: the bureau sees every school; a school sees only
its own submissions.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from schools import access
from schools.models import School

from .models import Campaign, ReminderSent, Submission


def may_manage_campaigns(*, user) -> bool:
    return access.can(user=user, cap="oversight.campaign.manage")


def may_oversee(*, user) -> bool:
    """Bureau admins and auditors: status boards, every submission, exports."""
    return access.can(user=user, cap="oversight.oversee")


def report_schools_for(*, user) -> QuerySet[School]:
    """Schools whose reports the user may fill in."""
    return School.objects.filter(
        pk__in=access.school_ids_for(user=user, cap="oversight.report.edit")
    )


def may_submit_for(*, user, school) -> bool:
    return access.can(user=user, cap="oversight.report.submit", obj=school)


def may_use_reports(*, user) -> bool:
    return access.can(user=user, cap="oversight.report.edit")


def campaign_targets(*, campaign: Campaign) -> QuerySet[School]:
    """The schools a campaign asks to report."""
    if campaign.all_schools:
        return School.objects.all()
    return School.objects.filter(pk__in=campaign.schools.values("pk"))


def campaigns_for(*, user) -> QuerySet[Campaign]:
    """Campaigns the user may see: all for the bureau; opened ones aimed at own schools."""
    if may_oversee(user=user):
        return Campaign.objects.all()
    ids = access.school_ids_for(user=user, cap="oversight.report.edit")
    if not ids:
        return Campaign.objects.none()
    return (
        Campaign.objects.filter(opens_at__lte=timezone.now())
        .filter(Q(all_schools=True) | Q(schools__in=ids))
        .distinct()
    )


def submissions_for(*, user) -> QuerySet[Submission]:
    """Submissions the user may read: every one for the bureau, own school's otherwise."""
    qs = Submission.objects.select_related("campaign", "school", "submitted_by", "returned_by")
    if may_oversee(user=user):
        return qs
    return qs.filter(school__in=report_schools_for(user=user))


@dataclass
class SchoolTask:
    campaign: Campaign
    school: School
    submission: Submission | None
    reminders: list[ReminderSent]

    @property
    def state(self) -> str:
        return submission_state(submission=self.submission, campaign=self.campaign)


def campaigns_to_answer(*, user, now=None) -> list[SchoolTask]:
    """(campaign, school) pairs the user's schools still have to send: for the home panel."""
    now = now or timezone.now()
    schools = list(report_schools_for(user=user))
    if not schools:
        return []
    ids = [s.pk for s in schools]
    campaigns = list(
        Campaign.objects.filter(opens_at__lte=now, deadline__gte=now - datetime.timedelta(days=60))
        .filter(Q(all_schools=True) | Q(schools__in=ids))
        .distinct()
        .prefetch_related(
            Prefetch("schools", queryset=School.objects.filter(pk__in=ids), to_attr="own_targets"),
            Prefetch(
                "submissions",
                queryset=Submission.objects.filter(school_id__in=ids),
                to_attr="own_submissions",
            ),
            Prefetch(
                "reminders",
                queryset=ReminderSent.objects.filter(school_id__in=ids),
                to_attr="own_reminders",
            ),
        )
        .order_by("deadline")
    )
    tasks = []
    for campaign in campaigns:
        targets = schools if campaign.all_schools else campaign.own_targets
        by_school = {s.school_id: s for s in campaign.own_submissions}
        for school in targets:
            submission = by_school.get(school.pk)
            if submission is None or submission.status != Submission.Status.SUBMITTED:
                sent = [r for r in campaign.own_reminders if r.school_id == school.pk]
                tasks.append(SchoolTask(campaign, school, submission, sent))
    return tasks


# --- status board ----------------------------------------------------------------------------

STATE_LABELS = {
    "submitted": "已提交",
    "submitted_late": "逾期提交",
    "returned": "已退回",
    "drafting": "填写中",
    "not_started": "未开始",
    "late": "已逾期",
}


def submission_state(*, submission: Submission | None, campaign: Campaign, now=None) -> str:
    now = now or timezone.now()
    if submission is not None and submission.status == Submission.Status.SUBMITTED:
        return "submitted_late" if submission.submitted_at > campaign.deadline else "submitted"
    if campaign.is_past_deadline(now):
        return "late"
    if submission is None:
        return "not_started"
    if submission.status == Submission.Status.RETURNED:
        return "returned"
    return "drafting"


@dataclass
class BoardRow:
    school: School
    submission: Submission | None
    state: str
    reminders: list[ReminderSent]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def campaign_board(*, campaign: Campaign, now=None) -> tuple[list[BoardRow], dict[str, int]]:
    """One row per target school with its state, and a count per state. Three queries."""
    now = now or timezone.now()
    schools = list(campaign_targets(campaign=campaign))
    submissions = {
        s.school_id: s
        for s in Submission.objects.filter(campaign=campaign).select_related("submitted_by")
    }
    reminders: dict[int, list[ReminderSent]] = {}
    for r in ReminderSent.objects.filter(campaign=campaign):
        reminders.setdefault(r.school_id, []).append(r)
    rows = []
    counts = dict.fromkeys(STATE_LABELS, 0)
    for school in schools:
        sub = submissions.get(school.pk)
        state = submission_state(submission=sub, campaign=campaign, now=now)
        counts[state] += 1
        rows.append(BoardRow(school, sub, state, reminders.get(school.pk, [])))
    return rows, counts


# --- dashboard ----------------------------------------------------------------------------------


def may_see_dashboard(*, user) -> bool:
    return access.can(user=user, cap="oversight.dashboard.read")


def dashboard_schools_for(*, user) -> QuerySet[School]:
    """All schools for the bureau; a school leader's or admin's own school(s) otherwise."""
    return access.schools_for(user=user, cap="oversight.dashboard.read")

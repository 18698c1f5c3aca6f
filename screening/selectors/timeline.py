"""One chronology per student: every record of the archive as typed, dated events.

``student_timeline`` gathers screening results, warnings and concerns (raised, closed),
attention categories, talks / home visits / group counselling / interventions, support-plan
versions, referrals, return to school and its check-ins, and the incidents that name the
student, newest first, in a fixed number of queries whatever the number of events.

The caller has already decided that ``user`` may open the student's archive
(``archive_students_for``): the timeline is part of that page and of nothing else (the
incident list never shows archive records; the archive shows incidents).

Extension point for warnings: ``warning_events`` turns one warning into its events. It yields
the raise and the close today; the actions taken on a warning are to be added there (prefetch
them in ``_warnings``), so the page and its tests need no other change.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from schools.models import Student

from ..models import (
    Archive,
    ArchiveEntry,
    Attachment,
    AttentionCategory,
    Referral,
    ScreeningResult,
    SupportPlanVersion,
    Warning,
    WarningAction,
)
from .scope import results_for, warnings_for


@dataclass(frozen=True)
class TimelineEvent:
    """One dated thing in a student's chronology.

    ``kind`` is the machine name (``result``, ``warning-raised``, ``entry-home_visit``, …),
    ``label`` the Chinese name shown beside the ``icon``; ``at`` orders events of one day.
    ``url`` is set only when the viewer may open the target; ``flag`` marks something late.
    """

    kind: str
    label: str
    icon: str
    on: datetime.date
    summary: str
    who: str = ""
    at: datetime.datetime | None = None
    url: str = ""
    flag: str = ""
    attachments: tuple = field(default=())
    owner: str = ""  # what a file may be attached to: "entry:12", "referral:3", "return:4"

    @property
    def sort_key(self):
        at = timezone.localtime(self.at).time() if self.at else datetime.time.min
        return (self.on, at)


def _who(user) -> str:
    if user is None:
        return ""
    return getattr(user, "real_name", "") or user.get_username()


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


# --- the sources ---------------------------------------------------------------------------


def result_events(*, results: Iterable[ScreeningResult]) -> Iterator[TimelineEvent]:
    for r in results:
        level = f"，{r.get_level_display()}" if r.level else ""
        critical = "，关键题阳性" if r.critical else ""
        if not r.critical_checked:
            critical = "，关键题未核查"
        superseded = r.superseded_at is not None
        if superseded:
            critical += "；已被更正，不再计入"
        yield TimelineEvent(
            kind="result-superseded" if superseded else "result",
            label="测评结果（已更正）" if superseded else "测评结果",
            icon="clipboard-list",
            on=r.taken_on,
            at=r.entered_at,
            who=_who(r.entered_by),
            summary=f"{r.instrument.code} {r.total.normalize():f} 分（{r.band}{level}{critical}）"
            f"· {r.round.name}",
        )


def _warnings(*, user, student) -> list[Warning]:
    """The warnings the viewer may read, with what ``warning_events`` needs."""
    return list(
        warnings_for(user=user)
        .filter(student=student)
        .select_related(None)
        .select_related("raised_by", "owner")
        .prefetch_related(Prefetch("actions", queryset=WarningAction.objects.select_related("by")))
    )


def warning_events(*, warning: Warning, url: str = "") -> Iterator[TimelineEvent]:
    """A warning's events: raised (a teacher's concern or a screening result), each action
    recorded against it (notes, changes, merged signals, referral, sign-off), closed."""
    concern = warning.source == Warning.Source.CONCERN
    summary = f"{warning.get_level_display()} · {warning.get_source_display()}"
    if concern and warning.concern:
        summary = f"{summary}：{warning.concern}"
    yield TimelineEvent(
        kind="concern-raised" if concern else "warning-raised",
        label="提出关注" if concern else "开启预警",
        icon="warning",
        on=_day(warning.raised_at),
        at=warning.raised_at,
        who=_who(warning.raised_by),
        summary=summary,
        url=url,
    )
    for action in warning.actions.all():
        text = action.text
        if action.old_value or action.new_value:
            change = f"{action.old_value or '—'} → {action.new_value or '—'}"
            text = f"{change}；{text}" if text else change
        yield TimelineEvent(
            kind=f"warning-{action.kind}",
            label=f"预警·{action.get_kind_display()}",
            icon="edit" if action.kind == WarningAction.Kind.NOTE else "history",
            on=_day(action.at),
            at=action.at,
            who=_who(action.by),
            summary=text,
            url=url,
        )
    if warning.closed_at:
        yield TimelineEvent(
            kind="warning-closed",
            label="预警结案",
            icon="circle-check",
            on=_day(warning.closed_at),
            at=warning.closed_at,
            who=_who(warning.owner),
            summary=f"{warning.get_level_display()}预警已结案",
            url=url,
        )


ENTRY_ICONS = {
    ArchiveEntry.Kind.TALK: "comment",
    ArchiveEntry.Kind.HOME_VISIT: "home",
    ArchiveEntry.Kind.GROUP: "group",
    ArchiveEntry.Kind.INTERVENTION: "tasks",
}


def entry_events(*, entries: Iterable[ArchiveEntry]) -> Iterator[TimelineEvent]:
    for e in entries:
        yield TimelineEvent(
            kind=f"entry-{e.kind}",
            label=e.get_kind_display(),
            icon=ENTRY_ICONS.get(e.kind, "doc-full"),
            on=e.on,
            who=_who(e.by),
            summary=e.summary,
            attachments=tuple(e.attachments.all()),
            owner=f"entry:{e.pk}",
        )


def category_events(*, categories: Iterable[AttentionCategory]) -> Iterator[TimelineEvent]:
    for c in categories:
        note = f"（{c.note}）" if c.note else ""
        yield TimelineEvent(
            kind="attention",
            label="关注类别",
            icon="tag",
            on=c.since,
            summary=f"列入“{c.get_category_display()}”{note}",
        )
        if c.until:
            yield TimelineEvent(
                kind="attention-ended",
                label="关注类别",
                icon="tag",
                on=c.until,
                summary=f"“{c.get_category_display()}”关注结束",
            )


def plan_events(*, versions: Iterable[SupportPlanVersion]) -> Iterator[TimelineEvent]:
    for v in versions:
        yield TimelineEvent(
            kind="plan",
            label=f"一生一策第 {v.number} 版",
            icon="edit",
            on=_day(v.changed_at),
            at=v.changed_at,
            who=_who(v.changed_by),
            summary=f"{v.change_summary}；复评日期 {v.review_on:%Y-%m-%d}",
        )


def referral_events(*, referrals: Iterable[Referral], today) -> Iterator[TimelineEvent]:
    for r in referrals:
        agreed = "家长已同意" if r.parents_agreed else "家长尚未同意"
        yield TimelineEvent(
            kind="referral",
            label="转介",
            icon="arrow-right",
            on=r.referred_on,
            who=_who(r.created_by),
            summary=f"转介至{r.institution}（{agreed}）：{r.reason}",
            attachments=tuple(r.attachments.all()),
            owner=f"referral:{r.pk}",
        )
        plan = getattr(r, "return_plan", None)
        if plan is None:
            continue
        yield TimelineEvent(
            kind="return",
            label="复学",
            icon="calendar-check",
            on=plan.returned_on,
            summary=plan.plan,
            attachments=tuple(plan.attachments.all()),
            owner=f"return:{plan.pk}",
        )
        for label, due, done, state in plan.checkins(today=today):
            if done:
                yield TimelineEvent(
                    kind="checkin",
                    label=f"复学回访（{label}）",
                    icon="calendar-check",
                    on=done,
                    summary=f"应在 {due:%Y-%m-%d} 前回访，已完成",
                )
            elif state == "已逾期":
                yield TimelineEvent(
                    kind="checkin-overdue",
                    label=f"复学回访（{label}）",
                    icon="time",
                    on=due,
                    summary="尚未回访",
                    flag="已逾期",
                )


def incident_events(*, user, student) -> Iterator[TimelineEvent]:
    """Incidents that name the student (duty's records); linked where the viewer may read
    the incident itself."""
    from duty.selectors import incidents_involving, incidents_visible_to

    incidents = list(incidents_involving(student=student))
    readable = set(
        incidents_visible_to(user=user)
        .filter(pk__in=[i.pk for i in incidents])
        .values_list("pk", flat=True)
    )
    for i in incidents:
        yield TimelineEvent(
            kind="incident",
            label="事件",
            icon="warning",
            on=_day(i.occurred_at),
            at=i.occurred_at,
            who=_who(i.reporter),
            summary=f"{i.get_category_display()} · {i.place}（{i.get_status_display()}）",
            url=reverse("duty_admin:incident_detail", args=[i.pk]) if i.pk in readable else "",
        )


# --- the chronology ------------------------------------------------------------------------


def student_timeline(
    *, user, student: Student, archive: Archive | None = None, results=None, today=None
) -> list[TimelineEvent]:
    """Every event of the student's archive the viewer may see, newest first.

    ``results`` (the viewer's results of the student, with instrument and round) and
    ``archive`` may be handed in by a caller that already holds them."""
    today = today or timezone.localdate()
    if results is None:
        results = results_for(user=user).filter(student=student).select_related("entered_by")
    events: list[TimelineEvent] = list(result_events(results=results))
    for warning in _warnings(user=user, student=student):
        url = reverse("screening:warning_detail", args=[warning.pk])
        events.extend(warning_events(warning=warning, url=url))
    if archive is None:
        archive = Archive.objects.filter(student=student).select_related("opened_by").first()
    attachments = Attachment.objects.select_related(None).order_by("pk")
    if archive is not None:
        events.append(
            TimelineEvent(
                kind="archive-opened",
                label="建档",
                icon="folder-open-1",
                on=archive.opened_on,
                who=_who(archive.opened_by),
                summary="建立心理成长档案",
            )
        )
        entries = ArchiveEntry.objects.filter(archive=archive).select_related("by")
        events.extend(
            entry_events(entries=entries.prefetch_related(Prefetch("attachments", attachments)))
        )
        events.extend(category_events(categories=AttentionCategory.objects.filter(archive=archive)))
        versions = SupportPlanVersion.objects.filter(plan__archive=archive).select_related(
            "changed_by"
        )
        events.extend(plan_events(versions=versions))
    referrals = (
        Referral.objects.filter(student=student)
        .select_related("return_plan", "created_by")
        .prefetch_related(
            Prefetch("attachments", attachments),
            Prefetch("return_plan__attachments", attachments),
        )
    )
    events.extend(referral_events(referrals=referrals, today=today))
    events.extend(incident_events(user=user, student=student))
    events.sort(key=lambda e: e.sort_key, reverse=True)
    return events

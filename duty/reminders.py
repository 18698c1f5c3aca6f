"""Reminders of incident clocks about to fall due or overdue, and duty notices: each
(incident, clock, stage, person) is notified once, ever."""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DutyNotice, IncidentReport, IncidentStatus, ReminderSent, ReminderStage
from .selectors import (
    CLOCKS,
    DUE_SOON_LEAD,
    bureau_admins,
    duty_leaders_on,
    incident_clocks,
    incidents_with_clocks,
)

log = logging.getLogger(__name__)


# --- reminders -----------------------------------------------------------------------------


def _reminder_message(*, incident, clock, stage) -> tuple[str, str]:
    local = timezone.localtime(clock.due_at)
    what = f"{incident.school.name}“{incident.get_category_display()}”事件（发现于 {timezone.localtime(incident.discovered_at):%m-%d %H:%M}）"
    if stage == ReminderStage.OVERDUE:
        subject = f"【逾期】{incident.school.name} 事件{clock.label}已逾期"
        body = (
            f"{what}的{clock.label}应于 {local:%m-%d %H:%M} 前完成，目前{clock.text}，请立即处理。"
        )
    else:
        subject = f"【提醒】{incident.school.name} 事件{clock.label}即将到期"
        body = f"{what}的{clock.label}应于 {local:%m-%d %H:%M} 前完成（{clock.text}）。"
    return subject, body


def reminders_send(*, now=None) -> int:
    """Notify the school's leader on duty today and the bureau admins of clocks about to fall
    due or overdue. Each (incident, clock, stage, person) is notified once, ever: the
    ``ReminderSent`` row is written before the mail, under a unique constraint."""
    now = now or timezone.now()
    horizon = max(CLOCKS.values())
    candidates = list(
        incidents_with_clocks(
            IncidentReport.objects.filter(status=IncidentStatus.OPEN).select_related("school")
        ).filter(discovered_at__gte=now - horizon - datetime.timedelta(days=7))
    )
    if not candidates:
        return 0
    leaders = duty_leaders_on(
        day=timezone.localdate(now), school_ids={i.school_id for i in candidates}
    )
    admins = bureau_admins()
    sent = 0
    admin_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    for incident in candidates:
        for clock in incident_clocks(incident=incident, now=now):
            if clock.done_at is not None:
                continue
            if now > clock.due_at:
                stage = ReminderStage.OVERDUE
            elif now >= clock.due_at - DUE_SOON_LEAD[clock.kind]:
                stage = ReminderStage.DUE_SOON
            else:
                continue
            recipients = list(admins)
            leader = leaders.get(incident.school_id)
            if leader and leader.person not in recipients:
                recipients.append(leader.person)
            subject, body = _reminder_message(incident=incident, clock=clock, stage=stage)
            link = f"{admin_url}/admin/duty/incidents/{incident.pk}/"
            for person in recipients:
                try:
                    with transaction.atomic():
                        ReminderSent.objects.create(
                            incident=incident,
                            clock=clock.kind,
                            stage=stage,
                            recipient=person,
                            sent_at=now,
                        )
                        DutyNotice.objects.create(
                            recipient=person,
                            incident=incident,
                            message=f"{subject}：{body}"[:300],
                            created_at=now,
                        )
                except IntegrityError:
                    continue  # already sent by an earlier (or a concurrent) run
                if person.email:
                    try:
                        send_mail(subject, f"{body}\n\n查看：{link}", None, [person.email])
                    except OSError:
                        log.warning("duty reminder mail failed for incident %s", incident.pk)
                sent += 1
    return sent


def notice_mark_read(*, user, notice_id: int) -> None:
    DutyNotice.objects.filter(recipient=user, pk=notice_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )

"""Warnings that are worked: one open warning per student fed by every signal, an owner and
a due time on each, every action in its history, the crisis notice in-app, and closing a
危机 only with an outcome and a school leader's sign-off."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from schools import access
from schools.access import Reach
from schools.models import Membership, Student

from ..models import LEVEL_RANK, ScreeningResult, Warning, WarningAction, WarningLevel
from .common import ScreeningError

# --- the due-time rule -------------------------------------------------------------------------

DUE_AFTER = {
    WarningLevel.CRISIS: datetime.timedelta(hours=24),
    WarningLevel.KEY: datetime.timedelta(days=3),
    WarningLevel.GENERAL: datetime.timedelta(days=7),
}


def warning_due_at(*, level: str, raised_at: datetime.datetime) -> datetime.datetime:
    """When a warning of ``level`` raised at ``raised_at`` must have been acted on: 危机 within
    24 hours, 重点关注 three days, 一般关注 seven days. The one rule."""
    return raised_at + DUE_AFTER[level]


def _who(user) -> str:
    return (getattr(user, "real_name", "") or getattr(user, "username", "")) if user else ""


def _action(warning, kind, *, user=None, text="", old="", new="", at=None, **extra):
    return WarningAction.objects.create(
        warning=warning,
        kind=kind,
        by=user,
        text=text,
        old_value=str(old)[:50],
        new_value=str(new)[:50],
        at=at or timezone.now(),
        **extra,
    )


# --- who is told -------------------------------------------------------------------------------


def crisis_recipients(*, school_ids) -> list[Membership]:
    """Memberships (active today) of the psychology teachers and school leaders of these
    schools: the roles holding ``screening.warning.notified``."""
    return list(
        Membership.objects.active()
        .filter(
            school_id__in=school_ids,
            role__in=access.roles_holding("screening.warning.notified"),
        )
        .select_related("user")
        .order_by("role", "user__username")
    )


def crisis_notify(*, warnings) -> list[Membership]:
    """Tell the psychology teachers and school leaders of each 危机 warning's school, in-app
    (and by e-mail where an address is on file), linking to the warning. No student is named.
    Records who was told on the warning. Returns the memberships told."""
    from accounts.services import notification_send

    told = []
    for warning in warnings:
        recipients = crisis_recipients(school_ids={warning.school_id})
        seen = set()
        for m in recipients:
            if m.user_id in seen or not m.user.is_active:
                continue
            seen.add(m.user_id)
            notification_send(
                recipient=m.user,
                kind="screening.warning.crisis",
                title="新的危机预警：请立即处置",
                body=(
                    "您所在学校有一条新的“危机”级别心理预警，请立即打开后台查看并处置。"
                    "为保护学生隐私，本消息不包含学生信息。"
                ),
                link=reverse("screening:warning_detail", args=[warning.pk]),
            )
            told.append(m)
        names = "、".join(
            f"{m.get_role_display()} {_who(m.user)}" for m in recipients if m.user_id in seen
        )
        _action(
            warning,
            WarningAction.Kind.NOTIFIED,
            text=f"已通知：{names}（站内消息）" if names else "本校没有可通知的心理教师或校领导。",
        )
    return told


def followup_recipients(*, student: Student, memberships=None) -> list[tuple[Membership, Reach]]:
    """The student's class teacher and grade leader (``screening.followup.notified``): whose
    reach covers the student's class or grade (``memberships``: already loaded, to batch)."""
    cap = access.capability("screening.followup.notified")
    klass = student.school_class
    if memberships is None:
        memberships = _followup_memberships(school_ids={student.school_id})
    found = []
    for m in memberships:
        if m.school_id != student.school_id:
            continue
        reach = cap.reach_of(m.role)
        if (reach == Reach.CLASS and klass.head_teacher_id == m.user_id) or (
            reach == Reach.GRADE and m.grade == klass.grade
        ):
            found.append((m, reach))
    return found


def _followup_memberships(*, school_ids) -> list[Membership]:
    return list(
        Membership.objects.active()
        .filter(
            school_id__in=school_ids,
            role__in=access.roles_holding("screening.followup.notified"),
        )
        .select_related("user")
    )


def followup_notify(*, students, exclude_user_ids=()) -> int:
    """Tell each student's class teacher and grade leader that students of theirs need
    follow-up: one message per person, with no name, no level, no score, no item."""
    from accounts.services import notification_send

    per_user: dict[int, list] = {}
    memberships = _followup_memberships(school_ids={s.school_id for s in students})
    for student in students:
        for m, reach in followup_recipients(student=student, memberships=memberships):
            if m.user_id in exclude_user_ids:
                continue
            entry = per_user.setdefault(m.user_id, [m.user, reach, set()])
            entry[2].add(student.pk)
    for user, reach, ids in per_user.values():
        where = "您班上" if reach == Reach.CLASS else "您分管的年级"
        link = reverse("screening:my_class" if reach == Reach.CLASS else "screening:warnings")
        notification_send(
            recipient=user,
            kind="screening.followup",
            title="有学生需要关注跟进",
            body=f"{where}有 {len(ids)} 名学生需要关注跟进。请打开后台查看并配合心理健康教育教师。",
            link=link,
        )
    return len(per_user)


# --- signals: one open warning per student -------------------------------------------------------


@dataclass
class SignalOutcome:
    """What a signal did: opened a warning, merged into one (raising its level or not)."""

    warning: Warning
    created: bool = False
    raised: bool = False
    crisis: bool = False
    told: list = field(default_factory=list)


def _default_owner(*, school_id, fallback=None):
    """The school's psychology teacher where there is exactly one, else ``fallback``."""
    psych = list(
        Membership.objects.active()
        .filter(
            school_id=school_id,
            role__in=access.roles_holding("screening.warning.write", reach=Reach.SCHOOL),
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    if len(psych) == 1:
        return psych[0]
    return getattr(fallback, "pk", None)


def _signal_text(*, source, result=None, concern="") -> str:
    if source == Warning.Source.CONCERN:
        return f"教师关注：{concern}"
    if result is None:
        return ""
    text = f"{result.instrument.code} 得分 {result.total}（{result.band}）"
    if source == Warning.Source.CRITICAL:
        text += "，关键题阳性"
    return text


def warning_signal(
    *,
    student: Student,
    level: str,
    source: str,
    user=None,
    result: ScreeningResult | None = None,
    concern: str = "",
    at: datetime.datetime | None = None,
    notify: bool = True,
) -> SignalOutcome:
    """A new signal about ``student`` (a levelled result, a critical item, a concern). With an
    open warning, it is merged into it (its level raised if higher, never lowered, and a
    "merged signal" action added); otherwise a warning opens with an owner and a due time.
    A 危机 signal tells the psychology teachers and school leaders; a new warning tells the
    class teacher and grade leader that a student of theirs needs follow-up."""
    at = at or timezone.now()
    with transaction.atomic():
        existing = (
            Warning.objects.select_for_update()
            .filter(student=student)
            .exclude(status=Warning.Status.CLOSED)
            .first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    warning = Warning.objects.create(
                        student=student,
                        school_id=student.school_id,
                        grade=student.school_class.grade,
                        level=level,
                        source=source,
                        result=result,
                        concern=concern,
                        raised_by=user,
                        raised_at=at,
                        due_at=warning_due_at(level=level, raised_at=at),
                        owner_id=_default_owner(school_id=student.school_id, fallback=user),
                    )
            except IntegrityError:  # another signal opened one meanwhile: merge into it
                existing = (
                    Warning.objects.select_for_update()
                    .filter(student=student)
                    .exclude(status=Warning.Status.CLOSED)
                    .get()
                )
            else:
                outcome = SignalOutcome(
                    warning=warning, created=True, crisis=level == WarningLevel.CRISIS
                )
                if notify:
                    if outcome.crisis:
                        outcome.told = crisis_notify(warnings=[warning])
                    followup_notify(students=[student], exclude_user_ids={getattr(user, "pk", 0)})
                return outcome
        return _merge(
            warning=existing,
            level=level,
            source=source,
            user=user,
            result=result,
            concern=concern,
            at=at,
            notify=notify,
        )


def _merge(*, warning, level, source, user, result, concern, at, notify) -> SignalOutcome:
    _action(
        warning,
        WarningAction.Kind.MERGED,
        user=user,
        at=at,
        text=_signal_text(source=source, result=result, concern=concern),
        new=level,
        result=result,
        source=source,
    )
    outcome = SignalOutcome(warning=warning)
    if warning.status == Warning.Status.CLOSE_REQUESTED:  # a new signal: not closed yet
        _action(
            warning,
            WarningAction.Kind.STATUS,
            user=user,
            at=at,
            text="结案申请期间收到新信号，退回跟进。",
            old=warning.status,
            new=Warning.Status.FOLLOW_UP,
        )
        warning.status = Warning.Status.FOLLOW_UP
        warning.save(update_fields=["status"])
    if LEVEL_RANK[level] > LEVEL_RANK[warning.level]:
        old = warning.level
        warning.level = level
        due = warning_due_at(level=level, raised_at=at)
        warning.due_at = min(warning.due_at, due) if warning.due_at else due
        warning.save(update_fields=["level", "due_at"])
        _action(warning, WarningAction.Kind.LEVEL, user=user, at=at, old=old, new=level)
        outcome.raised = True
    outcome.crisis = level == WarningLevel.CRISIS
    if notify and outcome.crisis:
        outcome.told = crisis_notify(warnings=[warning])
    return outcome


def _warnings_for_results(*, results) -> list[SignalOutcome]:
    """Each levelled result is a signal (a critical item one at 危机), handled in bulk for an
    import: a bounded number of queries however many results, the same rules as
    ``warning_signal`` (merge into the open warning, raise never lower, notify)."""
    levelled = [r for r in results if r.level]
    if not levelled:
        return []
    students = {
        s.pk: s
        for s in Student.objects.filter(pk__in={r.student_id for r in levelled}).select_related(
            "school_class"
        )
    }
    open_by_student = {
        w.student_id: w
        for w in Warning.objects.select_for_update()
        .filter(student_id__in=students)
        .exclude(status=Warning.Status.CLOSED)
    }
    owners: dict[int, int | None] = {}
    now = timezone.now()
    outcomes: dict[int, SignalOutcome] = {}
    new, actions, raised = [], [], {}
    for result in levelled:
        student = students[result.student_id]
        source = Warning.Source.CRITICAL if result.critical else Warning.Source.SCREENING
        warning = open_by_student.get(student.pk)
        if warning is None:
            if student.school_id not in owners:
                owners[student.school_id] = _default_owner(
                    school_id=student.school_id, fallback=result.entered_by
                )
            warning = Warning(
                student=student,
                school_id=student.school_id,
                grade=student.school_class.grade,
                level=result.level,
                source=source,
                result=result,
                raised_by=result.entered_by,
                raised_at=now,
                due_at=warning_due_at(level=result.level, raised_at=now),
                owner_id=owners[student.school_id],
            )
            open_by_student[student.pk] = warning
            new.append(warning)
            outcomes[student.pk] = SignalOutcome(warning=warning, created=True)
        else:
            outcome = outcomes.setdefault(student.pk, SignalOutcome(warning=warning))
            if warning.pk is None:  # opened by an earlier row of this import
                if LEVEL_RANK[result.level] > LEVEL_RANK[warning.level]:
                    warning.level = result.level
                    warning.due_at = warning_due_at(level=result.level, raised_at=now)
            else:
                actions.append(
                    WarningAction(
                        warning=warning,
                        kind=WarningAction.Kind.MERGED,
                        by=result.entered_by,
                        at=now,
                        text=_signal_text(source=source, result=result),
                        new_value=result.level,
                        result=result,
                        source=source,
                    )
                )
                if LEVEL_RANK[result.level] > LEVEL_RANK[warning.level]:
                    actions.append(
                        WarningAction(
                            warning=warning,
                            kind=WarningAction.Kind.LEVEL,
                            by=result.entered_by,
                            at=now,
                            old_value=warning.level,
                            new_value=result.level,
                        )
                    )
                    warning.level = result.level
                    due = warning_due_at(level=result.level, raised_at=now)
                    warning.due_at = min(warning.due_at, due) if warning.due_at else due
                    raised[warning.pk] = warning
                    outcome.raised = True
        if result.level == WarningLevel.CRISIS:
            outcomes[student.pk].crisis = True
    Warning.objects.bulk_create(new)
    if not all(w.pk for w in new):  # backends that don't return ids on bulk insert
        ids = dict(
            Warning.objects.filter(student_id__in=[w.student_id for w in new])
            .exclude(status=Warning.Status.CLOSED)
            .values_list("student_id", "pk")
        )
        for w in new:
            w.pk = w.id = ids[w.student_id]
    WarningAction.objects.bulk_create(actions)
    if raised:
        Warning.objects.bulk_update(list(raised.values()), ["level", "due_at"])
    crisis = [o for o in outcomes.values() if o.crisis]
    for outcome in crisis:
        outcome.told = crisis_notify(warnings=[outcome.warning])
    fresh = [students[w.student_id] for w in new]
    if fresh:
        entered_by = getattr(levelled[0].entered_by, "pk", 0)
        followup_notify(students=fresh, exclude_user_ids={entered_by})
    return list(outcomes.values())


def concern_raise(*, student: Student, level: str, concern: str, user, at=None) -> Warning:
    """A teacher raises a concern about a student (their own class for a class teacher): a
    signal like any other (merged into the student's open warning if there is one)."""
    if level not in WarningLevel.values:
        raise ScreeningError(["级别：请选择一般关注、重点关注或危机。"])
    if not concern.strip():
        raise ScreeningError(["关注事由：请写明观察到的情况。"])
    return warning_signal(
        student=student,
        level=level,
        source=Warning.Source.CONCERN,
        concern=concern.strip(),
        user=user,
        at=at,
    ).warning


# --- working a warning --------------------------------------------------------------------------

WORK_STATUSES = (Warning.Status.OPEN, Warning.Status.FOLLOW_UP, Warning.Status.REFERRED)


@transaction.atomic
def warning_update(
    *,
    warning: Warning,
    status: str | None = None,
    owner=None,
    due_at: datetime.datetime | None = None,
    note: str = "",
    user=None,
) -> Warning:
    """Work a warning: its status (not closing: ``warning_close``), owner, due time, a note;
    each change recorded as an action."""
    warning = Warning.objects.select_for_update().get(pk=warning.pk)
    if warning.status == Warning.Status.CLOSED:
        raise ScreeningError(["状态：这条预警已结案，不能再修改。"])
    if status == Warning.Status.CLOSED:
        return warning_close(warning=warning, outcome=note, user=user)
    if status and status not in WORK_STATUSES:
        raise ScreeningError(["状态：无效的状态。"])
    changed = []
    if status and status != warning.status:
        _action(warning, WarningAction.Kind.STATUS, user=user, old=warning.status, new=status)
        warning.status = status
        changed.append("status")
    if owner is not None and owner.pk != warning.owner_id:
        _action(
            warning,
            WarningAction.Kind.OWNER,
            user=user,
            old=_who(warning.owner),
            new=_who(owner),
        )
        warning.owner = owner
        changed.append("owner")
    if due_at is not None and due_at != warning.due_at:
        _action(
            warning,
            WarningAction.Kind.DUE,
            user=user,
            old=timezone.localtime(warning.due_at).strftime("%Y-%m-%d %H:%M")
            if warning.due_at
            else "",
            new=timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"),
        )
        warning.due_at = due_at
        changed.append("due_at")
    if note.strip():
        _action(warning, WarningAction.Kind.NOTE, user=user, text=note.strip())
    if changed:
        warning.save(update_fields=changed)
    return warning


def _may_sign_off(*, user, warning) -> bool:
    from ..selectors import warnings_signed_off_by

    return warnings_signed_off_by(user=user).filter(pk=warning.pk).exists()


@transaction.atomic
def warning_close(*, warning: Warning, outcome: str, user, reason_kind=None) -> Warning:
    """Close with an outcome note (an empty one is refused). A 危机 closes only with a school
    leader's sign-off: anyone else's close is a request the leader then signs off."""
    warning = Warning.objects.select_for_update().get(pk=warning.pk)
    if warning.status == Warning.Status.CLOSED:
        raise ScreeningError(["状态：这条预警已经结案。"])
    if not (outcome or "").strip():
        raise ScreeningError(
            ["结案说明：请写明处置结果（例如已转介、已恢复、家长已知情），不能为空。"]
        )
    outcome = outcome.strip()
    now = timezone.now()
    if warning.level == WarningLevel.CRISIS and not _may_sign_off(user=user, warning=warning):
        warning.outcome = outcome
        _action(
            warning,
            WarningAction.Kind.CLOSE_REQUEST,
            user=user,
            text=outcome,
            old=warning.status,
            new=Warning.Status.CLOSE_REQUESTED,
        )
        warning.status = Warning.Status.CLOSE_REQUESTED
        warning.save(update_fields=["outcome", "status"])
        return warning
    if warning.level == WarningLevel.CRISIS:
        warning.signed_off_by = user
        warning.signed_off_at = now
    _action(
        warning,
        reason_kind
        or (
            WarningAction.Kind.SIGN_OFF
            if warning.level == WarningLevel.CRISIS
            else WarningAction.Kind.STATUS
        ),
        user=user,
        text=outcome,
        old=warning.status,
        new=Warning.Status.CLOSED,
        at=now,
    )
    warning.outcome = outcome
    warning.status = Warning.Status.CLOSED
    warning.closed_at = now
    warning.save()
    return warning


def warning_sign_off(*, warning: Warning, user, outcome: str = "") -> Warning:
    """A school leader signs off the closing of a 危机 (the requested outcome, or their own)."""
    if not _may_sign_off(user=user, warning=warning):
        raise ScreeningError(["签字结案：只有本校校领导可以为危机预警签字结案。"])
    warning.refresh_from_db()
    return warning_close(warning=warning, outcome=outcome or warning.outcome, user=user)


def warning_referred(*, student: Student, referral, user=None) -> Warning | None:
    """A referral recorded for a student with an open warning moves it to 已转介."""
    warning = (
        Warning.objects.select_for_update()
        .filter(student=student)
        .exclude(status=Warning.Status.CLOSED)
        .first()
    )
    if warning is None:
        return None
    _action(
        warning,
        WarningAction.Kind.REFERRAL,
        user=user,
        text=f"转介至{referral.institution}（{referral.referred_on:%Y-%m-%d}）",
        old=warning.status,
        new=Warning.Status.REFERRED,
    )
    if warning.status != Warning.Status.CLOSE_REQUESTED:
        warning.status = Warning.Status.REFERRED
        warning.save(update_fields=["status"])
    return warning

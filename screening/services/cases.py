"""Cases: warnings and concerns, the crisis notice, the archive, support plans, referrals,
counselling groups, and retention of a student's records."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from schools import access
from schools.models import Membership, Student

from ..models import (
    LEVEL_RANK,
    Archive,
    ArchiveEntry,
    Attachment,
    AttentionCategory,
    CaseMember,
    GuardianConsent,
    Referral,
    ReturnPlan,
    ScreeningResult,
    SupportPlan,
    SupportPlanVersion,
    Warning,
    WarningLevel,
)
from .common import ScreeningError

# --- warnings ----------------------------------------------------------------------------


def _warnings_for_results(*, results, students) -> list[Warning]:
    """Open warnings for levelled results, in bulk; a critical item opens 危机 and notifies."""
    levelled = [r for r in results if r.level]
    if not levelled:
        return []
    class_grades = dict(
        Student.objects.filter(pk__in=[r.student_id for r in levelled]).values_list(
            "pk", "school_class__grade"
        )
    )
    open_levels: dict[int, int] = {}
    for student_id, level in Warning.objects.filter(
        student_id__in=class_grades, status__in=[Warning.Status.OPEN, Warning.Status.FOLLOW_UP]
    ).values_list("student_id", "level"):
        open_levels[student_id] = max(open_levels.get(student_id, 0), LEVEL_RANK[level])
    new = []
    for result in levelled:
        rank = LEVEL_RANK[result.level]
        if not result.critical and open_levels.get(result.student_id, 0) >= rank:
            continue  # already followed at this level or higher
        open_levels[result.student_id] = max(open_levels.get(result.student_id, 0), rank)
        new.append(
            Warning(
                student_id=result.student_id,
                school_id=result.school_id,
                grade=class_grades[result.student_id],
                level=result.level,
                source=Warning.Source.CRITICAL if result.critical else Warning.Source.SCREENING,
                result=result,
                raised_by=result.entered_by,
            )
        )
    Warning.objects.bulk_create(new)
    critical_schools = {w.school_id for w in new if w.source == Warning.Source.CRITICAL}
    if critical_schools:
        transaction.on_commit(lambda: crisis_notify(school_ids=critical_schools))
    return new


def crisis_recipients(*, school_ids) -> list:
    """Psychology teachers and school leaders of these schools (active today)."""
    return [
        m.user
        for m in Membership.objects.active()
        .filter(
            school_id__in=school_ids,
            role__in=access.roles_holding("screening.warning.notified"),
        )
        .select_related("user")
    ]


def crisis_notify(*, school_ids) -> int:
    """E-mail the people who must act; the message names no student (they read it in the admin)."""
    sent = 0
    path = reverse("screening:warnings") + "?level=crisis"
    for user in crisis_recipients(school_ids=school_ids):
        if not user.email:
            continue
        send_mail(
            "【心育平台】新的危机预警",
            "您所在学校有一条新的“危机”级别心理预警，请立即登录后台查看并处置：\n"
            f"{path}\n\n为保护学生隐私，本邮件不包含学生信息。",
            None,
            [user.email],
        )
        sent += 1
    return sent


def concern_raise(*, student: Student, level: str, concern: str, user) -> Warning:
    """A teacher raises a concern about a student (their own class for a class teacher)."""
    if level not in WarningLevel.values:
        raise ScreeningError(["级别：请选择一般关注、重点关注或危机。"])
    if not concern.strip():
        raise ScreeningError(["关注事由：请写明观察到的情况。"])
    with transaction.atomic():
        warning = Warning.objects.create(
            student=student,
            school_id=student.school_id,
            grade=student.school_class.grade,
            level=level,
            source=Warning.Source.CONCERN,
            concern=concern.strip(),
            raised_by=user,
        )
        if level == WarningLevel.CRISIS:
            transaction.on_commit(lambda: crisis_notify(school_ids={student.school_id}))
    return warning


def warning_update(
    *, warning: Warning, status: str, owner=None, note: str = "", user=None
) -> Warning:
    if status not in Warning.Status.values:
        raise ScreeningError(["状态：无效的状态。"])
    warning.status = status
    if owner is not None:
        warning.owner = owner
    if note.strip():
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        who = getattr(user, "real_name", "") or getattr(user, "username", "")
        warning.notes = f"{warning.notes}\n[{stamp} {who}] {note.strip()}".strip()
    warning.closed_at = timezone.now() if status == Warning.Status.CLOSED else None
    warning.save()
    return warning


# --- archive -----------------------------------------------------------------------------------


def archive_ensure(*, student: Student, user=None) -> Archive:
    archive, _ = Archive.objects.get_or_create(
        student=student, defaults={"school_id": student.school_id, "opened_by": user}
    )
    return archive


def archives_for_enrolled(*, students, by=None) -> None:
    """Every student has an archive from the day they are enrolled (一生一策 covers every
    student): registered with ``schools.hooks.register_students_enrolled``."""
    today = timezone.localdate()
    Archive.objects.bulk_create(
        [
            Archive(student_id=s.pk, school_id=s.school_id, opened_on=today, opened_by=by)
            for s in students
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


def archive_entry_add(*, student, kind, on, summary, user) -> ArchiveEntry:
    if kind not in ArchiveEntry.Kind.values:
        raise ScreeningError(["类型：无效的记录类型。"])
    if not summary.strip():
        raise ScreeningError(["记录：内容不能为空。"])
    archive = archive_ensure(student=student, user=user)
    return ArchiveEntry.objects.create(
        archive=archive, kind=kind, on=on, summary=summary.strip(), by=user
    )


def attention_add(*, student, category, since, note="", user=None) -> AttentionCategory:
    if category not in AttentionCategory.Category.values:
        raise ScreeningError(["类别：无效的关注类别。"])
    archive = archive_ensure(student=student, user=user)
    return AttentionCategory.objects.create(
        archive=archive, category=category, since=since, note=note
    )


@transaction.atomic
def plan_save(*, student, goals, actions, responsible, review_on, user=None) -> SupportPlan:
    """Save the student's support plan and keep the saved state as a new version (who, when,
    which fields changed). Saving an unchanged plan adds no version."""
    errors = [
        f"{label}：不能为空。"
        for label, value in (("目标", goals), ("措施", actions), ("责任人", responsible))
        if not str(value).strip()
    ]
    if errors:
        raise ScreeningError(errors)
    archive = archive_ensure(student=student, user=user)
    values = {
        "goals": goals.strip(),
        "actions": actions.strip(),
        "responsible": responsible.strip(),
        "review_on": review_on,
    }
    plan = SupportPlan.objects.select_for_update().filter(archive=archive).first()
    if plan is None:
        plan = SupportPlan.objects.create(archive=archive, **values)
        changed = [name for name, _ in SupportPlanVersion.FIELDS]
    else:
        changed = [
            name for name, _ in SupportPlanVersion.FIELDS if getattr(plan, name) != values[name]
        ]
        if not changed:
            return plan
        for name, value in values.items():
            setattr(plan, name, value)
        plan.save()
    last = plan.versions.order_by("-number").values_list("number", flat=True).first() or 0
    SupportPlanVersion.objects.create(
        plan=plan, number=last + 1, changed_fields=changed, changed_by=user, **values
    )
    return plan


def referral_record(*, student, user=None, **fields) -> Referral:
    if not fields.get("institution", "").strip():
        raise ScreeningError(["转介机构：不能为空。"])
    archive_ensure(student=student, user=user)
    return Referral.objects.create(
        student=student, school_id=student.school_id, created_by=user, **fields
    )


def return_plan_save(*, referral: Referral, returned_on, plan: str, **done) -> ReturnPlan:
    obj, _ = ReturnPlan.objects.update_or_create(
        referral=referral, defaults={"returned_on": returned_on, "plan": plan, **done}
    )
    return obj


@transaction.atomic
def case_member_add(*, student, member, user) -> CaseMember:
    """Add a member of the school's staff to the student's temporary counselling group; a plain
    teacher gains back-office access for it (``membership_sync_groups``)."""
    from schools.services import membership_sync_groups

    if not Membership.objects.active().filter(user=member, school_id=student.school_id).exists():
        raise ScreeningError(["用户名：这位教职工目前不在本校任职，不能加入临时辅导小组。"])
    existing = CaseMember.objects.filter(
        student=student, user=member, removed_at__isnull=True
    ).first()
    case = existing or CaseMember.objects.create(student=student, user=member, added_by=user)
    membership_sync_groups(user=member)
    return case


@transaction.atomic
def case_member_remove(*, student, member) -> int:
    """End a membership; the member loses the case, and the back office if it was their only
    reason to have it."""
    from schools.services import membership_sync_groups

    removed = CaseMember.objects.filter(
        student=student, user=member, removed_at__isnull=True
    ).update(removed_at=timezone.now())
    membership_sync_groups(user=member)
    return removed


# --- retention: a student's screening records, deleted with the student ----------------------

# What screening keeps about a student, in an order that deletes cleanly (warnings point at
# results; attachments go first, with their files; an archive takes its entries, categories and plan with it; a referral its return
# plan).
STUDENT_RECORDS = (
    ("附件", Attachment),
    ("转介", Referral),
    ("预警", Warning),
    ("测评结果", ScreeningResult),
    ("心理档案", Archive),
    ("知情同意", GuardianConsent),
    ("个案小组成员", CaseMember),
)


def student_records_count(*, student_ids) -> dict[str, int]:
    """How many screening records of each kind the students have (for a dry run)."""
    return {
        label: model.objects.filter(student_id__in=student_ids).count()
        for label, model in STUDENT_RECORDS
    }


def student_records_delete(*, student_ids) -> dict[str, int]:
    """Delete the students' screening records (the caller holds the transaction that also
    deletes the students). Returns how many of each kind went."""
    from .attachments import attachment_files_delete

    names = list(
        Attachment.objects.filter(student_id__in=student_ids).values_list("file", flat=True)
    )
    transaction.on_commit(lambda: attachment_files_delete(names=names))
    counts = {}
    for label, model in STUDENT_RECORDS:
        counts[label] = model.objects.filter(student_id__in=student_ids).count()
        model.objects.filter(student_id__in=student_ids).delete()
    return counts

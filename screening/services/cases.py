"""Cases: the archive, support plans, referrals (which move an open warning to 已转介),
counselling groups, and retention of a student's records. Warnings: ``warnings``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from schools.models import Membership, Student

from ..models import (
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
)
from .common import ScreeningError
from .warnings import warning_referred

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
    with transaction.atomic():
        archive_ensure(student=student, user=user)
        referral = Referral.objects.create(
            student=student, school_id=student.school_id, created_by=user, **fields
        )
        warning_referred(student=student, referral=referral, user=user)
    return referral


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

"""Writes for mental-health lessons taught (R-18 curriculum coverage).

``lesson_record_check`` holds every rule, so the back-office form, the learner-area form and
the spreadsheet import give the same answers: the class belongs to a school the writer may
record for (so the school is the class's), the date is not in the future and falls in the
current school year, a lesson page belongs to the chosen curriculum, a teacher who is not a
school's admin, leader or psychology teacher records only their own lessons, the named
teacher works at the school, and the same lesson is not recorded twice for a class and day.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from schools.calendar import SchoolYear
from schools.models import Membership, SchoolClass

from ..models import CurriculumPage, LessonPage, LessonRecord
from . import selectors as sel


def lesson_record_check(
    *,
    by,
    school_class,
    taught_on,
    teacher=None,
    lesson: LessonPage | None = None,
    curriculum: CurriculumPage | None = None,
    topic: str = "",
    periods: int = 1,
    note: str = "",
    record: LessonRecord | None = None,
) -> LessonRecord:
    """The record these values make (unsaved), or ValidationError naming the fields."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    year_start = SchoolYear.containing(today).start
    if school_class is None:
        errors["school_class"] = "请选择班级。"
    elif not sel.lesson_classes_for(user=by).filter(pk=school_class.pk).exists():
        errors["school_class"] = "您不能为这个班级登记授课：它不属于您任职的学校。"
    if taught_on is None:
        errors["taught_on"] = "请填写授课日期。"
    elif taught_on > today:
        errors["taught_on"] = "授课日期不能晚于今天。"
    elif taught_on < year_start:
        errors["taught_on"] = f"只能登记本学年（{year_start:%Y-%m-%d} 起）的授课。"
    if lesson is not None:
        parent = lesson.get_parent().specific
        if curriculum is None:
            curriculum = parent if isinstance(parent, CurriculumPage) else None
        elif parent.pk != curriculum.pk:
            errors["lesson"] = f"课例“{lesson.title}”不属于课程“{curriculum.title}”。"
    topic = (topic or "").strip()
    if lesson is None and curriculum is None and not topic:
        errors["topic"] = "请选择课例或课程，或填写课题。"
    if len(topic) > 100:
        errors["topic"] = "课题不能超过 100 个字符。"
    if not isinstance(periods, int) or not 1 <= periods <= 4:
        errors["periods"] = "课时应为 1 到 4 之间的整数。"
    if len(note or "") > 200:
        errors["note"] = "备注不能超过 200 个字符。"
    teacher = teacher or by
    if school_class is not None and "school_class" not in errors:
        school_id = school_class.school_id
        manager = school_id in sel.manager_school_ids(user=by)
        if not manager and teacher.pk != by.pk:
            errors["teacher"] = "您只能登记本人所上的课；为其他教师登记请联系学校管理员。"
        elif (
            not Membership.objects.active(taught_on or today)
            .filter(user=teacher, school_id=school_id)
            .exists()
        ):
            errors["teacher"] = f"{teacher.get_full_name() or teacher}在授课日期不在该校任职。"
    if not errors:
        same = LessonRecord.objects.filter(school_class=school_class, taught_on=taught_on)
        if lesson is not None:
            same = same.filter(lesson=lesson)
        else:
            same = same.filter(lesson__isnull=True, curriculum=curriculum, topic=topic)
        if record is not None and record.pk:
            same = same.exclude(pk=record.pk)
        if same.exists():
            errors["taught_on"] = "这个班级当天已经登记过这节课。"
    if errors:
        raise ValidationError(errors)
    record = record if record is not None else LessonRecord()
    if record.recorded_by_id is None:
        record.recorded_by = by
    record.school_id = school_class.school_id
    record.school_class = school_class
    record.taught_on = taught_on
    record.teacher = teacher
    record.lesson = lesson
    record.curriculum = curriculum
    record.topic = topic if lesson is None or topic != lesson.title else ""
    record.periods = periods
    record.note = note or ""
    return record


@transaction.atomic
def lesson_record_add(*, by, **values) -> LessonRecord:
    """Check and store one record in one transaction. The class's row is locked first
    (PostgreSQL; SQLite's write lock is taken at BEGIN), so two submits of the same lesson
    cannot both pass the "already recorded" check."""
    school_class = values.get("school_class")
    if school_class is not None:
        SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
    record = lesson_record_check(by=by, **values)
    record.save()
    return record


def lesson_record_update(*, by, record: LessonRecord, **values) -> LessonRecord:
    if not sel.lesson_records_editable_by(user=by).filter(pk=record.pk).exists():
        raise ValidationError("您不能修改这条授课记录。")
    record = lesson_record_check(by=by, record=record, **values)
    record.save()
    return record


@transaction.atomic
def lesson_records_add_many(*, records: list[LessonRecord]) -> int:
    """Save records already checked by ``lesson_record_check`` (imports): all or none."""
    LessonRecord.objects.bulk_create(records, batch_size=500)
    return len(records)


def lesson_rule_set(
    *,
    by,
    interval_days: int,
    periods: int,
    kindergarten_interval_days: int,
    kindergarten_periods: int,
):
    """Set the bureau's own rule for lesson frequency (本局规定, ``LessonRule``): only the
    bureau's administrators (``courses.lesson.rule``)."""
    from schools import access

    from ..models import LessonRule

    if not access.can(user=by, cap="courses.lesson.rule"):
        raise ValidationError("只有市局管理员可以设定心理健康课开课频次。")
    rule = LessonRule.objects.filter(pk=1).first() or LessonRule(pk=1)
    rule.interval_days, rule.periods = interval_days, periods
    rule.kindergarten_interval_days = kindergarten_interval_days
    rule.kindergarten_periods = kindergarten_periods
    rule.updated_at, rule.updated_by = timezone.now(), by
    rule.full_clean()
    rule.save()
    return rule

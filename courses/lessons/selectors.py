"""Reads for mental-health lessons taught, and the curriculum-coverage rule (R-18).

Who records and reads lesson records (built on ``schools.selectors``):

| role at the school                                   | records                        | reads                    |
| ---------------------------------------------------- | ------------------------------ | ------------------------ |
| school admin, school leader, psychology teacher       | any class of the school, any of its teachers | the school's records |
| class teacher, grade leader, teacher                  | lessons they taught themselves, in classes of their school | their own, and those of the classes they see (own class / own grade) |
| bureau admin, bureau auditor                          | —                              | every school             |

There is no timetable in the portal saying who teaches which class, so “a teacher's own
classes” are the classes they taught: a teacher records their own lessons, a school's
admins, leaders and psychology teachers record for anyone at the school.

**Curriculum coverage (课程全覆盖).** The source asks that mental-health classes be part of
the school-based curriculum and sets no frequency. The expected frequency is **the bureau's
own rule** (本局规定), a setting the bureau edits (``LessonRule``: by default one lesson every
two weeks of term), with its own values for 中小学 and for kindergartens — the two are
measured separately. A class is *covered* for a period when the periods (课时) recorded for it
from the period's start to its reading day (``Period.as_of``) reach
``lessons_expected(start, as_of)`` = the term days in that window (the winter and summer
breaks of ``schools.calendar.BREAKS`` do not count) divided by the rule's interval, rounded
down, times its periods, and at least one interval's periods. A school's coverage is the
share of its classes that are covered; the city's is given for 中小学 and kindergartens
apart (covered classes over all classes of each group).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from portal.memo import memoized
from schools import access
from schools.access import Reach
from schools.calendar import break_days
from schools.models import SchoolClass
from schools.selectors import classes_for, staff_users_at
from schools.vocab import KINDERGARTEN_GRADES

from ..models import CurriculumPage, LessonPage, LessonRecord, LessonRule

# The default of the bureau's rule: one mental-health lesson every this many term days.
LESSON_INTERVAL_DAYS = 14


def lesson_rule() -> LessonRule:
    """The bureau's rule for lesson frequency (本局规定), or its defaults when never set.
    One query."""
    return LessonRule.objects.filter(pk=1).select_related("updated_by").first() or LessonRule()


# --- scope ---------------------------------------------------------------------------------


def recorder_school_ids(*, user) -> set[int]:
    """Schools where the user has any active role: they may record their own lessons there."""
    return access.school_ids_for(user=user, cap="courses.lesson.record")


def manager_school_ids(*, user) -> set[int]:
    """Schools where the user records lessons for anyone (admins, leaders, psych teachers)."""
    return access.school_ids_for(user=user, cap="courses.lesson.record", reach=Reach.SCHOOL)


def may_record_lessons(*, user) -> bool:
    return access.can(user=user, cap="courses.lesson.record")


def may_read_lessons(*, user) -> bool:
    return access.can(user=user, cap="courses.lesson.read")


def lesson_records_for(*, user) -> QuerySet[LessonRecord]:
    """Records the user may read (see the table above)."""
    qs = LessonRecord.objects.select_related(
        "school", "school_class", "teacher", "lesson", "curriculum"
    )
    if access.bureau_covers(user=user, cap="courses.lesson.read"):
        return qs
    school_ids = recorder_school_ids(user=user)
    if not school_ids:
        return qs.none()
    visible_classes = classes_for(user=user).filter(school_id__in=school_ids).values("pk")
    return qs.filter(school_id__in=school_ids).filter(
        Q(school_class__in=visible_classes) | Q(teacher=user) | Q(recorded_by=user)
    )


def lesson_records_editable_by(*, user) -> QuerySet[LessonRecord]:
    """Records the user may change or delete: the school's for managers, else their own."""
    qs = LessonRecord.objects.select_related(
        "school", "school_class", "teacher", "lesson", "curriculum"
    )
    managed = manager_school_ids(user=user)
    own = recorder_school_ids(user=user)
    return qs.filter(
        Q(school_id__in=managed) | (Q(school_id__in=own) & (Q(teacher=user) | Q(recorded_by=user)))
    )


def lesson_classes_for(*, user) -> QuerySet[SchoolClass]:
    """Classes the user may record a lesson for: every class of the schools they work at."""
    qs = SchoolClass.objects.select_related("school").order_by("school__code", "grade", "name")
    return qs.filter(school_id__in=recorder_school_ids(user=user))


def lesson_teachers_for(*, user):
    """Who the user may name as the teacher: anyone at schools they manage, else themselves."""
    from django.contrib.auth import get_user_model

    managed = manager_school_ids(user=user)
    if managed:
        return staff_users_at(schools=list(managed)) | get_user_model().objects.filter(pk=user.pk)
    return get_user_model().objects.filter(pk=user.pk)


def lesson_choices() -> QuerySet[LessonPage]:
    return LessonPage.objects.live().order_by("path")


def curriculum_choices() -> QuerySet[CurriculumPage]:
    return CurriculumPage.objects.live().order_by("path")


# --- coverage ------------------------------------------------------------------------------


def lessons_expected(
    *,
    start: datetime.date,
    as_of: datetime.date,
    kindergarten: bool = False,
    rule: LessonRule | None = None,
) -> int:
    """Periods a class should have had from ``start`` to ``as_of`` under the bureau's rule
    for its group (see the module doc)."""
    if as_of < start:
        return 0
    rule = rule or lesson_rule()
    days, periods = rule.interval(kindergarten=kindergarten)
    term_days = (as_of - start).days + 1 - break_days(start=start, end=as_of)
    return max(periods, term_days // days * periods)


@dataclass(frozen=True)
class SchoolCoverage:
    classes: int = 0
    covered: int = 0
    periods: int = 0
    # Of them, kindergarten classes (measured apart from 中小学).
    kg_classes: int = 0
    kg_covered: int = 0

    @property
    def share(self) -> float | None:
        """Per cent of classes covered, one decimal; None for a school without classes."""
        return round(100 * self.covered / self.classes, 1) if self.classes else None


@memoized
def lesson_coverage_by_school(
    *, school_ids, start: datetime.date, as_of: datetime.date
) -> dict[int, SchoolCoverage]:
    """Per school: classes, covered classes and periods recorded in [start, as_of], each class
    judged by its group's rule (kindergarten classes also counted apart). Two queries (the
    rule, one row per class), whatever the number of schools."""
    rule = lesson_rule()
    expected = {
        kg: lessons_expected(start=start, as_of=as_of, kindergarten=kg, rule=rule)
        for kg in (False, True)
    }
    rows = (
        SchoolClass.objects.filter(school_id__in=list(school_ids))
        .annotate(
            n=Coalesce(
                Sum(
                    "lesson_records__periods",
                    filter=Q(lesson_records__taught_on__range=(start, as_of)),
                ),
                0,
            )
        )
        .order_by()
        .values_list("school_id", "grade", "n")
    )
    found: dict[int, list[int]] = {}
    for school_id, grade, n in rows:
        kg = grade in KINDERGARTEN_GRADES
        need = expected[kg]
        counts = found.setdefault(school_id, [0, 0, 0, 0, 0])
        ok = 1 if need and n >= need else 0
        counts[0] += 1
        counts[1] += ok
        counts[2] += n
        counts[3] += kg
        counts[4] += ok if kg else 0
    return {
        pk: SchoolCoverage(*found[pk]) if pk in found else SchoolCoverage() for pk in school_ids
    }


def lesson_periods_by_school(
    *, school_ids, first: datetime.date, last: datetime.date
) -> dict[int, int]:
    """Periods (课时) recorded per school with a date in [first, last]. One query."""
    found = dict(
        LessonRecord.objects.filter(school_id__in=list(school_ids), taught_on__range=(first, last))
        .values("school_id")
        .annotate(n=Sum("periods"))
        .order_by()
        .values_list("school_id", "n")
    )
    return {pk: found.get(pk, 0) for pk in school_ids}


def class_lesson_summary(*, school, start: datetime.date, as_of: datetime.date) -> list[dict]:
    """One row per class of ``school``: periods recorded in the window and whether covered
    under its group's rule (中小学 or kindergarten)."""
    rule = lesson_rule()
    expected = {
        kg: lessons_expected(start=start, as_of=as_of, kindergarten=kg, rule=rule)
        for kg in (False, True)
    }
    classes = (
        SchoolClass.objects.filter(school=school)
        .annotate(
            n=Coalesce(
                Sum(
                    "lesson_records__periods",
                    filter=Q(lesson_records__taught_on__range=(start, as_of)),
                ),
                0,
            )
        )
        .order_by("grade", "name")
    )
    rows = []
    for c in classes:
        need = expected[c.grade in KINDERGARTEN_GRADES]
        rows.append(
            {
                "school_class": c,
                "periods": c.n,
                "expected": need,
                "covered": bool(need) and c.n >= need,
                "missing": max(0, need - c.n),
            }
        )
    return rows

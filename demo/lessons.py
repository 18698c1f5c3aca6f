"""Demo lessons taught this school year (R-18 curriculum coverage), each checked by the
service's ``lesson_record_check`` and then written in bulk (``lesson_records_add_many``).

Most classes had a mental-health lesson about every two weeks of term; a few schools are
behind (the two rural schools without a psychology teacher, and one junior secondary
school), so the dashboard shows varied coverage. Idempotent: a school that already has
lesson records is left alone.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from courses.lessons.selectors import LESSON_INTERVAL_DAYS
from courses.lessons.services import lesson_record_check, lesson_records_add_many
from courses.models import LessonPage
from schools.calendar import Period, break_days
from schools.models import Membership, School, SchoolClass
from schools.vocab import Role, stage_of_grade

# Share of each school's classes kept up to date; the others stopped part-way.
COVERED_SHARE = {"X0108": 0.6, "X0111": 0.3, "X0112": 0.4, "X0105": 0.7}
# Lessons a school wrote itself (no page on the platform).
OWN_TOPICS = [
    "新学期，新起点：适应与期待",
    "我的情绪小怪兽",
    "考试焦虑怎么办",
    "和同学好好说话",
    "学会求助",
    "认识压力，与压力做朋友",
]
TEACHER_ROLES = (Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.SCHOOL_ADMIN)


def _term_days(start: datetime.date, today: datetime.date) -> list[datetime.date]:
    days = []
    day = start
    while day <= today:
        if not break_days(start=day, end=day):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _lesson_days(term, *, phase: int, keep: float) -> list[datetime.date]:
    """Every 13th term day from ``phase`` (a little more often than every two weeks), moved
    off weekends to the Friday before (or the Monday after, at the start of term), never past
    today; ``keep`` < 1 stops part-way (a class that fell behind)."""
    picked = []
    for day in term[min(phase, len(term) - 1) :: LESSON_INTERVAL_DAYS - 1]:
        moved = day
        while moved.weekday() >= 5:
            moved -= datetime.timedelta(days=1)
        if moved < term[0]:
            moved = day + datetime.timedelta(days=7 - day.weekday())
        if moved <= term[-1]:
            picked.append(moved)
    return picked[: max(1, int(len(picked) * keep))] if keep < 1 else picked


def load(*, out, rng):
    today = timezone.localdate()
    period = Period.school_year(today)
    term = _term_days(period.start, today)
    if not term:
        out("  授课记录：本学年尚未开学，跳过")
        return
    lessons_by_stage: dict[str, list[LessonPage]] = {}
    for curriculum_lesson in LessonPage.objects.live().order_by("path"):
        parent = curriculum_lesson.get_parent().specific
        lessons_by_stage.setdefault(parent.stage, []).append((curriculum_lesson, parent))
    records = []
    schools = School.objects.exclude(lesson_records__isnull=False).order_by("code")
    for school in schools:
        teacher = _teacher_of(school, day=period.start)
        if teacher is None:
            continue
        classes = list(SchoolClass.objects.filter(school=school).order_by("grade", "name"))
        share = COVERED_SHARE.get(school.code, 1.0)
        covered = round(share * len(classes))
        behind = set(rng.sample(range(len(classes)), len(classes) - covered))
        for i, cls in enumerate(classes):
            keep = rng.uniform(0.3, 0.7) if i in behind else 1.0
            choices = lessons_by_stage.get(stage_of_grade(cls.grade), [])
            for n, day in enumerate(_lesson_days(term, phase=rng.randrange(0, 8), keep=keep)):
                lesson, curriculum = (None, None)
                topic = ""
                if choices and n % 3 != 2:
                    lesson, curriculum = choices[(i + n) % len(choices)]
                else:
                    topic = OWN_TOPICS[(i + n) % len(OWN_TOPICS)]
                # The service's own check on every record (class, date, teacher, duplicate),
                # so the demo holds no record the 授课记录 form would refuse; then one bulk
                # write through the service, as an import does.
                records.append(
                    lesson_record_check(
                        by=teacher,
                        school_class=cls,
                        taught_on=day,
                        teacher=teacher,
                        lesson=lesson,
                        curriculum=curriculum,
                        topic=topic,
                        periods=1,
                    )
                )
    lesson_records_add_many(records=records)
    out(f"  授课记录：新增 {len(records)} 条")


def _teacher_of(school, *, day):
    """The school's psychology teacher, else its leader or admin (who teach it themselves)."""
    for role in TEACHER_ROLES:
        membership = (
            Membership.objects.active(day)
            .filter(school=school, role=role)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership:
            return membership.user
    return None

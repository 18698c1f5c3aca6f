"""A city of schools spread over townships, for the pages that list one township at a time
(R-26): ``towns(townships=2, per=…)`` makes schools named after their township, each with a
class, students, a psychology teacher, an open warning and an incident, so every panel and
table has rows to draw."""

from __future__ import annotations

from django.utils import timezone

from schools.models import School
from schools.vocab import Grade, PsychEmployment, Role
from screening.models import Archive, Warning, WarningLevel

from .duty.factories import IncidentFactory
from .factories import MembershipFactory, SchoolClassFactory, SchoolFactory, StudentFactory

LEVELS = WarningLevel.values


def towns(*, townships: int, per: int, start: int = 0) -> dict[str, list]:
    """``{township name: [schools]}``; school names read “<township>第<n>学校”."""
    made: dict[str, list] = {}
    for t in range(start, start + townships):
        name = f"第{t + 1}镇"
        already = School.objects.filter(township=name).count()
        for n in range(already, already + per):
            school = SchoolFactory(name=f"{name}第{n + 1}学校", township=name)
            klass = SchoolClassFactory(school=school, grade=Grade.J1)
            students = StudentFactory.create_batch(6, school_class=klass)
            Archive.objects.create(student=students[0], school=school)
            Warning.objects.create(
                student=students[1],
                school=school,
                grade=Grade.J1,
                level=LEVELS[n % len(LEVELS)],
                source="concern",
            )
            MembershipFactory(
                school=school, role=Role.PSYCH_TEACHER, psych_employment=PsychEmployment.FULL_TIME
            )
            MembershipFactory(school=school, role=Role.TEACHER)
            IncidentFactory(school=school, discovered_at=timezone.now())
            made.setdefault(name, []).append(school)
    return made


def school_names(made: dict[str, list]) -> dict[str, list[str]]:
    return {town: [s.name for s in schools] for town, schools in made.items()}

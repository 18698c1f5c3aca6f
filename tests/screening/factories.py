"""Screening test data built on tests.factories."""

import datetime

from schools.vocab import Grade, Role
from screening.models import Instrument, ScreeningRound
from tests.factories import SchoolClassFactory, SchoolFactory, StudentFactory, make_member


def phq9():
    return Instrument.objects.get(code="PHQ-9", school__isnull=True)


def gad7():
    return Instrument.objects.get(code="GAD-7", school__isnull=True)


def answers_for(total, n=9, critical_last=False):
    """An answer list (0–3 each) summing to ``total``; item 9 stays 0 unless asked."""
    answers = [0] * n
    free = n - 1 if n == 9 and not critical_last else n
    remaining = total
    for i in range(free):
        step = min(3, remaining)
        answers[i] = step
        remaining -= step
    assert remaining == 0, "total too large for the free items"
    return answers


def make_round(
    school, *, grades=(Grade.J1, Grade.J2), basis=ScreeningRound.Basis.STATUTORY, instruments=None
):
    rnd = ScreeningRound.objects.create(
        school=school,
        name="2026年秋季心理筛查",
        grades=list(grades),
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 12, 31),
        basis=basis,
        status=ScreeningRound.Status.OPEN,
    )
    rnd.instruments.set(instruments or [phq9(), gad7()])
    return rnd


class World:
    """Two schools; school A with two grade-7 classes and one grade-8 class; staff of each role."""

    def __init__(self):
        self.a = SchoolFactory(code="A0001", name="甲市第一中学")
        self.b = SchoolFactory(code="B0001", name="乙市第二中学")
        self.class_teacher = make_member(Role.CLASS_TEACHER, self.a)
        self.a7_1 = SchoolClassFactory(
            school=self.a, grade=Grade.J1, name="七年级（1）班", head_teacher=self.class_teacher
        )
        self.a7_2 = SchoolClassFactory(school=self.a, grade=Grade.J1, name="七年级（2）班")
        self.a8_1 = SchoolClassFactory(school=self.a, grade=Grade.J2, name="八年级（1）班")
        self.b7_1 = SchoolClassFactory(school=self.b, grade=Grade.J1, name="七年级（1）班")
        self.own = StudentFactory(school_class=self.a7_1, name="林小舟")
        self.same_grade = StudentFactory(school_class=self.a7_2, name="周远帆")
        self.other_grade = StudentFactory(school_class=self.a8_1, name="吴清禾")
        self.other_school = StudentFactory(school_class=self.b7_1, name="郑晓岚")
        self.psych = make_member(Role.PSYCH_TEACHER, self.a)
        self.psych.email = "psych@example.cn"
        self.psych.save()
        self.leader = make_member(Role.SCHOOL_LEADER, self.a)
        self.leader.email = "leader@example.cn"
        self.leader.save()
        self.school_admin = make_member(Role.SCHOOL_ADMIN, self.a)
        self.grade_leader = make_member(Role.GRADE_LEADER, self.a, grade=Grade.J1)
        self.teacher = make_member(Role.TEACHER, self.a)
        self.psych_b = make_member(Role.PSYCH_TEACHER, self.b)
        self.bureau_admin = make_member(Role.BUREAU_ADMIN)
        self.auditor = make_member(Role.BUREAU_AUDITOR)
        self.round = make_round(self.a)

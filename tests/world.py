"""One two-school city with a user in every role: the ``world`` fixture (tests/conftest.py).

School A (初中) has two grade-7 classes and a grade-8 class; school B the same shape. Every
school role exists at both schools; the bureau's two roles, a superuser, a plain teacher who
sits in a counselling group for one student of A, and a signed-in user with no role at all.
Built with the factories (factory_boy), through ``make_member`` so groups follow roles.

Short names read better in an app's tests: ``world.psych`` is school A's psychology teacher,
``world.users["school_admin"]`` school A's administrator, ``world.users["b_admin"]`` school B's
(``ALIASES``); ``world.everyone()`` lists each user once, under the canonical key.
"""

from __future__ import annotations

from functools import cached_property

from django.utils import timezone

from schools.vocab import Grade, Role, SchoolKind

from .factories import (
    FacilityFactory,
    SchoolClassFactory,
    SchoolFactory,
    StudentFactory,
    UserFactory,
    make_member,
)

SCHOOL_ROLES = [
    Role.SCHOOL_ADMIN,
    Role.SCHOOL_LEADER,
    Role.GRADE_LEADER,
    Role.PSYCH_TEACHER,
    Role.CLASS_TEACHER,
    Role.TEACHER,
]


# alias → canonical key of ``World.users``
ALIASES = {
    **{str(role): f"{role}@a" for role in SCHOOL_ROLES},
    "b_admin": f"{Role.SCHOOL_ADMIN}@b",
}


class World:
    def __init__(self):
        self.a = SchoolFactory(code="WA001", name="甲区实验初级中学", kind=SchoolKind.JUNIOR)
        self.b = SchoolFactory(code="WB001", name="乙区育才初级中学", kind=SchoolKind.JUNIOR)
        self.users: dict[str, object] = {}
        for key, school in (("a", self.a), ("b", self.b)):
            for role in SCHOOL_ROLES:
                extra = {"grade": Grade.J1} if role == Role.GRADE_LEADER else {}
                self.users[f"{role}@{key}"] = make_member(role, school, **extra)
            teacher = self.users[f"{Role.CLASS_TEACHER}@{key}"]
            setattr(
                self,
                f"{key}7_1",
                SchoolClassFactory(
                    school=school, grade=Grade.J1, name="七年级（1）班", head_teacher=teacher
                ),
            )
            setattr(
                self,
                f"{key}7_2",
                SchoolClassFactory(school=school, grade=Grade.J1, name="七年级（2）班"),
            )
            setattr(
                self,
                f"{key}8_1",
                SchoolClassFactory(school=school, grade=Grade.J2, name="八年级（1）班"),
            )
        self.users[Role.BUREAU_ADMIN] = make_member(Role.BUREAU_ADMIN)
        self.users[Role.BUREAU_AUDITOR] = make_member(Role.BUREAU_AUDITOR)
        self.superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
        self.users["superuser"] = self.superuser
        self.nobody = UserFactory(username="nobody")
        self.users["nobody"] = self.nobody

        self.own = StudentFactory(school_class=self.a7_1, name="林小舟")
        self.same_grade = StudentFactory(school_class=self.a7_2, name="周远帆")
        self.other_grade = StudentFactory(school_class=self.a8_1, name="吴清禾")
        self.other_school = StudentFactory(school_class=self.b7_1, name="郑晓岚")

        # A plain teacher of A in the counselling group of one student.
        from schools.services import membership_sync_groups
        from screening.models import CaseMember

        self.case_member = make_member(Role.TEACHER, self.a)
        CaseMember.objects.create(
            student=self.own,
            user=self.case_member,
            added_by=self.user(Role.PSYCH_TEACHER),
            added_at=timezone.now(),
        )
        membership_sync_groups(user=self.case_member)
        self.users["case_member"] = self.case_member
        self._canonical = list(self.users)
        for alias, key in ALIASES.items():
            self.users[alias] = self.users[key]

        # Short names of school A's people, as the apps' tests speak of them.
        self.psych = self.user(Role.PSYCH_TEACHER)
        self.psych_b = self.user(Role.PSYCH_TEACHER, "b")
        self.leader = self.user(Role.SCHOOL_LEADER)
        self.school_admin = self.user(Role.SCHOOL_ADMIN)
        self.grade_leader = self.user(Role.GRADE_LEADER)
        self.class_teacher = self.a_head = self.user(Role.CLASS_TEACHER)
        self.teacher = self.user(Role.TEACHER)
        self.bureau_admin = self.users[Role.BUREAU_ADMIN]
        self.auditor = self.users[Role.BUREAU_AUDITOR]
        # The crisis e-mail goes to whoever has an address on file.
        for person, address in (
            (self.psych, "psych@example.cn"),
            (self.leader, "leader@example.cn"),
        ):
            person.email = address
            person.save(update_fields=["email"])
        # Classes and students under the names the schools tests use.
        self.a7, self.a8, self.b7 = self.a7_1, self.a8_1, self.b7_1
        self.a7_student, self.a8_student = self.own, self.other_grade
        self.b7_student = self.other_school

    @cached_property
    def round(self):
        """An open statutory screening round of school A (grades 7 and 8, PHQ-9 and GAD-7)."""
        from .screening.factories import make_round

        return make_round(self.a)

    @cached_property
    def a_facility(self):
        return FacilityFactory(school=self.a)

    @cached_property
    def b_facility(self):
        return FacilityFactory(school=self.b)

    def user(self, role: str, school: str = "a"):
        if role in (Role.BUREAU_ADMIN, Role.BUREAU_AUDITOR, "superuser", "nobody", "case_member"):
            return self.users[role]
        return self.users[f"{role}@{school}"]

    def everyone(self):
        """(label, user) for every kind of user the world holds."""
        return [(key, self.users[key]) for key in self._canonical]

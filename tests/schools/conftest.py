import pytest

from schools.vocab import Grade, Role
from tests.factories import (
    FacilityFactory,
    SchoolClassFactory,
    SchoolFactory,
    StudentFactory,
    UserFactory,
    make_member,
)


class World:
    """Two schools, each with two grades of classes, students, a facility and staff."""


@pytest.fixture
def world(db):
    w = World()
    w.a = SchoolFactory(name="甲校", code="A001", township="东城街道")
    w.b = SchoolFactory(name="乙校", code="B001", township="西山镇")
    w.a_head = UserFactory(username="a_head")
    w.a7 = SchoolClassFactory(school=w.a, grade=Grade.J1, name="七年级（1）班", head_teacher=None)
    w.a8 = SchoolClassFactory(school=w.a, grade=Grade.J2, name="八年级（1）班")
    w.b7 = SchoolClassFactory(school=w.b, grade=Grade.J1, name="七年级（1）班")
    w.a7_student = StudentFactory(school_class=w.a7, name="甲七学生")
    w.a8_student = StudentFactory(school_class=w.a8, name="甲八学生")
    w.b7_student = StudentFactory(school_class=w.b7, name="乙七学生")
    w.a_facility = FacilityFactory(school=w.a)
    w.b_facility = FacilityFactory(school=w.b)
    w.users = {
        "bureau_admin": make_member(Role.BUREAU_ADMIN),
        "bureau_auditor": make_member(Role.BUREAU_AUDITOR),
        "school_admin": make_member(Role.SCHOOL_ADMIN, w.a),
        "school_leader": make_member(Role.SCHOOL_LEADER, w.a),
        "psych_teacher": make_member(Role.PSYCH_TEACHER, w.a),
        "grade_leader": make_member(Role.GRADE_LEADER, w.a, grade=Grade.J1),
        "class_teacher": make_member(Role.CLASS_TEACHER, w.a, user=w.a_head),
        "teacher": make_member(Role.TEACHER, w.a),
        "b_admin": make_member(Role.SCHOOL_ADMIN, w.b),
    }
    w.a7.head_teacher = w.a_head
    w.a7.save()
    return w


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login

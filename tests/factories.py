"""Factories for test data. Every app's tests build on these."""

import datetime

import factory
from django.contrib.auth import get_user_model

from schools.models import Facility, Membership, School, SchoolClass, Student
from schools.vocab import Gender, Grade, PsychEmployment, Role, SchoolKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"教师{n}")
    password = factory.django.Password("xinyu-test-pass")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"第{n}实验学校")
    code = factory.Sequence(lambda n: f"S{n:04d}")
    kind = SchoolKind.NINE_YEAR
    township = "城关街道"


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    grade = Grade.J1
    name = factory.Sequence(lambda n: f"七年级（{n}）班")


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school_class = factory.SubFactory(SchoolClassFactory)
    school = factory.SelfAttribute("school_class.school")
    student_number = factory.Sequence(lambda n: f"2024{n:05d}")
    name = factory.Sequence(lambda n: f"学生{n}")
    gender = Gender.FEMALE
    birth_date = datetime.date(2012, 3, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.TEACHER
    active_from = datetime.date(2020, 9, 1)

    @factory.lazy_attribute
    def psych_employment(self):
        return PsychEmployment.FULL_TIME if self.role == Role.PSYCH_TEACHER else ""


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    school = factory.SubFactory(SchoolFactory)
    kind = Facility.Kind.COUNSELLING_ROOM


def make_member(role, school=None, **kwargs):
    """A user with one active membership; bureau roles get no school."""
    from schools.services import membership_sync_groups

    if role in (Role.BUREAU_ADMIN, Role.BUREAU_AUDITOR):
        school = None
    elif school is None:
        school = SchoolFactory()
    user = kwargs.pop("user", None) or UserFactory()
    MembershipFactory(user=user, school=school, role=role, **kwargs)
    membership_sync_groups(user=user)
    return user

"""Factories and helpers for duty tests."""

import datetime
import zoneinfo

import factory

from duty.models import DutyAssignment, DutyRole, IncidentCategory, IncidentReport
from tests.factories import SchoolFactory, UserFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(hour, minute=0, second=0, day=10):
    """A fixed Asia/Shanghai time on 2025-03-<day>."""
    return datetime.datetime(2025, 3, day, hour, minute, second, tzinfo=SH)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentReport

    school = factory.SubFactory(SchoolFactory)
    category = IncidentCategory.ACCIDENT
    discovered_at = factory.LazyFunction(lambda: at(10, 0))
    occurred_at = factory.LazyAttribute(lambda o: o.discovered_at - datetime.timedelta(minutes=10))
    place = "操场"
    first_facts = "课间一名学生在操场摔倒，右臂疼痛，已送校医室。"
    reporter = factory.SubFactory(UserFactory)
    created_at = factory.LazyAttribute(lambda o: o.discovered_at + datetime.timedelta(minutes=5))


class DutyAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyAssignment

    school = factory.SubFactory(SchoolFactory)
    date = datetime.date(2025, 3, 10)
    duty_role = DutyRole.LEADER
    person = factory.SubFactory(UserFactory, phone="13800000000")

"""Incidents name students of their own school; the student's archive shows them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from duty import selectors
from duty.services import incident_create
from schools.vocab import Role
from screening.selectors import student_timeline


def _create(world, numbers):
    now = timezone.now()
    return incident_create(
        user=world.user(Role.TEACHER),
        school=world.a,
        category="accident",
        occurred_at=now - datetime.timedelta(minutes=30),
        discovered_at=now - datetime.timedelta(minutes=20),
        place="操场",
        first_facts="课间摔倒",
        student_numbers=numbers,
        now=now,
    )


@pytest.mark.django_db
def test_a_student_of_another_school_is_refused_with_a_message(world):
    with pytest.raises(ValidationError) as caught:
        _create(world, [world.own.student_number, world.other_school.student_number])
    message = caught.value.message_dict["student_numbers"][0]
    assert world.other_school.student_number in message and "本校没有" in message


@pytest.mark.django_db
def test_the_incident_appears_in_the_students_archive_only(world):
    incident = _create(world, [world.own.student_number])
    assert list(selectors.incidents_involving(student=world.own)) == [incident]
    assert not selectors.incidents_involving(student=world.same_grade).exists()
    events = student_timeline(user=world.user(Role.PSYCH_TEACHER), student=world.own)
    assert [e.kind for e in events if e.kind == "incident"] == ["incident"]
    other = student_timeline(user=world.user(Role.PSYCH_TEACHER), student=world.same_grade)
    assert not [e for e in other if e.kind == "incident"]

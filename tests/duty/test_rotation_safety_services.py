"""The small duty services the demo and the back office share: rotation lines and safety checks."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from duty.models import DutyRole, DutyRotationSlot, SafetyCheck, SafetyCheckStatus
from duty.services import rotation_slot_add, safety_check_add, safety_check_check
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member

pytestmark = pytest.mark.django_db


def test_rotation_slot_add_needs_a_roster_manager_and_a_member_of_the_school():
    school, other = SchoolFactory(), SchoolFactory()
    leader = make_member(Role.SCHOOL_LEADER, school=school)
    teacher = make_member(Role.TEACHER, school=school)
    outsider = make_member(Role.TEACHER, school=other)
    slot = rotation_slot_add(
        by=leader, school=school, weekday=0, duty_role=DutyRole.CADRE, person=teacher
    )
    assert DutyRotationSlot.objects.get() == slot
    with pytest.raises(ValidationError) as refused:
        rotation_slot_add(
            by=leader, school=school, weekday=1, duty_role=DutyRole.CADRE, person=outsider
        )
    assert "person" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        rotation_slot_add(
            by=teacher, school=school, weekday=1, duty_role=DutyRole.CADRE, person=teacher
        )
    assert "school" in refused.value.message_dict
    assert DutyRotationSlot.objects.count() == 1


def test_safety_check_rules():
    today = timezone.localdate()
    safety_check_check(
        date=today, problems_found="", fix_deadline=None, status=SafetyCheckStatus.NO_PROBLEM
    )
    with pytest.raises(ValidationError) as refused:
        safety_check_check(
            date=today + datetime.timedelta(days=1),
            problems_found="护栏松动",
            fix_deadline=today - datetime.timedelta(days=1),
            status=SafetyCheckStatus.NO_PROBLEM,
        )
    assert set(refused.value.message_dict) == {"date", "status", "fix_deadline"}


def test_safety_check_add_is_scoped_and_checked():
    school = SchoolFactory()
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    teacher = make_member(Role.TEACHER, school=school)
    today = timezone.localdate()
    values = dict(
        school=school, date=today, inspector="学校安全工作领导小组", items_checked="消防器材"
    )
    with pytest.raises(ValidationError):
        safety_check_add(by=teacher, **values)
    with pytest.raises(ValidationError):
        safety_check_add(by=admin, **values, problems_found="灭火器过期")  # no deadline
    check = safety_check_add(by=admin, **values)
    assert SafetyCheck.objects.get() == check

"""The small duty services the demo and the back office share: rotation lines and safety checks."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from duty.models import DutyRole, DutyRotationSlot, SafetyCheck, SafetyCheckStatus
from duty.services import rotation_slot_add, safety_check_add, safety_check_check
from schools.vocab import Grade, Role
from tests.factories import SchoolFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def test_rotation_slot_add_needs_a_roster_manager_and_a_member_of_the_school():
    school, other = SchoolFactory(), SchoolFactory()
    leader = make_member(Role.SCHOOL_LEADER, school=school, user=UserFactory(phone="13900000001"))
    cadre = make_member(
        Role.GRADE_LEADER, school=school, grade=Grade.J1, user=UserFactory(phone="13900000002")
    )
    teacher = make_member(Role.TEACHER, school=school, user=UserFactory(phone="13900000003"))
    outsider = make_member(Role.TEACHER, school=other)
    slot = rotation_slot_add(
        by=leader, school=school, weekday=0, duty_role=DutyRole.CADRE, person=cadre
    )
    assert DutyRotationSlot.objects.get() == slot
    assert slot.phone == "13900000002"  # the staff record's
    # A plain teacher is no middle-level cadre; a grade leader does not lead the day.
    with pytest.raises(ValidationError) as refused:
        rotation_slot_add(
            by=leader, school=school, weekday=1, duty_role=DutyRole.CADRE, person=teacher
        )
    assert "值班干部须由中层干部" in refused.value.message_dict["person"][0]
    with pytest.raises(ValidationError) as refused:
        rotation_slot_add(
            by=leader, school=school, weekday=1, duty_role=DutyRole.LEADER, person=cadre
        )
    assert "带班领导须由学校领导担任" in refused.value.message_dict["person"][0]
    # A leader without a mobile on the staff record has no duty phone.
    bare = make_member(Role.SCHOOL_LEADER, school=school)
    with pytest.raises(ValidationError) as refused:
        rotation_slot_add(
            by=leader, school=school, weekday=2, duty_role=DutyRole.LEADER, person=bare
        )
    assert "没有在教职工档案中登记手机号码" in refused.value.message_dict["person"][0]
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

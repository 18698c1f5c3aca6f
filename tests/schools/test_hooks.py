"""``schools.hooks``: what screening and resources add to a change of someone's roles, now
that schools no longer calls them directly (it imports no feature app).

The behaviour is the direct calls' behaviour: a counselling-group member opens the back
office (screening), school admins and leaders get their school's document group, by a
membership change and by a staff import (resources), and a failing hook rolls the change
back.
"""

import datetime

import pytest
from django.contrib.auth.models import Group

from resources.services import school_editor_groups, school_editors_sync
from schools import access, hooks
from schools.imports import staff_import, table_read
from schools.models import Membership
from schools.services import (
    GROUP_BACK_OFFICE,
    membership_save,
    membership_sync_groups,
    staff_member_add,
)
from schools.vocab import Role
from screening.models import CaseMember
from screening.selectors import case_student_ids
from tests.factories import SchoolFactory, StudentFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _groups(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_screening_and_resources_register_at_start_up():
    assert case_student_ids in access._group_students
    assert school_editors_sync in hooks._MEMBERSHIP_SYNCS
    assert school_editor_groups in hooks._SCHOOL_ROLE_GROUPS


def test_registering_twice_registers_once():
    before = list(hooks._MEMBERSHIP_SYNCS)
    hooks.register_membership_sync(school_editors_sync)
    assert hooks._MEMBERSHIP_SYNCS == before


def test_a_school_leader_gets_the_schools_document_group_and_loses_it_with_the_role():
    school = SchoolFactory(code="H001")
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    membership, _password = staff_member_add(
        by=admin,
        school=school,
        username="leader1",
        real_name="领导甲",
        role=Role.SCHOOL_LEADER,
        active_from=datetime.date(2020, 9, 1),
    )
    leader = membership.user
    assert {GROUP_BACK_OFFICE, "学校资料·H001"} <= _groups(leader)
    membership.active_to = datetime.date.today() - datetime.timedelta(days=1)
    membership_save(membership=membership)
    assert "学校资料·H001" not in _groups(leader)
    assert GROUP_BACK_OFFICE not in _groups(leader)


def test_a_plain_teacher_gets_the_back_office_only_while_in_a_counselling_group():
    school = SchoolFactory()
    teacher = make_member(Role.TEACHER, school=school)
    assert GROUP_BACK_OFFICE not in _groups(teacher)
    case = CaseMember.objects.create(
        student=StudentFactory(school_class__school=school), user=teacher, added_by=teacher
    )
    membership_sync_groups(user=teacher)
    assert GROUP_BACK_OFFICE in _groups(teacher)
    assert not any(name.startswith("学校资料·") for name in _groups(teacher))
    case.removed_at = case.added_at
    case.save()
    membership_sync_groups(user=teacher)
    assert GROUP_BACK_OFFICE not in _groups(teacher)


def test_a_staff_import_puts_new_admins_and_leaders_in_the_document_group():
    school = SchoolFactory(code="H002")
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    data = (
        "用户名,姓名,手机,角色,分管年级,专兼职\nleader2,领导乙,,学校领导,,\nplain2,教师乙,,教师,,\n"
    ).encode()
    staff_import(by=admin, school=school, table=table_read(name="s.csv", data=data))
    leader = UserFactory._meta.model.objects.get(username="leader2")
    plain = UserFactory._meta.model.objects.get(username="plain2")
    assert {GROUP_BACK_OFFICE, "学校资料·H002"} <= _groups(leader)
    assert _groups(plain) == set()


def test_a_file_without_admins_or_leaders_creates_no_document_group():
    school = SchoolFactory(code="H003")
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    Group.objects.filter(name="学校资料·H003").delete()
    assert hooks.school_role_groups(school=school, roles={Role.TEACHER}) == {}
    assert not Group.objects.filter(name="学校资料·H003").exists()
    groups = hooks.school_role_groups(school=school, roles={Role.SCHOOL_LEADER, Role.TEACHER})
    assert [g.name for g in groups[Role.SCHOOL_LEADER]] == ["学校资料·H003"]
    assert admin  # the admin's own sync made the group before it was deleted above


def test_a_failing_hook_rolls_the_membership_change_back(monkeypatch):
    school = SchoolFactory()
    user = UserFactory()

    def broken(*, user):
        raise RuntimeError("hook failed")

    monkeypatch.setattr(hooks, "_MEMBERSHIP_SYNCS", [*hooks._MEMBERSHIP_SYNCS, broken])
    with pytest.raises(RuntimeError):
        membership_save(membership=Membership(user=user, school=school, role=Role.SCHOOL_ADMIN))
    assert not Membership.objects.filter(user=user).exists()
    assert _groups(user) == set()

"""Adding and editing staff: accounts created once, roles limited to what the adder may grant."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from schools.models import Membership
from schools.services import GROUP_BACK_OFFICE, staff_member_add
from schools.vocab import Grade, Role

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_school_admin_adds_new_staff_member_with_initial_password(world, login):
    client = login(world.users["school_admin"])
    response = client.post(
        reverse("schools_staff:add"),
        {
            "username": "wangfang",
            "real_name": "王芳",
            "phone": "13800001111",
            "school": world.a.pk,
            "role": Role.GRADE_LEADER,
            "grade": Grade.J2,
            "active_from": "2024-09-01",
        },
        follow=True,
    )
    assert response.status_code == 200
    user = User.objects.get(username="wangfang")
    assert user.real_name == "王芳"
    membership = Membership.objects.get(user=user)
    assert (membership.school, membership.role, membership.grade) == (
        world.a,
        Role.GRADE_LEADER,
        Grade.J2,
    )
    assert user.groups.filter(name=GROUP_BACK_OFFICE).exists()
    text = response.content.decode()
    assert "初始密码" in text
    password = text.split("初始密码：")[1].split("（")[0]
    assert user.check_password(password)


def test_existing_user_is_linked_not_recreated(world, login):
    client = login(world.users["school_admin"])
    existing = world.users["b_admin"]
    response = client.post(
        reverse("schools_staff:add"),
        {
            "username": existing.username,
            "real_name": "另一个名字",
            "school": world.a.pk,
            "role": Role.TEACHER,
            "active_from": "2024-09-01",
        },
        follow=True,
    )
    assert "初始密码" not in response.content.decode()
    existing.refresh_from_db()
    assert existing.real_name != "另一个名字"
    assert Membership.objects.filter(user=existing, school=world.a, role=Role.TEACHER).exists()


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.BUREAU_AUDITOR])
def test_school_admin_cannot_grant_bureau_roles(world, login, role):
    client = login(world.users["school_admin"])
    form = client.get(reverse("schools_staff:add")).content.decode()
    assert f'value="{role}"' not in form
    client.post(
        reverse("schools_staff:add"),
        {"username": "sneaky", "real_name": "某人", "role": role, "active_from": "2024-09-01"},
    )
    assert not User.objects.filter(username="sneaky").exists()
    with pytest.raises(ValidationError):
        staff_member_add(
            by=world.users["school_admin"],
            school=None,
            username="sneaky",
            real_name="某",
            role=role,
        )
    assert not User.objects.filter(username="sneaky").exists()


def test_school_admin_cannot_add_staff_at_another_school(world, login):
    client = login(world.users["school_admin"])
    response = client.post(
        reverse("schools_staff:add"),
        {
            "username": "elsewhere",
            "real_name": "某人",
            "school": world.b.pk,
            "role": Role.TEACHER,
            "active_from": "2024-09-01",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="elsewhere").exists()
    with pytest.raises(ValidationError) as exc:
        staff_member_add(
            by=world.users["school_admin"],
            school=world.b,
            username="elsewhere",
            real_name="某",
            role=Role.TEACHER,
        )
    assert "您不能管理这所学校的教职工" in str(exc.value)
    assert not User.objects.filter(username="elsewhere").exists()


def test_school_admin_cannot_promote_staff_to_bureau_role(world, login):
    client = login(world.users["school_admin"])
    membership = Membership.objects.get(user=world.users["teacher"])
    client.post(
        reverse("schools_staff:edit", args=[membership.pk]),
        {"role": Role.BUREAU_ADMIN, "active_from": "2020-09-01"},
    )
    membership.refresh_from_db()
    assert membership.role == Role.TEACHER


def test_ending_a_role_removes_back_office_access(world, login):
    client = login(world.users["school_admin"])
    leader = world.users["school_leader"]
    membership = Membership.objects.get(user=leader)
    response = client.post(
        reverse("schools_staff:edit", args=[membership.pk]),
        {"role": Role.SCHOOL_LEADER, "active_from": "2020-09-01", "active_to": "2021-07-01"},
    )
    assert response.status_code == 302
    assert not leader.groups.filter(name=GROUP_BACK_OFFICE).exists()


def test_staff_listing_is_scoped(world, login):
    client = login(world.users["school_admin"])
    content = client.get(reverse("schools_staff:index")).content.decode()
    assert world.users["teacher"].username in content
    assert world.users["b_admin"].username not in content
    other = Membership.objects.get(user=world.users["b_admin"])
    assert client.get(reverse("schools_staff:edit", args=[other.pk])).status_code == 404
    bureau = login(world.users["bureau_admin"])
    assert (
        world.users["b_admin"].username
        in bureau.get(reverse("schools_staff:index")).content.decode()
    )


def test_bureau_admin_may_create_bureau_auditor(world):
    membership, password = staff_member_add(
        by=world.users["bureau_admin"],
        school=None,
        username="auditor2",
        real_name="审计员二",
        role=Role.BUREAU_AUDITOR,
    )
    assert membership.school is None and password

import datetime

import pytest
from django.utils import timezone

from courses.models import HoursTarget, TrainingFormat, TrainingSession
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member

from .factories import make_module, make_session, set_targets

pytestmark = pytest.mark.django_db


def test_menu_renders_for_each_role(client, home):
    for role in (Role.BUREAU_ADMIN, Role.BUREAU_AUDITOR, Role.SCHOOL_ADMIN, Role.PSYCH_TEACHER):
        client.force_login(make_member(role))
        response = client.get("/admin/")
        assert response.status_code == 200, role
        body = response.content.decode()
        assert "/admin/training/" in body, role


def test_targets_set_by_bureau_only(client, db):
    set_targets(teacher=6)
    client.force_login(make_member(Role.SCHOOL_ADMIN))
    assert client.get("/admin/training/targets/").status_code == 200
    denied = client.post(
        "/admin/training/targets/new/", {"year": 2030, "role": "teacher", "hours": "8"}
    )
    assert denied.status_code in (302, 403)
    assert not HoursTarget.objects.filter(year=2030).exists()
    client.force_login(make_member(Role.BUREAU_ADMIN))
    created = client.post(
        "/admin/training/targets/new/", {"year": 2030, "role": "teacher", "hours": "8"}
    )
    assert created.status_code == 302
    assert HoursTarget.objects.get(year=2030).hours == 8


def test_school_admin_sessions_are_scoped(client, home):
    module = make_module(home, fmt=TrainingFormat.LECTURE)
    school_a, school_b = SchoolFactory(), SchoolFactory()
    admin = make_member(Role.SCHOOL_ADMIN, school=school_a)
    other = make_session(module, school=school_b)
    own = make_session(module, school=school_a)
    client.force_login(admin)
    index = client.get("/admin/training/sessions/").content.decode()
    assert f"/admin/training/sessions/edit/{own.pk}/" in index
    assert f"/admin/training/sessions/edit/{other.pk}/" not in index
    assert client.get(f"/admin/training/sessions/edit/{other.pk}/").status_code == 404
    start = timezone.localtime() + datetime.timedelta(days=7)
    data = {
        "module": module.pk,
        "title": "",
        "school": school_b.pk,
        "starts_at": start.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "place": "学校报告厅",
        "trainer": "李老师",
        "capacity": 40,
    }
    refused = client.post("/admin/training/sessions/new/", data)
    assert refused.status_code == 200  # form redisplayed with an error
    assert not TrainingSession.objects.filter(place="学校报告厅").exists()
    data["school"] = school_a.pk
    created = client.post("/admin/training/sessions/new/", data)
    assert created.status_code == 302
    assert TrainingSession.objects.get(place="学校报告厅").school == school_a

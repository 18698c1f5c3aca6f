import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from courses.models import HoursEntry, SessionRegistration, TrainingFormat
from courses.training import services as svc
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member

from .factories import make_module, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(home):
    school_a, school_b = SchoolFactory(), SchoolFactory()
    return {
        "module": make_module(home, fmt=TrainingFormat.LECTURE, hours="3"),
        "a": school_a,
        "b": school_b,
        "admin_a": make_member(Role.SCHOOL_ADMIN, school=school_a),
        "teacher_a": make_member(Role.TEACHER, school=school_a),
        "teacher_a2": make_member(Role.CLASS_TEACHER, school=school_a),
        "teacher_b": make_member(Role.TEACHER, school=school_b),
    }


def _sheet(*usernames, header="用户名"):
    book = Workbook()
    sheet = book.active
    sheet.append([header, "姓名"])
    for name in usernames:
        sheet.append([name, ""])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "签到表.xlsx"  # an upload from a browser always carries its file name
    return buffer


def test_register_capacity_and_school_only_sessions(world):
    upcoming = make_session(world["module"], days=3, capacity=1)
    svc.session_register(teacher=world["teacher_a"], session=upcoming)
    with pytest.raises(ValidationError, match="已报名"):
        svc.session_register(teacher=world["teacher_a"], session=upcoming)
    with pytest.raises(ValidationError, match="名额已满"):
        svc.session_register(teacher=world["teacher_b"], session=upcoming)
    school_only = make_session(world["module"], school=world["a"], days=3)
    with pytest.raises(ValidationError, match="仅限本校"):
        svc.session_register(teacher=world["teacher_b"], session=school_only)
    past = make_session(world["module"], days=-2)
    with pytest.raises(ValidationError, match="不能报名"):
        svc.session_register(teacher=world["teacher_a"], session=past)
    assert SessionRegistration.objects.count() == 1


def test_register_from_learner_area_and_download_ics(client, world):
    session = make_session(world["module"], days=5)
    client.force_login(world["teacher_a"])
    listing = client.get("/me/training/sessions/")
    assert session.display_title in listing.content.decode()
    client.post(f"/me/training/sessions/{session.pk}/register/")
    assert SessionRegistration.objects.filter(teacher=world["teacher_a"]).exists()
    ics = client.get(f"/me/training/sessions/{session.pk}/calendar.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    assert "BEGIN:VEVENT" in text and "LOCATION:市教师发展中心报告厅" in text
    # Someone not registered gets no calendar file.
    client.force_login(world["teacher_b"])
    assert client.get(f"/me/training/sessions/{session.pk}/calendar.ics").status_code == 404


def test_attendance_credits_own_staff(world):
    session = make_session(world["module"])
    entries = svc.attendance_record(
        session=session,
        teachers=[world["teacher_a"], world["teacher_a2"]],
        recorded_by=world["admin_a"],
    )
    assert len(entries) == 2
    assert {e.hours for e in entries} == {Decimal("3")}
    assert all(e.school == world["a"] and e.recorded_by == world["admin_a"] for e in entries)
    with pytest.raises(ValidationError, match="已登记过"):
        svc.attendance_record(
            session=session, teachers=[world["teacher_a"]], recorded_by=world["admin_a"]
        )


def test_attendance_for_other_schools_teacher_is_refused_and_writes_nothing(world):
    session = make_session(world["module"])
    with pytest.raises(ValidationError) as exc:
        svc.attendance_record(
            session=session,
            teachers=[world["teacher_a"], world["teacher_b"]],
            recorded_by=world["admin_a"],
        )
    assert world["teacher_b"].real_name in str(exc.value)
    assert not HoursEntry.objects.exists()


def test_spreadsheet_attendance(world):
    session = make_session(world["module"])
    with pytest.raises(ValidationError, match="第 3 行“用户名”：找不到用户名为“nobody”"):
        svc.attendance_import(
            session=session,
            upload=_sheet(world["teacher_a"].username, "nobody"),
            recorded_by=world["admin_a"],
        )
    assert not HoursEntry.objects.exists()
    with pytest.raises(ValidationError, match="用户名"):
        svc.attendance_import(
            session=session, upload=_sheet("x", header="姓名x"), recorded_by=world["admin_a"]
        )
    entries = svc.attendance_import(
        session=session,
        upload=_sheet(world["teacher_a"].username, world["teacher_a2"].username),
        recorded_by=world["admin_a"],
    )
    assert len(entries) == 2


def test_attendance_admin_views_are_scoped(client, world):
    session_b = make_session(world["module"], school=world["b"])
    session_city = make_session(world["module"])
    client.force_login(world["admin_a"])
    assert client.get("/admin/training/attendance/").status_code == 200
    assert client.get(f"/admin/training/attendance/{session_b.pk}/").status_code == 404
    page = client.get(f"/admin/training/attendance/{session_city.pk}/")
    body = page.content.decode()
    assert world["teacher_a"].real_name in body and world["teacher_b"].real_name not in body
    refused = client.post(
        f"/admin/training/attendance/{session_city.pk}/", {"teacher": [world["teacher_b"].pk]}
    )
    assert refused.status_code == 400 and not HoursEntry.objects.exists()
    ok = client.post(
        f"/admin/training/attendance/{session_city.pk}/", {"teacher": [world["teacher_a"].pk]}
    )
    assert ok.status_code == 302
    assert HoursEntry.objects.get().teacher == world["teacher_a"]
    client.force_login(world["teacher_a"])
    assert client.get("/admin/training/attendance/").status_code in (302, 403)

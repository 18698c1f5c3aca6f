"""The bureau manages schools, not children: bureau roles see students only as counts, and
the menu entry shows exactly when the page opens (issue 12, item 7)."""

import pytest
from django.test import Client
from django.urls import reverse

from portal import spreadsheets
from schools import imports
from schools.models import AccessLog, Student

from .test_imports import GOOD_STUDENTS, STUDENT_HEADER, upload, xlsx

pytestmark = pytest.mark.django_db

ROLES = [
    "bureau_admin",
    "bureau_auditor",
    "school_admin",
    "school_leader",
    "psych_teacher",
    "grade_leader",
    "class_teacher",
]


def _client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["bureau_admin", "bureau_auditor"])
def test_bureau_opens_no_student_record(world, role):
    client = _client(world.users[role])
    student = world.a7_student
    student.student_number = "S20260077"
    student.save()
    before = AccessLog.objects.filter(allowed=False).count()
    urls = [
        reverse("schools_student:index"),
        reverse("schools_student:index") + "?export=csv",
        reverse("schools_student:index") + "?export=xlsx",
        reverse("schools_student:inspect", args=[student.pk]),
        reverse("schools_student:edit", args=[student.pk]),
        reverse("schools_student:add"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode()
        assert student.name not in body and student.student_number not in body, url
    assert AccessLog.objects.filter(allowed=False).count() == before + len(urls)
    response = client.post(reverse("schools_student:edit", args=[student.pk]), {"name": "改名"})
    assert response.status_code == 403
    student.refresh_from_db()
    assert student.name == "甲七学生"


def test_bureau_admin_cannot_import_students(world):
    client = _client(world.users["bureau_admin"])
    form = client.get(reverse("schools_import:index")).content.decode()
    assert 'value="students"' not in form and 'value="staff"' in form
    client = Client()
    client.force_login(world.users["bureau_admin"])
    upload(client, "students", world.a, "s.xlsx", xlsx([STUDENT_HEADER, *GOOD_STUDENTS]))
    assert not Student.objects.filter(student_number="S001").exists()
    table = imports.table_read(name="s.xlsx", data=xlsx([STUDENT_HEADER, *GOOD_STUDENTS]))
    with pytest.raises(spreadsheets.ImportRejected):
        imports.student_import(by=world.users["bureau_admin"], school=world.a, table=table)


@pytest.mark.parametrize("role", ROLES)
def test_student_menu_shown_exactly_when_the_list_opens(world, role):
    client = _client(world.users[role])
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    listing = client.get(reverse("schools_student:index"))
    in_menu = reverse("schools_student:index") in home
    assert in_menu == (listing.status_code == 200), (role, in_menu, listing.status_code)
    assert in_menu == (role not in ("bureau_admin", "bureau_auditor"))


def test_school_admin_still_edits_own_students(world):
    client = _client(world.users["school_admin"])
    page = client.get(reverse("schools_student:edit", args=[world.a7_student.pk]))
    assert page.status_code == 200 and "甲七学生" in page.content.decode()

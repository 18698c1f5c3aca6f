"""Issue 12, item 5: every view, listing, export and denial of a student or incident record
leaves an access-log line, whatever the app; the log viewer filters by person, student,
action and date, pages past the last 300 lines, and the auditor (only) exports it."""

import datetime
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from duty.models import IncidentReport
from schools.audit import access_log_record
from schools.models import AccessLog
from schools.vocab import Role
from tests.exports import csv_text, download, export_job
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _new_lines(before):
    return list(AccessLog.objects.filter(pk__gt=before).order_by("pk"))


def _last_pk():
    return AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- the student list and its exports ------------------------------------------------------------


def test_listing_students_leaves_one_line_with_the_number_shown(world):
    client = _client(world.users["school_admin"])
    before = _last_pk()
    response = client.get(reverse("schools_student:index"))
    assert response.status_code == 200 and "甲七学生" in response.content.decode()
    [line] = _new_lines(before)
    assert (line.user, line.action, line.object_type, line.allowed) == (
        world.users["school_admin"],
        "list",
        "schools.student",
        True,
    )
    assert (line.count, line.school) == (2, world.a)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exporting_students_is_logged_and_written_by_the_safe_writer(world, fmt):
    world.a8_student.name = "=HYPERLINK(1)"
    world.a8_student.save()
    client = _client(world.users["school_admin"])
    before = _last_pk()
    response = client.get(reverse("schools_student:index"), {"export": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        text = body.decode("utf-8")
        assert text.startswith("\ufeff学号,姓名,班级,性别,学校")
        assert "'=HYPERLINK(1)" in text and "乙七学生" not in text
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        values = [cell.value for row in sheet.iter_rows() for cell in row]
        assert values[:5] == ["学号", "姓名", "班级", "性别", "学校"]
        assert "'=HYPERLINK(1)" in values and "乙七学生" not in values
        assert "attachment" in response["Content-Disposition"]
    [line] = _new_lines(before)
    assert (line.action, line.object_type, line.object_id, line.count) == (
        "export",
        "schools.student",
        fmt,
        2,
    )


def test_a_listing_without_declared_export_columns_exports_nothing(world):
    """``?export=`` on a listing that declares no export is the ordinary page (Wagtail's own
    writer would have sent one empty row per class)."""
    client = _client(world.users["school_admin"])
    response = client.get(reverse("schools_class:index"), {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_every_reader_role_listing_students_is_logged(world):
    for role in ("school_leader", "psych_teacher", "grade_leader", "class_teacher"):
        before = _last_pk()
        assert _client(world.users[role]).get(reverse("schools_student:index")).status_code == 200
        [line] = _new_lines(before)
        assert (line.user, line.action) == (world.users[role], "list"), role


# --- denials at Wagtail's admin gate, outside /admin/screening/ ------------------------------------


def test_a_user_without_back_office_turned_away_from_student_urls_leaves_a_line(world):
    teacher = world.users["teacher"]
    client = _client(teacher)
    student = world.a7_student
    urls = [
        reverse("schools_student:index"),
        reverse("schools_student:index") + "?export=csv",
        reverse("schools_student:inspect", args=[student.pk]),
        reverse("schools_student:edit", args=[student.pk]),
    ]
    for url in urls:
        before = _last_pk()
        response = client.get(url)
        assert response.status_code == 302, url
        assert student.name not in response.content.decode()
        [line] = _new_lines(before)
        assert (line.user, line.action, line.allowed) == (teacher, "denied", False), url
    line = AccessLog.objects.filter(user=teacher, object_type="schools_student.inspect").get()
    assert (line.object_id, line.student_pk) == (str(student.pk), student.pk)


def test_a_user_without_back_office_turned_away_from_incident_urls_leaves_a_line(world):
    from tests.duty.factories import IncidentFactory

    incident = IncidentFactory(school=world.a)
    teacher = world.users["teacher"]
    client = _client(teacher)
    for url in (
        reverse("duty_admin:incidents"),
        reverse("duty_admin:incident_export"),
        reverse("duty_admin:incident_detail", args=[incident.pk]),
        reverse("duty_admin:incident_print", args=[incident.pk]),
    ):
        before = _last_pk()
        assert client.get(url).status_code == 302, url
        [line] = _new_lines(before)
        assert (line.user, line.action, line.allowed) == (teacher, "denied", False), url
    line = AccessLog.objects.get(user=teacher, object_type="duty_admin.incident_detail")
    assert line.object_id == str(incident.pk) and line.student_pk is None


# --- incident listings ------------------------------------------------------------------------------


def test_the_incident_inbox_and_my_incidents_are_logged(world):
    from tests.duty.factories import IncidentFactory

    leader = world.users["school_leader"]
    IncidentFactory(school=world.a, reporter=leader)
    client = _client(leader)
    before = _last_pk()
    assert client.get(reverse("duty_admin:incidents")).status_code == 200
    [line] = _new_lines(before)
    assert (line.action, line.object_type, line.count) == ("list", "duty.incidentreport", 1)
    before = _last_pk()
    assert client.get(reverse("duty:my_incidents")).status_code == 200
    [line] = _new_lines(before)
    assert (line.action, line.object_type, line.count) == ("list-own", "duty.incidentreport", 1)
    assert IncidentReport.objects.count() == 1


# --- the log viewer: filters, pages, export -----------------------------------------------------------


@pytest.fixture
def log_lines(world):
    """A psych teacher (心理老师甲) who opened 甲七学生's record, a snooper refused another's."""
    psych = world.users["psych_teacher"]
    psych.real_name = "心理老师甲"
    psych.save()
    student = world.a7_student
    student.student_number = "S7001"
    student.save()
    snooper = UserFactory(username="snooper", real_name="窥探者")
    access_log_record(
        user=psych,
        action="view",
        object_type="schools.student",
        object_id=student.pk,
        school=world.a,
    )
    access_log_record(
        user=psych,
        action="view",
        object_type="screening.warning",
        object_id="55",
        school=world.a,
        student=student,
    )
    access_log_record(
        user=snooper,
        action="view-denied",
        object_type="schools.student",
        object_id=world.b7_student.pk,
        allowed=False,
    )
    old = access_log_record(user=snooper, action="list", object_type="schools.student")
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=40))
    return {"psych": psych, "snooper": snooper, "student": student}


def _listed(client, **params):
    response = client.get(reverse("schools_access_log:index"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_log_viewer_filters_by_person_student_action_and_date(world, log_lines):
    client = _client(world.users["bureau_auditor"])
    text = _listed(client, person="心理老师")
    assert "心理老师甲" in text and "窥探者" not in text
    text = _listed(client, person="snoop")
    assert "窥探者" in text and "心理老师甲" not in text
    # By student: name or 学号 find both of the student's lines, and only those.
    for key in ("甲七学生", "S7001", f"#{log_lines['student'].pk}"):
        text = _listed(client, student=key)
        assert "screening.warning" in text and "心理老师甲" in text and "窥探者" not in text, key
    assert "心理老师甲" not in _listed(client, student="乙七学生")
    assert "窥探者" in _listed(client, student="乙七学生")
    text = _listed(client, action="view-denied")
    assert "窥探者" in text and "心理老师甲" not in text
    text = _listed(client, area="screening")
    assert "screening.warning" in text and "窥探者" not in text
    today = timezone.localdate()
    old_day = today - datetime.timedelta(days=40)
    text = _listed(client, at_from=old_day.isoformat(), at_to=old_day.isoformat())
    assert "窥探者" in text and "心理老师甲" not in text
    text = _listed(client, at_from=today.isoformat())
    assert "心理老师甲" in text


def test_the_log_viewer_pages_past_300_lines_and_logs_itself(world):
    user = UserFactory(username="oldest_reader", real_name="最早的读者")
    first = access_log_record(user=user, action="view", object_type="schools.student")
    AccessLog.objects.filter(pk=first.pk).update(at=timezone.now() - datetime.timedelta(days=3))
    reader = UserFactory(username="busy")
    AccessLog.objects.bulk_create(
        AccessLog(user=reader, action="view", object_type="schools.student") for _ in range(320)
    )
    auditor = world.users["bureau_auditor"]
    client = _client(auditor)
    assert "最早的读者" not in _listed(client)
    before = _last_pk()
    # 50 a page: 320 lines, the oldest and the first listing's own line make 7 pages.
    assert "最早的读者" in _listed(client, p=7)
    [line] = _new_lines(before)
    assert (line.user, line.action, line.object_type, line.count) == (
        auditor,
        "list",
        "schools.accesslog",
        22,
    )


def test_the_screening_log_viewer_filters_and_pages_past_300(world):
    leader = world.users["school_leader"]
    user = UserFactory(username="oldest_reader", real_name="最早的读者")
    first = access_log_record(
        user=user, action="view", object_type="screening.archive", object_id=1, school=world.a
    )
    AccessLog.objects.filter(pk=first.pk).update(at=timezone.now() - datetime.timedelta(days=3))
    reader = UserFactory(username="busy")
    AccessLog.objects.bulk_create(
        AccessLog(user=reader, action="view", object_type="screening.archive", school=world.a)
        for _ in range(320)
    )
    client = _client(leader)
    url = reverse("screening:access_log")
    assert "最早的读者" not in client.get(url).content.decode()
    assert "最早的读者" in client.get(url, {"p": 7}).content.decode()
    text = client.get(url, {"person": "oldest"}).content.decode()
    assert "最早的读者" in text and "共 1 条" in text
    # A school leader is no auditor: no export link.
    assert "export=xlsx" not in client.get(url).content.decode()


def test_only_the_auditor_exports_the_log_and_the_export_is_logged(world, log_lines):
    url = reverse("schools_access_log:index")
    admin = world.users["bureau_admin"]
    before = _last_pk()
    response = _client(admin).get(url, {"export": "xlsx"})
    assert response.status_code == 403
    [line] = _new_lines(before)
    assert (line.user, line.action, line.allowed) == (admin, "export-denied", False)
    assert "export=xlsx" not in _client(admin).get(url).content.decode()

    auditor = world.users["bureau_auditor"]
    client = _client(auditor)
    page = client.get(url).content.decode()
    assert "export=xlsx" in page and "export=csv" in page
    before = _last_pk()
    # The listing's export links open the background export's form with the filters.
    response = client.get(url, {"export": "xlsx", "person": "心理老师", "at_from": "2020-01-01"})
    assert response.status_code == 302
    assert response["Location"] == (
        "/admin/exports/new/access-log/?person=%E5%BF%83%E7%90%86%E8%80%81%E5%B8%88"
        "&format=xlsx&start=2020-01-01"
    )
    job = export_job(client, "access-log", {"format": "xlsx", "person": "心理老师"})
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, job))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["时间", "用户名", "姓名"]
    assert len(rows) == 3 and {r[2] for r in rows[1:]} == {"心理老师甲"}
    assert all(r[6] == log_lines["student"].pk for r in rows[1:])  # the student's id
    [line] = _new_lines(before)
    assert (line.user, line.action, line.object_type, line.object_id, line.count) == (
        auditor,
        "export",
        "schools.accesslog",
        str(job.pk),
        2,
    )
    text = csv_text(download(client, export_job(client, "access-log", {"student": "S7001"})))
    assert text.count("\n") == 3 and "心理老师甲" in text
    # Another bureau user may not start it (the auditor's task only).
    assert _client(admin).get("/admin/exports/new/access-log/").status_code == 403


def test_the_screening_log_offers_the_auditor_its_export(world):
    auditor = world.users["bureau_auditor"]
    page = _client(auditor).get(reverse("screening:access_log")).content.decode()
    assert "area=screening" in page and "export=xlsx" in page


def test_lines_about_a_student_name_the_student_whatever_the_app(world):
    """Student lines carry the student's id for the viewer's student filter, never content."""
    from tests.duty.factories import IncidentFactory

    incident = IncidentFactory(school=world.a)
    incident.students.set([world.a7_student])
    admin = make_member(Role.SCHOOL_ADMIN, world.a)
    client = _client(admin)
    client.get(reverse("duty_admin:incident_detail", args=[incident.pk]))
    client.get(reverse("schools_student:inspect", args=[world.a7_student.pk]))
    lines = AccessLog.objects.filter(student_pk=world.a7_student.pk)
    assert {(x.action, x.object_type) for x in lines} == {
        ("incident-view", "schools.student"),
        ("view", "schools.student"),
    }
    assert "甲七学生" not in "".join(str(x) for x in AccessLog.objects.values_list())


def test_the_concern_form_listing_the_class_is_logged(world):
    """The form's student list is a listing of names: it leaves a line too."""
    teacher = world.users["class_teacher"]
    client = _client(teacher)
    before = _last_pk()
    response = client.get(reverse("screening:concern"))
    assert response.status_code == 200 and "甲七学生" in response.content.decode()
    [line] = _new_lines(before)
    assert (line.user, line.action, line.object_type, line.count) == (
        teacher,
        "list",
        "screening.concern",
        1,
    )

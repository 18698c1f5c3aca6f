"""A large staff file imports through the background task, with progress, without hashing a
password per row and without holding the write lock while it checks; a small one inline."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools import imports
from schools.models import AccessLog, Membership, StaffImportJob
from schools.vocab import Role

User = get_user_model()
ROWS = 3000


def staff_csv(count, *, start=0):
    lines = ["用户名,姓名,手机,角色,分管年级,专兼职"]
    roles = ["教师", "班主任", "心理健康教育教师", "学校领导"]
    for n in range(start, start + count):
        role = roles[n % len(roles)]
        lines.append(f"t{n:05d},教师{n},,{role},,{'兼职' if role.startswith('心理') else ''}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_large_staff_file_goes_through_the_task_with_progress(world, login, monkeypatch):
    seen = []
    original = imports.staff_import_check

    def watched(**kwargs):
        report = kwargs["progress"]

        def progress(checked):
            report(checked)
            # What the progress page would read at this moment.
            job = StaffImportJob.objects.get()
            seen.append((job.status, job.checked, User.objects.filter(username="t00000").exists()))

        return original(**{**kwargs, "progress": progress})

    monkeypatch.setattr(imports, "staff_import_check", watched)
    hashed = []
    monkeypatch.setattr(
        "django.contrib.auth.hashers.MD5PasswordHasher.encode",
        lambda *a, **k: hashed.append(1) or "md5$x$y",
    )
    client = login(world.users["school_admin"])
    response = client.post(
        reverse("schools_import:index"),
        {
            "kind": "staff",
            "school": world.a.pk,
            "file": SimpleUploadedFile("s.csv", staff_csv(ROWS)),
        },
    )
    job = StaffImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("schools_import:job", args=[job.pk])
    # Progress was visible while checking, before any account existed.
    assert [checked for _s, checked, _e in seen][:3] == [250, 500, 750]
    assert all(status == "checking" and not exists for status, _c, exists in seen)
    page = client.get(response["Location"]).content.decode()
    assert "已向甲校导入 3000 条教职工记录" in page
    assert page.count("/first-login/") == ROWS
    assert Membership.objects.filter(school=world.a, user__username__startswith="t").count() == ROWS
    assert not hashed  # no password hashed for any of the 3,000 accounts
    leader = User.objects.get(username="t00003")
    assert leader.groups.filter(name__startswith="学校资料·").exists()
    job.refresh_from_db()
    assert (job.status, job.count, job.rows) == ("done", ROWS, [])
    # Someone else cannot open the job page.
    other = login(world.users["b_admin"])
    assert other.get(reverse("schools_import:job", args=[job.pk])).status_code in (403, 404)


def test_large_staff_file_with_an_error_writes_nothing_and_caps_the_list(world, login):
    data = staff_csv(ROWS).replace(
        b",\xe6\x95\x99\xe5\xb8\x88,,\n", b",\xe6\xa0\xa1\xe9\x95\xbf,,\n"
    )
    client = login(world.users["school_admin"])
    users_before = User.objects.count()
    response = client.post(
        reverse("schools_import:index"),
        {"kind": "staff", "school": world.a.pk, "file": SimpleUploadedFile("s.csv", data)},
        follow=True,
    )
    text = response.content.decode()
    assert User.objects.count() == users_before
    assert "文件中有 750 处问题，没有导入任何数据" in text
    assert text.count("无法识别的角色") == 200
    assert "共 750 处问题" in text


def test_staff_write_is_one_short_transaction_with_a_query_budget(world):
    table = imports.table_read(name="s.csv", data=staff_csv(ROWS))
    planned = imports.staff_import_check(
        by=world.users["school_admin"], school=world.a, table=table
    )
    with CaptureQueriesContext(connection) as queries:
        imports.staff_import_write(by=world.users["school_admin"], school=world.a, planned=planned)
    # Bulk inserts of 500: users, memberships, group links — never a query per row.
    assert len(queries) <= 120, len(queries)


@pytest.mark.django_db(transaction=True)
def test_another_writer_is_not_blocked_while_a_large_file_is_checked(monkeypatch):
    """While the long part (checking thousands of rows) runs, another connection writes."""
    from schools.vocab import Grade
    from tests.factories import SchoolClassFactory, SchoolFactory, make_member

    school = SchoolFactory(name="甲校", code="A001")
    SchoolClassFactory(school=school, grade=Grade.J1, name="七年级（1）班")
    admin = make_member(Role.SCHOOL_ADMIN, school)
    outcomes = []

    def other_writer():
        try:
            AccessLog.objects.create(action="view", object_type="probe", object_id="x")
            outcomes.append("written")
        except Exception as exc:  # noqa: BLE001 - the test reports what went wrong
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    def progress(checked):
        if checked == 1000:
            thread = threading.Thread(target=other_writer)
            thread.start()
            thread.join(timeout=30)

    table = imports.table_read(name="s.csv", data=staff_csv(2000))
    result = imports.staff_import(by=admin, school=school, table=table, progress=progress)
    assert result.count == 2000
    assert outcomes == ["written"]
    assert AccessLog.objects.filter(object_type="probe").count() == 1

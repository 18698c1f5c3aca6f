"""Two staff imports at once never end in a server error: the second is told clearly what
happened and nothing of it is written (and a large import's job never stays "writing")."""

import threading

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse

from portal import spreadsheets
from schools import imports
from schools.models import Membership, StaffImportJob
from schools.vocab import Role
from tests.factories import SchoolFactory, UserFactory, make_member

from .test_staff_import_task import staff_csv


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlocked(*args, **kwargs):
    try:
        raise _Deadlock("deadlock detected")
    except _Deadlock as exc:
        raise OperationalError("deadlock detected") from exc


def _post_import(client, school, data, name="s.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("schools_import:index"),
        {"kind": "staff", "school": school.pk, "file": SimpleUploadedFile(name, data)},
    )


@pytest.mark.django_db
def test_a_deadlock_with_another_import_is_a_clear_message(world, login, monkeypatch):
    from django.contrib.auth import get_user_model

    monkeypatch.setattr(get_user_model().objects, "bulk_create", _deadlocked)
    response = _post_import(login(world.users["school_admin"]), world.a, staff_csv(5))
    assert response.status_code == 200
    assert "数据库正忙" in response.content.decode()
    assert not Membership.objects.filter(user__username__startswith="t0").exists()


@pytest.mark.django_db
def test_sqlite_busy_past_its_timeout_is_a_clear_message(world, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Membership.objects, "bulk_create", locked)
    table = imports.table_read(name="s.csv", data=staff_csv(5))
    with pytest.raises(spreadsheets.ImportRejected) as failed:
        imports.staff_import(by=world.users["school_admin"], school=world.a, table=table)
    assert "数据库正忙" in failed.value.errors[0]


@pytest.mark.django_db
def test_other_database_errors_are_not_disguised(world, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: schools_membership")

    monkeypatch.setattr(Membership.objects, "bulk_create", broken)
    table = imports.table_read(name="s.csv", data=staff_csv(5))
    with pytest.raises(OperationalError):
        imports.staff_import(by=world.users["school_admin"], school=world.a, table=table)


@pytest.mark.django_db
def test_the_schools_folder_created_meanwhile_by_another_import(world, monkeypatch):
    """Both imports found no folder and created it; the one refused by the unique
    constraint finds the other's."""
    from django.db import IntegrityError

    import resources.services

    original = resources.services.school_collection_ensure
    calls = []

    def first_loses(*, school):
        calls.append(school)
        if len(calls) == 1:
            original(school=school)  # the other import's
            raise IntegrityError("duplicate key value violates unique constraint")
        return original(school=school)

    monkeypatch.setattr(resources.services, "school_collection_ensure", first_loses)
    data = "用户名,姓名,手机,角色,分管年级,专兼职\nleader1,领导甲,,学校领导,,\n".encode()
    table = imports.table_read(name="s.csv", data=data)
    result = imports.staff_import(by=world.users["school_admin"], school=world.a, table=table)
    assert result.count == 1 and len(calls) == 2


@pytest.mark.django_db
def test_a_job_that_fails_unexpectedly_says_so(world, login, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "staff_import_write", broken)
    client = login(world.users["school_admin"])
    response = _post_import(client, world.a, staff_csv(imports.STAFF_INLINE_ROWS + 1))
    job = StaffImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == StaffImportJob.Status.FAILED
    page = client.get(reverse("schools_import:job", args=[job.pk])).content.decode()
    assert "导入时出现意外错误，没有导入任何数据" in page
    assert not Membership.objects.filter(user__username__startswith="t0").exists()


@pytest.mark.django_db(transaction=True)
def test_two_imports_into_one_school_at_once(monkeypatch):
    """PostgreSQL: two admins import lists naming the same existing teachers at the same
    moment. One import adds them; the other gets a page naming the rows already done — no
    500, and no teacher holds the role twice."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (the SQLite test DB is in memory)")
    school = SchoolFactory(name="甲校", code="A001")
    admins = [make_member(Role.SCHOOL_ADMIN, school) for _ in range(2)]
    for n in range(40):
        UserFactory(username=f"t{n:05d}")  # accounts that already exist (e.g. elsewhere)
    data = staff_csv(40)
    lines = data.decode().splitlines()
    reverse_order = ("\n".join([lines[0], *reversed(lines[1:])]) + "\n").encode()
    barrier = threading.Barrier(2)
    write = imports.staff_import_write

    def together(**kwargs):
        barrier.wait(timeout=30)  # both checked, neither has written
        return write(**kwargs)

    monkeypatch.setattr(imports, "staff_import_write", together)
    pages = []

    def run(admin, body):
        client = Client()
        client.force_login(admin)
        try:
            response = _post_import(client, school, body)
            pages.append((response.status_code, response.content.decode()))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(admins[0], data)),
        threading.Thread(target=run, args=(admins[1], reverse_order)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in pages] == [200, 200]
    done = [body for _, body in pages if "已向甲校导入 40 条教职工记录" in body]
    refused = [body for _, body in pages if "在本校已有此角色" in body]
    assert len(done) == 1 and len(refused) == 1
    teachers = Membership.objects.filter(school=school, user__username__startswith="t")
    assert teachers.count() == 40

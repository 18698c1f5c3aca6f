"""Import N staff rows through the real import page and task on SQLite while another
connection writes every 100 ms; print rows/s and how long that other writer had to wait.

Run: .venv/bin/python bench/staff_import.py [rows]      (default 5,000; the file limit)

Builds a throwaway SQLite *file* database in a temporary folder (WAL, IMMEDIATE
transactions, busy timeout — as in production; never the in-memory test database, where
writers fail instead of waiting), migrates it, then:

1. a school and its admin; a staff file of N new accounts (teachers, class teachers,
   psychology teachers, leaders);
2. a writer thread that, every 100 ms, makes one small write transaction of its own (an
   access-log line, as every page view of a student record does) and times it;
3. the admin posts the file to the import page (``schools_import:index``): above 300 rows it
   becomes a ``StaffImportJob`` run by ``schools.tasks.staff_import_run`` (inline here, as
   with ``XINYU_IMMEDIATE_TASKS``): check every row without a lock, then one short write
   transaction.

It prints rows/s of the whole import (request to redirect: reading the file, the job, checking,
writing) and of its write step (building the rows, then the one transaction), and the other
writer's waits: the longest (≈ how long the import held the write lock), the median, and how
many exceeded 2 s (the target: none).
"""

import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAR = tempfile.mkdtemp(prefix="xinyu-bench-staff-")
os.environ["XINYU_VAR_DIR"] = VAR
os.environ.pop("DATABASE_URL", None)  # SQLite, always: that is what this measures
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

WRITE_EVERY = 0.1
TARGET = 2.0


def staff_file(rows: int) -> bytes:
    roles = ["教师", "班主任", "心理健康教育教师", "学校领导", "教师", "教师"]
    lines = ["用户名,姓名,手机,角色,分管年级,专兼职"]
    for n in range(rows):
        role = roles[n % len(roles)]
        part = "兼职" if role.startswith("心理") else ""
        lines.append(f"bench{n:05d},教师{n},139{n:08d},{role},,{part}")
    return ("\n".join(lines) + "\n").encode("utf-8")


class Writer(threading.Thread):
    """One small write transaction every 100 ms on its own connection; records how long each
    took (waiting for the write lock included)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.waits: list[float] = []
        self.errors: list[str] = []

    def run(self):
        from schools.models import AccessLog

        try:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    AccessLog.objects.create(action="bench", object_type="bench.writer")
                except Exception as exc:  # noqa: BLE001 - reported, the bench goes on
                    self.errors.append(repr(exc))
                self.waits.append(time.perf_counter() - started)
                self.stop.wait(WRITE_EVERY)
        finally:
            connections.close_all()


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    assert connection.vendor == "sqlite" and "memory" not in str(connection.settings_dict["NAME"])
    print(f"database: {connection.settings_dict['NAME']} (SQLite file, WAL)")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.0f}s")

    from schools import imports
    from schools.models import Membership, StaffImportJob
    from schools.vocab import Role, SchoolKind
    from tests.factories import SchoolFactory, make_member

    school = SchoolFactory(name="基准学校", code="BENCH", kind=SchoolKind.JUNIOR)
    admin = make_member(Role.SCHOOL_ADMIN, school)
    client = Client()
    client.force_login(admin)
    data = staff_file(rows)

    write_seconds = []
    original_write = imports.staff_import_write

    def timed_write(**kwargs):
        began = time.perf_counter()
        try:
            return original_write(**kwargs)
        finally:
            write_seconds.append(time.perf_counter() - began)

    imports.staff_import_write = timed_write

    writer = Writer()
    writer.start()
    time.sleep(1.0)  # the writer's undisturbed waits first
    quiet = list(writer.waits)
    began = time.perf_counter()
    response = client.post(
        reverse("schools_import:index"),
        {"kind": "staff", "school": school.pk, "file": SimpleUploadedFile("staff.csv", data)},
    )
    took = time.perf_counter() - began
    during = len(writer.waits)
    time.sleep(0.5)
    writer.stop.set()
    writer.join(timeout=30)
    imports.staff_import_write = original_write

    job = StaffImportJob.objects.order_by("-pk").first()
    imported = Membership.objects.filter(school=school, user__username__startswith="bench").count()
    print(f"response: {response.status_code} → {response.get('Location', '')}")
    if job is not None:
        print(f"job: {job.status}, {job.count} rows; errors: {list(job.errors)[:3]}")
    if imported != rows:
        print(f"!! {imported} of {rows} rows imported")
    waits = writer.waits[len(quiet) : during + 1] or writer.waits
    print(
        f"imported {imported} staff rows in {took:.2f}s: {imported / took:.0f} rows/s "
        f"(write step {write_seconds[0]:.2f}s: {imported / write_seconds[0]:.0f} rows/s)"
        if write_seconds
        else f"imported {imported} rows in {took:.2f}s"
    )
    longest = max(waits)
    print(
        f"other writer: {len(waits)} writes during the import, one every {WRITE_EVERY * 1000:.0f} ms; "
        f"longest wait {longest * 1000:.0f} ms, median {statistics.median(waits) * 1000:.1f} ms "
        f"(undisturbed median {statistics.median(quiet) * 1000:.1f} ms); "
        f"over {TARGET:.0f} s: {sum(w > TARGET for w in waits)}; errors: {len(writer.errors)}"
    )
    print(
        f"target (no other writer waits more than {TARGET:.0f} s): "
        f"{'met' if longest <= TARGET and not writer.errors else 'NOT met'}"
    )
    for error in writer.errors[:3]:
        print("  writer error:", error)


try:
    main()
finally:
    connections.close_all()
    shutil.rmtree(VAR, ignore_errors=True)

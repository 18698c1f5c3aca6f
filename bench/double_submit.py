"""Submit the same form twice at the same moment, many times; count what was stored twice.

Run: .venv/bin/python bench/double_submit.py [pairs]          (default 40)
     DATABASE_URL=postgres://… .venv/bin/python bench/double_submit.py   (Django's throw-away
     test database ``test_<name>`` is created beside the one named, then dropped)

SQLite: a throw-away *file* database in a temporary folder (WAL, IMMEDIATE transactions,
busy timeout — as in production). For two create forms of the learner area (a lesson taught,
an incident report) it fetches the page as a browser, then sends two POSTs of it — same
cookies, same CSRF token, same one-time key — from two threads released together, ``pairs``
times, each pair with different content. It prints how many pairs stored one record and how
many stored two, with the key (as the portal's pages send it) and, for comparison, with the
key left out (as pages did before ``portal.idempotency``).
"""

import datetime
import os
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAR = tempfile.mkdtemp(prefix="xinyu-bench-double-")
os.environ["XINYU_VAR_DIR"] = VAR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402


def run(pairs: int) -> None:
    from courses.models import LessonRecord
    from duty.models import IncidentReport
    from portal.idempotency import FIELD
    from schools.vocab import Grade, Role
    from tests.csrf import hidden_fields
    from tests.factories import SchoolClassFactory, SchoolFactory, make_member

    school = SchoolFactory(name="基准学校")
    klass = SchoolClassFactory(school=school, grade=Grade.J1, name="七年级（1）班")
    teacher = make_member(Role.TEACHER, school=school)
    now = timezone.localtime().replace(second=0, microsecond=0)

    forms = {
        "授课记录 /me/lessons/new/": (
            reverse("lessons:new"),
            LessonRecord,
            lambda n: {
                "school_class": klass.pk,
                "taught_on": timezone.localdate().isoformat(),
                "topic": f"基准课题{n}",
                "periods": "1",
            },
        ),
        "事件报告 /me/incidents/new/": (
            reverse("duty:my_incident_new"),
            IncidentReport,
            lambda n: {
                "school": school.pk,
                "category": "accident",
                "occurred_at": (now - datetime.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"),
                "discovered_at": (now - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
                "place": f"操场{n}号区域",
                "first_facts": "一名学生跑步时摔倒，已送校医室处理并通知家长。",
                "student_numbers": "",
                "public_opinion_note": "",
            },
        ),
    }
    offset = 0
    for label, (url, model, data) in forms.items():
        for with_key in (True, False):
            before = model.objects.count()
            statuses = []
            for n in range(offset, offset + pairs):
                browser = Client(enforce_csrf_checks=True)
                browser.force_login(teacher)
                fields = hidden_fields(browser.get(url))
                if not with_key:
                    fields.pop(FIELD)
                body = {**fields, **data(n)}
                barrier = threading.Barrier(2)

                def submit(browser=browser, body=body, barrier=barrier, url=url, seen=statuses):
                    twin = Client(enforce_csrf_checks=True)
                    twin.cookies = browser.cookies
                    try:
                        barrier.wait(timeout=30)
                        seen.append(twin.post(url, body).status_code)
                    finally:
                        connections.close_all()

                threads = [threading.Thread(target=submit) for _ in range(2)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
            offset += pairs
            stored = model.objects.count() - before
            print(
                f"{label} {'with the key   ' if with_key else 'without the key'}: {pairs} pairs → "
                f"{stored} stored, {stored - pairs} duplicates; responses "
                + ", ".join(f"{s}×{statuses.count(s)}" for s in sorted(set(statuses)))
            )


def main():
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the expected 400s
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    if connection.vendor == "sqlite":
        assert "memory" not in str(connection.settings_dict["NAME"])
        print(f"database: SQLite file {connection.settings_dict['NAME']} (WAL)")
        call_command("migrate", verbosity=0)
        run(pairs)
        return
    print("database: PostgreSQL (a throw-away test database)")
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        run(pairs)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


try:
    main()
finally:
    connections.close_all()
    shutil.rmtree(VAR, ignore_errors=True)

"""Import a 10,000-row PHQ-9 round; print rows per second and its ratio to /healthz.

Run: DJANGO_SETTINGS_MODULE=portal.settings.test .venv/bin/python bench/screening_import.py [rows]
Uses a throwaway SQLite database (or DATABASE_URL); never run against production data.
"""

import datetime
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import get_runner  # noqa: E402,F401

old_name = connection.creation.create_test_db(verbosity=0)
try:
    from schools.models import School, SchoolClass, Student
    from schools.vocab import Grade, SchoolKind
    from screening.models import Instrument, ScreeningRound
    from screening.services import results_import

    rows_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    school = School.objects.create(name="基准学校", code="BENCH", kind=SchoolKind.JUNIOR)
    classes = [
        SchoolClass.objects.create(school=school, grade=Grade.J1, name=f"七年级（{n}）班")
        for n in range(1, 201)
    ]
    Student.objects.bulk_create(
        Student(
            school=school,
            school_class=classes[i % 200],
            student_number=f"B{i:06d}",
            name=f"学生{i}",
            gender="F",
            birth_date=datetime.date(2011, 1, 1),
        )
        for i in range(rows_wanted)
    )
    rnd = ScreeningRound.objects.create(
        school=school,
        name="基准批次",
        grades=[Grade.J1],
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 10, 30),
        basis="statutory",
    )
    phq9 = Instrument.objects.get(code="PHQ-9", school__isnull=True)
    rnd.instruments.set([phq9])
    rng = random.Random(1)
    rows = [["学号"] + [f"第{n}题" for n in range(1, 10)]]
    rows += [
        [f"B{i:06d}"] + [rng.choice((0, 0, 0, 1, 1, 2, 3)) for _ in range(8)] + [0]
        for i in range(rows_wanted)
    ]

    from django.test.utils import CaptureQueriesContext

    client = Client()

    def healthz_seconds(n=300) -> float:
        client.get("/healthz")
        started = time.perf_counter()
        for _ in range(n):
            assert client.get("/healthz").status_code == 200
        return (time.perf_counter() - started) / n

    before = healthz_seconds()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        results_import(
            round=rnd, instrument=phq9, rows=rows, default_date=datetime.date(2026, 10, 8)
        )
    took = time.perf_counter() - started
    query_count = len(queries.captured_queries)  # read now: the next request resets the log
    after = healthz_seconds()
    healthz = (before + after) / 2
    drift = abs(after - before) / min(before, after)
    per_row = took / rows_wanted
    print(f"imported {rows_wanted} rows in {took:.2f}s: {rows_wanted / took:.0f} rows/s")
    print(f"SQL queries for the whole import: {query_count}")
    print(
        f"/healthz: {before * 1000:.2f} ms before, {after * 1000:.2f} ms after "
        f"(drift {drift:.0%}; above ~20 % the machine was busy — run again)"
    )
    print(
        f"one imported row costs {per_row / healthz:.3f} × a /healthz request; "
        f"the whole import {took / healthz:.0f} ×"
    )
finally:
    connection.creation.destroy_test_db(old_name, verbosity=0)

"""Benchmark the training-hours reports against /healthz, as ratios in one run.

Generates 100 schools x 50 teachers x 30 ledger entries (150,000 entries) in a throwaway
SQLite database (or the PostgreSQL database named by BENCH_DATABASE_URL), then times the
bureau report and one school report through the Django test client and prints each as a
multiple of /healthz. Usage:  .venv/bin/python bench/training_reports.py [--schools N]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--teachers", type=int, default=50)
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="xinyu-bench-")
    os.environ["XINYU_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    populate(args)
    run(args)


def populate(args):
    import datetime
    import random
    from decimal import Decimal

    from django.utils import timezone
    from wagtail.models import Page

    from accounts.models import User
    from courses.models import HoursEntry, HoursTarget, TrainingIndexPage, TrainingModulePage
    from schools.models import Membership, School
    from schools.vocab import Role

    rng = random.Random(7)
    started = time.perf_counter()
    root = Page.get_first_root_node()
    index = root.add_child(instance=TrainingIndexPage(title="教师培训", slug="training-bench"))
    module = index.add_child(
        instance=TrainingModulePage(
            title="模块", slug="m", summary="s", audience="all", format="online", hours=1
        )
    )
    year = timezone.localdate().year
    for role, hours in ((Role.PSYCH_TEACHER, 24), (Role.CLASS_TEACHER, 12), (Role.TEACHER, 6)):
        HoursTarget.objects.create(year=year, role=role, hours=hours)
    schools = School.objects.bulk_create(
        School(name=f"学校{i:03d}", code=f"B{i:04d}", kind="primary") for i in range(args.schools)
    )
    users = User.objects.bulk_create(
        User(username=f"t{s}-{t}", real_name=f"教师{s}-{t}", password="!")
        for s in range(args.schools)
        for t in range(args.teachers)
    )
    roles = [Role.TEACHER, Role.TEACHER, Role.CLASS_TEACHER, Role.TEACHER, Role.PSYCH_TEACHER]
    Membership.objects.bulk_create(
        Membership(
            user=u,
            school=schools[i // args.teachers],
            role=roles[i % len(roles)],
            psych_employment="full" if roles[i % len(roles)] == Role.PSYCH_TEACHER else "",
            active_from=datetime.date(2020, 1, 1),
        )
        for i, u in enumerate(users)
    )
    entries = []
    first = datetime.date(year - 1, 1, 1)
    for i, u in enumerate(users):
        school = schools[i // args.teachers]
        for _ in range(args.entries):
            # Offline-style entries without a session would break the source constraint,
            # so use external-free online credits with distinct rounds (no double credit).
            entries.append(
                HoursEntry(
                    teacher=u,
                    school=school,
                    hours=Decimal(rng.choice(["0.5", "1.0", "1.5", "2.0"])),
                    source=HoursEntry.Source.ONLINE,
                    module=module,
                    credit_round=len(entries) % args.entries + 1,
                    credited_on=first + datetime.timedelta(days=rng.randrange(700)),
                )
            )
    HoursEntry.objects.bulk_create(entries, batch_size=5000)
    auditor = User.objects.create(username="bench-auditor", password="!")
    Membership.objects.create(user=auditor, school=None, role=Role.BUREAU_AUDITOR)
    from schools.services import membership_sync_groups

    membership_sync_groups(user=auditor)
    print(
        f"数据：{len(schools)} 所学校，{len(users)} 名教师，{len(entries)} 条学时记录"
        f"（生成 {time.perf_counter() - started:.1f} 秒）"
    )


def timed(client, url, repeat):
    client.get(url)  # warm up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def run(args):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from schools.models import School

    client = Client()
    client.force_login(User.objects.get(username="bench-auditor"))
    school = School.objects.order_by("code").first()
    urls = {
        "/healthz": "/healthz",
        "全市学时报表": "/admin/training/reports/city/",
        "学校学时报表": f"/admin/training/reports/school/?school={school.pk}",
        "学校报表导出 xlsx": f"/admin/training/reports/school/?school={school.pk}&export=xlsx",
    }
    base = timed(client, urls["/healthz"], args.repeat * 4)
    print(f"数据库：{connection.vendor}；/healthz 中位数 {base * 1000:.2f} ms")
    for label, url in urls.items():
        if label == "/healthz":
            continue
        seconds = timed(client, url, args.repeat)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        print(
            f"{label:<14} {seconds * 1000:8.1f} ms  = {seconds / base:7.1f} × /healthz"
            f"  （{len(ctx.captured_queries)} 条 SQL）"
        )


if __name__ == "__main__":
    main()

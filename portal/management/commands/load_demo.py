"""Load the fictional demo city: schools, people, content. Idempotent.

Each app contributes a ``demo`` module with ``load(*, out)``; they run in the order of
``DEMO_MODULES``. Every step checks what exists first, so running twice changes nothing.
"""

import importlib
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_MODULES = [
    "demo.schools",
    "demo.site",
    "demo.resources",
    "demo.curricula",
    "demo.training",
    "demo.screening",
    "demo.screening_coverage",
    "demo.duty",
    "demo.oversight",
    # Keep last: indexes whatever the content modules created.
    "demo.search",
]

DEMO_ACCOUNTS = [
    ("bureau_admin", "市局管理员"),
    ("bureau_auditor", "市局审计员"),
    ("school_admin", "学校管理员"),
    ("school_leader", "学校领导"),
    ("grade_leader", "年级组长"),
    ("psych_teacher", "心理健康教育教师"),
    ("class_teacher", "班主任"),
    ("teacher", "教师"),
]


class Progress:
    """Prints progress lines for a long step: ``with out.step("学生", total) as tick``."""

    def __init__(self, stdout):
        self.stdout = stdout

    def __call__(self, message):
        self.stdout.write(message)

    def every(self, label, done, total, every=500):
        if done == total or done % every == 0:
            self.stdout.write(f"  {label}：{done}/{total}")


class Command(BaseCommand):
    help = "载入演示数据（虚构城市的学校、人员与内容），可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="仅当数据库中还没有学校时载入（make run 使用）。",
        )
        parser.add_argument(
            "--scale",
            metavar="province|倍数",
            help="在演示数据之上生成省级规模的测量数据（demo/province.py）：province 为约 1000 所"
            "学校、99 万名学生；或一个倍数，例如 0.05（约 50 所学校）。已有省级数据时拒绝。",
        )

    def handle(self, *args, **options):
        from schools.models import School

        if options["scale"] is not None:
            self.province(options["scale"])
            return
        if options["if_empty"] and School.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据载入。")
            return
        from search.services import indexing_deferred

        out = Progress(self.stdout)
        rng = random.Random(20240420)
        # The search step (last) rebuilds every entry and the index once.
        with indexing_deferred():
            for dotted in DEMO_MODULES:
                module = importlib.import_module(dotted)
                out(f"载入 {dotted} …")
                with transaction.atomic():
                    module.load(out=out, rng=rng)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已就绪。演示账户（密码均为 {settings.XINYU_DEMO_PASSWORD}）："
            )
        )
        for username, label in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<16} {label}")

    def province(self, scale: str) -> None:
        """The province-size data set on top of the demo (loading the demo first if it is not
        there yet)."""
        from django.contrib.auth import get_user_model

        from demo import province

        try:
            factor = province.scale_parse(scale)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not get_user_model().objects.filter(username="bureau_admin").exists():
            self.stdout.write("还没有演示数据，先载入演示数据 …")
            self.handle(scale=None, if_empty=False)
        try:
            province.load(out=Progress(self.stdout), factor=factor)
        except province.ProvinceExists as exc:
            raise CommandError(str(exc)) from None

"""A province-size data set for measuring the portal (issue 20, R-26):
``manage.py load_demo --scale province`` (or ``--scale 0.05``, a share of the province).

Added on top of the normal demo: about 1,000 schools of every kind in ~100 invented townships
(``<county>县<town>镇``), their classes, staff, ~1 million students with their archives, two
school years of training hours, a screening round per school with results and warnings,
incidents and access-log lines. The sizes at scale 1.0 are the bureau's measurement
(``TARGETS``); every count scales with the factor (schools ≈ 1,000 × factor, at least
``MIN_SCHOOLS``). Every name is invented; one seeded generator makes the same data every time.

This is a measurement tool, not the demo: it writes in bulk (``bulk_create``) without the
one-by-one checks of the services, so that the province loads in minutes. It keeps their
rules all the same, and says where each comes from:

- grades of a class are the school kind's (``schools.vocab.grades_of_kind``), class names and
  student numbers unique in their school, school names and codes unique;
- roles as the capability table wants them (one psychology teacher per school, or none: the
  psych-gap list; a grade leader names one of the school's grades);
- new accounts in the groups a staff import would put them in (``school_role_groups``);
- students enrolled through ``schools.services.students_enrolled``: every app keeps what it
  keeps from enrolment on (screening opens each student's archive);
- training hours: one live credit per teacher and session or module, credited on the session's
  last day within the last two school years, the school the teacher's, a certificate code
  unique;
- screening: one statutory round per school that has a psychology teacher, results within the
  round's dates scored by the instrument's own key (``InstrumentKey.score_answers``), a warning
  for every levelled result (at most one open per student), its due time by
  ``warning_due_at``, a 危机 closed only with a school leader's sign-off;
- incidents with their clocks in order and the single reports at most once each.

The first school's records (and a sample of each table) pass the models' ``full_clean`` before
anything is written, so a rule that changes shows here, not in a bench run.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from schools.calendar import SchoolYear, break_days
from schools.vocab import Gender, PsychEmployment, Role, SchoolKind, grades_of_kind

from .schools import GIVEN, SURNAMES, TEACHER_GIVEN, _birth_date, _class_name

#: The bureau's measurement at scale 1.0 (the demo grown by bulk_create).
TARGETS = {
    "schools": 1_000,
    "classes": 24_794,
    "students": 990_604,
    "memberships": 59_310,
    "hours_entries": 2_966_586,
    "screening_results": 494_686,
    "warnings": 24_349,
    "incidents": 19_784,
    "access_log": 300_000,
}
MIN_SCHOOLS = 3
MAX_FACTOR = 5.0
SEED = 20261130
CODE_PREFIX = "P"  # province schools: P0001…; the demo city's are X0101…

# kind, schools per 1,000, classes per grade (low, high), students per class (low, high)
KINDS = [
    (SchoolKind.KINDERGARTEN, 300, (2, 5), (24, 34)),
    (SchoolKind.PRIMARY, 380, (3, 8), (36, 46)),
    (SchoolKind.JUNIOR, 140, (5, 11), (38, 50)),
    (SchoolKind.NINE_YEAR, 70, (2, 6), (36, 46)),
    (SchoolKind.SENIOR, 60, (7, 15), (42, 54)),
    (SchoolKind.TWELVE_YEAR, 10, (3, 7), (36, 46)),
    (SchoolKind.VOCATIONAL, 40, (4, 10), (34, 46)),
]
KIND_SHAPE = {kind: (per_grade, size) for kind, _n, per_grade, size in KINDS}
# Share of schools without a psychology teacher (the psych-gap list): kindergartens more often.
NO_PSYCH = {SchoolKind.KINDERGARTEN: 0.25}
NO_PSYCH_OTHER = 0.05

COUNTIES = [
    "岚溪县",
    "芷岸县",
    "霁川县",
    "桐屿县",
    "禾湾县",
    "枫泽县",
    "澜坪县",
    "杉源县",
    "柘渚县",
    "蘅洲县",
    "苓谷县",
    "栎阳县",
]
TOWN_HEADS = "石柳桂荷竹梅杏松枣栗菱茶麦稻莲芦蒲桑榆槐"
TOWN_TAILS = "桥塘坪湾口岗铺坝冲垭"
ROADS = ["学府路", "文昌路", "育才街", "书院巷", "青年路", "建设路", "向阳街", "新华路"]

KIND_NAMES = {
    SchoolKind.KINDERGARTEN: "幼儿园",
    SchoolKind.PRIMARY: "小学",
    SchoolKind.JUNIOR: "初级中学",
    SchoolKind.NINE_YEAR: "九年一贯制学校",
    SchoolKind.SENIOR: "高级中学",
    SchoolKind.TWELVE_YEAR: "实验学校",
    SchoolKind.VOCATIONAL: "职业技术学校",
}
CN_NUMERALS = "一二三四五六七八九十"

# Screening: the grades a school screens (四年级 and up), and how students answer PHQ-9
# (share of students, weights of the answers 0–3): about one result in twenty is levelled.
SCREENED_FROM_GRADE = 14
PHQ_PROFILES = [
    (0.80, (0.76, 0.20, 0.03, 0.01)),
    (0.15, (0.46, 0.40, 0.11, 0.03)),
    (0.04, (0.18, 0.40, 0.30, 0.12)),
    (0.01, (0.05, 0.25, 0.40, 0.30)),
]
ITEM9_POSITIVE = 0.003
# Training: school-based sessions per school over the two school years, and attendance.
SESSIONS_PER_SCHOOL = 56
ONLINE_SHARE = 0.6
INCIDENTS_PER_SCHOOL = (10, 30)
ACCESS_LINES_PER_SCHOOL = 290

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
BATCH = 2000


def scale_parse(text: str) -> float:
    """``province`` → 1.0, else a positive number up to ``MAX_FACTOR``; ValueError otherwise."""
    text = str(text).strip().lower()
    if text == "province":
        return 1.0
    try:
        factor = float(text)
    except ValueError:
        raise ValueError(
            f"--scale：请填写 province 或一个数字（例如 0.05），不是“{text}”。"
        ) from None
    if not 0 < factor <= MAX_FACTOR:
        raise ValueError(f"--scale：倍数必须大于 0 且不超过 {MAX_FACTOR:g}。")
    return factor


def school_count(factor: float) -> int:
    return max(MIN_SCHOOLS, round(TARGETS["schools"] * factor))


def expected(factor: float) -> dict[str, int]:
    """The bureau's sizes scaled by ``factor`` (what a run aims at; ``plan`` is exact)."""
    share = school_count(factor) / TARGETS["schools"]
    return {name: round(n * share) for name, n in TARGETS.items()}


def expected_rows(totals: dict[str, int]) -> dict[str, int]:
    """About how many rows each table gets for a plan: the bureau's ratios (hours per post,
    results per student, …) applied to the plan's own schools, posts and students."""
    per = TARGETS
    results = totals["students"] * per["screening_results"] / per["students"]
    return {
        **totals,
        "hours_entries": round(totals["memberships"] * per["hours_entries"] / per["memberships"]),
        "screening_results": round(results),
        "warnings": round(results * per["warnings"] / per["screening_results"]),
        "incidents": round(totals["schools"] * per["incidents"] / per["schools"]),
        "access_log": round(totals["schools"] * per["access_log"] / per["schools"]),
    }


# --- the plan: schools, classes, staff, class sizes (no database) --------------------------------


@dataclass
class SchoolPlan:
    code: str
    name: str
    kind: str
    township: str
    is_public: bool
    has_psych: bool
    classes: list = field(default_factory=list)  # [(grade, name, size)]
    staff: list = field(default_factory=list)  # [(username suffix, role, extra)]

    @property
    def students(self) -> int:
        return sum(size for _g, _n, size in self.classes)


def _townships(rng, count: int) -> list[str]:
    towns = [h + t for h in TOWN_HEADS for t in TOWN_TAILS]
    rng.shuffle(towns)
    names = []
    for i in range(count):
        county = COUNTIES[i % len(COUNTIES)]
        if i < len(COUNTIES):
            names.append(f"{county}城关镇")
        else:
            town = towns[i % len(towns)]
            kind = "乡" if i % 9 == 0 else "镇"
            names.append(f"{county}{town}{kind}")
    return list(dict.fromkeys(names))


def _kinds(rng, n: int) -> list[str]:
    """``n`` school kinds in the province's proportions, each kind at least once when n ≥ 7;
    the first is a twelve-year school (P0001, the largest: the school the bench signs in at)."""
    total = sum(w for _k, w, _c, _s in KINDS)
    counts = {k: (1 if n >= len(KINDS) else 0) for k, *_ in KINDS}
    rest = n - sum(counts.values())
    shares = {k: rest * w / total for k, w, _c, _s in KINDS}
    for k in counts:
        counts[k] += int(shares[k])
    left = n - sum(counts.values())
    for k in sorted(shares, key=lambda k: shares[k] - int(shares[k]), reverse=True)[:left]:
        counts[k] += 1
    kinds = [k for k, c in counts.items() for _ in range(c)]
    if SchoolKind.TWELVE_YEAR in kinds:
        kinds.remove(SchoolKind.TWELVE_YEAR)
    else:
        kinds.pop()
    rng.shuffle(kinds)
    return [SchoolKind.TWELVE_YEAR, *kinds]


def _numeral(n: int) -> str:
    """1–99 in Chinese numerals: 二, 十一, 二十三."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else CN_NUMERALS[tens - 1] + "十"
    return head + (CN_NUMERALS[ones - 1] if ones else "")


def plan(factor: float, *, seed: int = SEED) -> list[SchoolPlan]:
    """Every school of the province at ``factor``, with classes, class sizes and staff."""
    rng = random.Random(f"{seed}-plan")
    n = school_count(factor)
    townships = _townships(rng, max(2, round(100 * n / TARGETS["schools"])))
    kinds = _kinds(rng, n)
    used_names: set[str] = set()
    per_township_kind: dict[tuple[str, str], int] = {}
    schools = []
    for i, kind in enumerate(kinds, start=1):
        township = townships[(i - 1) % len(townships)] if i <= len(townships) else None
        township = township or rng.choice(townships)
        ordinal = per_township_kind.get((township, kind), 0) + 1
        per_township_kind[(township, kind)] = ordinal
        place = township.replace("城关镇", "")
        prefix = (
            "中心" if ordinal == 1 and kind in (SchoolKind.KINDERGARTEN, SchoolKind.PRIMARY) else ""
        )
        if ordinal > 1:
            prefix = f"第{_numeral(ordinal)}"
        name = f"{place}{prefix}{KIND_NAMES[kind]}"
        while name in used_names:  # never twice
            name = f"{place}{prefix}{KIND_NAMES[kind]}（{i}）"
        used_names.add(name)
        code = f"{CODE_PREFIX}{i:04d}"
        (per_lo, per_hi), (size_lo, size_hi) = KIND_SHAPE[kind]
        if i == 1:
            per_lo = per_hi = per_hi + 1  # the largest school
        no_psych = NO_PSYCH.get(kind, NO_PSYCH_OTHER)
        school = SchoolPlan(
            code=code,
            name=name,
            kind=kind,
            township=township,
            is_public=rng.random() < 0.9,
            has_psych=i == 1 or rng.random() >= no_psych,
        )
        for grade in grades_of_kind(kind):
            for index in range(1, rng.randint(per_lo, per_hi) + 1):
                school.classes.append(
                    (grade, _class_name(grade, index), rng.randint(size_lo, size_hi))
                )
        n_classes = len(school.classes)
        staff = school.staff
        staff.append(("admin", Role.SCHOOL_ADMIN, {}))
        for k in range(1 if n_classes < 20 else 2 if n_classes < 50 else 3):
            staff.append((f"leader{k + 1}" if k else "leader", Role.SCHOOL_LEADER, {}))
        if school.has_psych:
            employment = PsychEmployment.FULL_TIME if n_classes >= 20 else PsychEmployment.PART_TIME
            staff.append(("psych", Role.PSYCH_TEACHER, {"psych_employment": employment}))
        for grade in grades_of_kind(kind):
            staff.append((f"g{grade}", Role.GRADE_LEADER, {"grade": grade}))
        for c in range(1, n_classes + 1):
            staff.append((f"c{c:03d}", Role.CLASS_TEACHER, {}))
        for t in range(1, n_classes + 2):
            staff.append((f"t{t:03d}", Role.TEACHER, {}))
        schools.append(school)
    return schools


def plan_totals(schools: list[SchoolPlan]) -> dict[str, int]:
    return {
        "schools": len(schools),
        "classes": sum(len(s.classes) for s in schools),
        "students": sum(s.students for s in schools),
        "memberships": sum(len(s.staff) for s in schools),
    }


# --- progress -------------------------------------------------------------------------------------


class Meter:
    """Rows written per table, the time spent on each, progress lines with rows per second."""

    def __init__(self, out, expected_rows: dict[str, int]):
        self.out = out
        self.expected = expected_rows
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.shown: dict[str, int] = {}

    def add(self, table: str, rows: int, seconds: float) -> None:
        self.rows[table] = self.rows.get(table, 0) + rows
        self.seconds[table] = self.seconds.get(table, 0.0) + seconds
        total = self.expected.get(table)
        step = max(1, (total or 0) // 10) if total else 50_000
        if self.rows[table] - self.shown.get(table, 0) >= step:
            self.shown[table] = self.rows[table]
            self.out(f"  {table}：{self._line(table)}")

    def _line(self, table: str) -> str:
        rows, seconds = self.rows[table], self.seconds[table]
        rate = rows / seconds if seconds else 0
        total = self.expected.get(table)
        of = f"/约{total:,}" if total else ""
        return f"{rows:,}{of} 行，{seconds:.1f} 秒（{rate:,.0f} 行/秒）"

    def write(self, table: str, model, objects, *, batch_size: int = BATCH, **kwargs):
        started = time.monotonic()
        saved = model.objects.bulk_create(objects, batch_size=batch_size, **kwargs)
        self.add(table, len(objects), time.monotonic() - started)
        return saved

    def summary(self) -> None:
        self.out("  —— 各表合计 ——")
        for table in self.rows:
            self.out(f"  {table:<12} {self._line(table)}")


def _spot_check(objects, *, exclude=(), limit=40) -> None:
    """The models' own checks (``full_clean``) on the first records of a table."""
    for obj in objects[:limit]:
        obj.full_clean(exclude=list(exclude), validate_unique=False)


# --- the generator -----------------------------------------------------------------------------


class ProvinceExists(Exception):
    pass


def load(*, out, factor: float, seed: int = SEED) -> dict[str, int]:
    """Write the province at ``factor`` in one transaction; refuses when province schools
    (code ``P…``) exist already. Returns the rows written per table."""
    from schools.models import School

    if School.objects.filter(code__startswith=CODE_PREFIX).exists():
        raise ProvinceExists(
            f"数据库中已有省级规模数据（学校代码 {CODE_PREFIX}…），不再重复生成。"
            "如需重新生成，请换一个新的数据库。"
        )
    schools = plan(factor, seed=seed)
    totals = plan_totals(schools)
    aim = expected_rows(totals)
    out(
        f"省级规模数据（倍数 {factor:g}）：学校 {totals['schools']:,} 所，班级 {totals['classes']:,} 个，"
        f"学生 {totals['students']:,} 人，岗位 {totals['memberships']:,} 个"
    )
    meter = Meter(
        out,
        {
            "学校": totals["schools"],
            "教职工账户": totals["memberships"],
            "岗位": totals["memberships"],
            "班级": totals["classes"],
            "学生": totals["students"],
            "心理档案": totals["students"],
            "学时台账": aim["hours_entries"],
            "测评结果": aim["screening_results"],
            "预警": aim["warnings"],
            "事件报告": aim["incidents"],
            "访问日志": aim["access_log"],
        },
    )
    gen = _Generator(schools=schools, meter=meter, out=out, seed=seed)
    started = time.monotonic()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Foreign keys checked row by row, not millions queued until the commit.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        gen.run()
    out(f"省级规模数据已写入，用时 {time.monotonic() - started:.0f} 秒。")
    meter.summary()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        out(f"  已更新 PostgreSQL 统计信息（ANALYZE，{time.monotonic() - started:.0f} 秒）")
    return dict(meter.rows)


class _Generator:
    def __init__(self, *, schools, meter, out, seed):
        self.plans = schools
        self.meter = meter
        self.out = out
        self.seed = seed
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        this_year = SchoolYear.containing(self.today)
        self.years = [SchoolYear(this_year.first_year - 1), this_year]
        # Filled as the tables are written.
        self.schools = []  # School, in plan order
        self.staff: dict[int, dict[str, list[int]]] = {}  # school id → role → user ids
        self.users_by_school: dict[int, list[int]] = {}
        self.classes: dict[int, list[tuple[int, int]]] = {}  # school id → [(class id, grade)]
        self.students: dict[int, list[tuple[int, int, datetime.date]]] = {}
        self.names: dict[int, str] = {}  # user id → real name (leaders: phone reports)

    def rng(self, phase: str) -> random.Random:
        return random.Random(f"{self.seed}-{phase}")

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)

    def run(self):
        self.write_schools()
        self.write_staff()
        self.write_classes()
        self.write_students()
        self.write_training()
        self.write_screening()
        self.write_incidents()
        self.write_access_log()

    # --- schools and facilities ---------------------------------------------------------------

    def write_schools(self):
        from schools.models import Facility, School

        rng = self.rng("schools")
        schools = []
        for i, p in enumerate(self.plans, start=1):
            schools.append(
                School(
                    code=p.code,
                    name=p.name,
                    kind=p.kind,
                    is_public=p.is_public,
                    township=p.township,
                    address=f"{p.township}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
                    counselling_hotline=f"0000-7{i:06d}",
                    counselling_mailbox=f"xinli-{p.code.lower()}@example.cn",
                )
            )
        _spot_check(schools)
        self.schools = self.meter.write("学校", School, schools)
        facilities = []
        for school in self.schools:
            kinds = [Facility.Kind.COUNSELLING_ROOM, Facility.Kind.HOTLINE, Facility.Kind.MAILBOX]
            if school.kind != SchoolKind.KINDERGARTEN:
                kinds += [Facility.Kind.GROUP_ROOM, Facility.Kind.HEALTH_STATION]
            if rng.random() < 0.2:
                kinds.append(Facility.Kind.CATHARSIS_ROOM)
            for kind in kinds:
                room = "room" in kind
                facilities.append(
                    Facility(
                        school_id=school.pk,
                        kind=kind,
                        status=rng.choices(
                            [
                                Facility.Status.IN_USE,
                                Facility.Status.BUILDING,
                                Facility.Status.PLANNED,
                            ],
                            weights=[90, 6, 4],
                        )[0],
                        location="行政楼二楼" if room else school.counselling_hotline,
                        area_m2=rng.randint(20, 80) if room else None,
                        opening_hours="周一至周五 12:00–13:30，16:30–17:30" if room else "",
                    )
                )
        _spot_check(facilities)
        self.meter.write("场所与渠道", Facility, facilities)

    # --- staff: accounts, roles, groups ---------------------------------------------------------

    def write_staff(self):
        from schools import access
        from schools.hooks import school_role_groups
        from schools.models import Membership
        from schools.services import GROUP_BACK_OFFICE, role_groups_ensure, staff_role_check

        User = get_user_model()
        rng = self.rng("staff")
        password = make_password(settings.XINYU_DEMO_PASSWORD)  # hashed once for everyone
        bureau_admin = User.objects.get(username="bureau_admin")
        back_office = role_groups_ensure()[GROUP_BACK_OFFICE]
        back_office_roles = set(access.roles_holding("portal.backoffice"))
        start = self.years[1].start
        users, pending = [], []
        for school, p in zip(self.schools, self.plans, strict=True):
            for suffix, role, extra in p.staff:
                user = User(
                    username=f"{p.code.lower()}_{suffix}",
                    real_name=SURNAMES[rng.randrange(len(SURNAMES))]
                    + "".join(rng.choice(TEACHER_GIVEN) for _ in range(2)),
                    password=password,
                )
                users.append(user)
                pending.append((school, user, role, extra))
        _spot_check(users, exclude=["password"])
        first = self.schools[0]
        for role in {role for s, _u, role, _e in pending if s is first}:
            staff_role_check(by=bureau_admin, school=first, role=role)  # the bureau grants it
        started = time.monotonic()
        for i in range(0, len(users), 5000):
            User.objects.bulk_create(users[i : i + 5000], batch_size=BATCH)
        self.meter.add("教职工账户", len(users), time.monotonic() - started)
        memberships = []
        for school, user, role, extra in pending:
            memberships.append(
                Membership(
                    user_id=user.pk,
                    school_id=school.pk,
                    role=role,
                    active_from=start - datetime.timedelta(days=rng.randrange(30, 3000)),
                    **extra,
                )
            )
            self.staff.setdefault(school.pk, {}).setdefault(role, []).append(user.pk)
            self.users_by_school.setdefault(school.pk, []).append(user.pk)
            self.names[user.pk] = user.real_name
        _spot_check(memberships)
        self.meter.write("岗位", Membership, memberships)
        # Groups as a staff import gives new accounts: the back office for roles that open
        # it, and other apps' groups of the school (resources: its documents, for admins
        # and leaders).
        through = User.groups.through
        links = []
        started = time.monotonic()
        by_school: dict[int, list] = {}
        for school, user, role, _e in pending:
            by_school.setdefault(school.pk, []).append((user.pk, role))
        # In name order: each school's document collection is then added after the others
        # (Wagtail keeps collections sorted by name, moving every later sibling otherwise).
        for school in sorted(self.schools, key=lambda s: s.name):
            rows = by_school.get(school.pk, [])
            more = school_role_groups(school=school, roles={r for _u, r in rows})
            for user_id, role in rows:
                if role in back_office_roles:
                    links.append(through(user_id=user_id, group_id=back_office.pk))
                for group in more.get(role, ()):
                    links.append(through(user_id=user_id, group_id=group.pk))
        self.meter.add("用户组", 0, time.monotonic() - started)
        self.meter.write("用户组", through, links)

    # --- classes and students -------------------------------------------------------------

    def write_classes(self):
        from schools.models import SchoolClass

        classes = []
        for school, p in zip(self.schools, self.plans, strict=True):
            heads = iter(self.staff[school.pk][Role.CLASS_TEACHER])
            for grade, name, _size in p.classes:
                classes.append(
                    SchoolClass(
                        school_id=school.pk, grade=grade, name=name, head_teacher_id=next(heads)
                    )
                )
        _spot_check(classes)
        saved = self.meter.write("班级", SchoolClass, classes)
        for c in saved:
            self.classes.setdefault(c.school_id, []).append((c.pk, c.grade))

    def write_students(self):
        from schools.models import Student
        from schools.services import students_enrolled

        rng = self.rng("students")
        checked = False
        for school, p in zip(self.schools, self.plans, strict=True):
            students = []
            number = 1
            for (class_id, grade), (_g, _n, size) in zip(
                self.classes[school.pk], p.classes, strict=True
            ):
                for _ in range(size):
                    students.append(
                        Student(
                            school_id=school.pk,
                            school_class_id=class_id,
                            student_number=f"{p.code[1:]}{grade:02d}{number:05d}",
                            name=SURNAMES[rng.randrange(len(SURNAMES))]
                            + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))),
                            gender=Gender.MALE if rng.random() < 0.51 else Gender.FEMALE,
                            birth_date=_birth_date(rng, grade, self.today),
                            guardian_name=SURNAMES[rng.randrange(len(SURNAMES))]
                            + "".join(rng.choice(TEACHER_GIVEN) for _ in range(2)),
                            guardian_phone=f"000{rng.randrange(10**8):08d}",
                        )
                    )
                    number += 1
            if not checked:
                _spot_check(students)  # Student.clean: the class is the student's school's
                checked = True
            saved = self.meter.write("学生", Student, students)
            started = time.monotonic()
            # Enrolled through the schools service: screening opens every archive.
            students_enrolled(students=saved)
            self.meter.add("心理档案", len(saved), time.monotonic() - started)
            grades = dict(self.classes[school.pk])
            self.students[school.pk] = [
                (s.pk, grades[s.school_class_id], s.birth_date) for s in saved
            ]

    # --- training hours -------------------------------------------------------------------

    def _term_days(self) -> list[datetime.date]:
        """School days (Monday–Friday, outside the breaks) of the last two school years, up
        to yesterday."""
        first, last = self.years[0].start, self.today - datetime.timedelta(days=1)
        days, day = [], first
        while day <= last:
            if day.weekday() < 5 and not break_days(start=day, end=day):
                days.append(day)
            day += datetime.timedelta(days=1)
        return days

    def write_training(self):
        from courses.models import HoursEntry, TrainingModulePage, TrainingSession

        rng = self.rng("training")
        modules = list(TrainingModulePage.objects.live().order_by("pk"))
        offline = [m for m in modules if not m.is_online]
        online = [m for m in modules if m.is_online]
        if not offline and not online:
            self.out("  没有培训模块（请先载入普通演示数据），跳过学时台账。")
            return
        days = self._term_days()
        existing_codes = set(
            HoursEntry.objects.exclude(certificate_code=None).values_list(
                "certificate_code", flat=True
            )
        )
        counter = 0

        def certificate_code() -> str:
            # Four random characters and a serial number: unique by construction.
            nonlocal counter
            while True:
                counter += 1
                n, serial = counter, []
                for _ in range(6):
                    n, digit = divmod(n, len(CODE_ALPHABET))
                    serial.append(CODE_ALPHABET[digit])
                code = "".join(rng.choices(CODE_ALPHABET, k=4)) + "".join(serial)
                if code not in existing_codes:
                    return code

        trainers = [
            SURNAMES[i % len(SURNAMES)] + TEACHER_GIVEN[(3 * i) % len(TEACHER_GIVEN)]
            for i in range(40)
        ]
        entries = []
        checked = False
        for school in self.schools:
            staff_ids = self.users_by_school[school.pk]
            admin_id = self.staff[school.pk][Role.SCHOOL_ADMIN][0]
            sessions = []
            if offline and days:
                for n, day in enumerate(
                    sorted(rng.sample(days, min(len(days), SESSIONS_PER_SCHOOL))), 1
                ):
                    module = rng.choice(offline)
                    starts = self.at(day, rng.choice((14, 15, 16)), rng.choice((0, 30)))
                    sessions.append(
                        TrainingSession(
                            module_id=module.pk,
                            school_id=school.pk,
                            title=f"校本研修第{n}期：{module.title}"[:100],
                            starts_at=starts,
                            ends_at=starts + datetime.timedelta(hours=float(module.hours)),
                            place=rng.choice(
                                ("本校会议室", "本校报告厅", "心理辅导室", "多功能教室")
                            ),
                            trainer=rng.choice(trainers),
                            capacity=len(staff_ids) + 10,
                        )
                    )
                if not checked:
                    _spot_check(sessions)
                sessions = self.meter.write("培训场次", TrainingSession, sessions)
            session_modules = {m.pk: m for m in offline}
            for user_id in staff_ids:
                engagement = rng.uniform(0.7, 1.0)
                for session in sessions:
                    if rng.random() >= engagement:
                        continue
                    module = session_modules[session.module_id]
                    ended = timezone.localtime(session.ends_at)
                    entries.append(
                        HoursEntry(
                            teacher_id=user_id,
                            school_id=school.pk,
                            hours=module.hours,
                            source=HoursEntry.Source.SESSION,
                            module_id=module.pk,
                            session_id=session.pk,
                            credit_round=1,
                            credited_on=ended.date(),
                            recorded_by_id=admin_id,
                            recorded_at=ended + datetime.timedelta(hours=rng.randint(1, 48)),
                            certificate_code=certificate_code(),
                        )
                    )
                for module in online:
                    if rng.random() >= ONLINE_SHARE or not days:
                        continue
                    day = rng.choice(days)
                    entries.append(
                        HoursEntry(
                            teacher_id=user_id,
                            school_id=school.pk,
                            hours=module.hours,
                            source=HoursEntry.Source.ONLINE,
                            module_id=module.pk,
                            credit_round=1,
                            credited_on=day,
                            recorded_by_id=user_id,
                            recorded_at=self.at(day, rng.randint(8, 21), rng.randint(0, 59)),
                            certificate_code=certificate_code(),
                        )
                    )
            if not checked and entries:
                _spot_check(entries)
                checked = True
            if len(entries) >= 20_000:
                self.meter.write("学时台账", HoursEntry, entries)
                entries = []
        if entries:
            self.meter.write("学时台账", HoursEntry, entries)

    # --- screening: rounds, results, warnings -----------------------------------------------

    def write_screening(self):
        from screening.instruments import PHQ9
        from screening.models import (
            Instrument,
            ScreeningResult,
            ScreeningRound,
            Warning,
            WarningAction,
            WarningLevel,
        )
        from screening.services.instruments import InstrumentKey
        from screening.services.warnings import warning_due_at

        rng = self.rng("screening")
        phq9 = Instrument.objects.get(code=PHQ9["code"], school__isnull=True)
        key = InstrumentKey.load(phq9)
        year = self.years[1]
        start = datetime.date(year.first_year, 10, 15)
        if start > self.today - datetime.timedelta(days=14):
            start = year.start
        name = f"{year.first_year}年秋季学期学生心理健康筛查（PHQ-9）"
        screened = [
            (school, p)
            for school, p in zip(self.schools, self.plans, strict=True)
            if p.has_psych and any(g >= SCREENED_FROM_GRADE for g in grades_of_kind(p.kind))
        ]
        targeted = sum(
            1
            for school, _p in screened
            for _s, grade, _b in self.students[school.pk]
            if grade >= SCREENED_FROM_GRADE
        )
        all_students = sum(len(v) for v in self.students.values())
        share = TARGETS["screening_results"] / TARGETS["students"]
        coverage = min(0.97, share * all_students / targeted) if targeted else 0
        rounds = []
        for school, p in screened:
            starts = min(start + datetime.timedelta(days=rng.randrange(0, 10)), self.today)
            ends = min(starts + datetime.timedelta(days=14), self.today)
            rounds.append(
                ScreeningRound(
                    school_id=school.pk,
                    name=name,
                    grades=[g for g in grades_of_kind(p.kind) if g >= SCREENED_FROM_GRADE],
                    starts_on=starts,
                    ends_on=ends,
                    basis=ScreeningRound.Basis.STATUTORY,
                    basis_note="依据学校心理健康教育工作方案开展，已报县教育局备案",
                    status=ScreeningRound.Status.CLOSED
                    if ends < self.today
                    else ScreeningRound.Status.OPEN,
                    created_by_id=self.staff[school.pk][Role.PSYCH_TEACHER][0],
                )
            )
        _spot_check(rounds)
        rounds = self.meter.write("筛查批次", ScreeningRound, rounds)
        through = ScreeningRound.instruments.through
        self.meter.write(
            "筛查批次量表",
            through,
            [through(screeninground_id=r.pk, instrument_id=phq9.pk) for r in rounds],
        )
        profiles = [w for _p, w in PHQ_PROFILES]
        profile_weights = [p for p, _w in PHQ_PROFILES]
        scored_cache: dict[tuple, object] = {}
        results, checked = [], False
        warned = []  # (result, student id, grade, school id)
        for rnd, (school, _p) in zip(rounds, screened, strict=True):
            psych = self.staff[school.pk][Role.PSYCH_TEACHER][0]
            span = (rnd.ends_on - rnd.starts_on).days + 1
            for student_id, grade, _born in self.students[school.pk]:
                if grade < SCREENED_FROM_GRADE or rng.random() >= coverage:
                    continue
                weights = rng.choices(profiles, weights=profile_weights)[0]
                answers = rng.choices(range(4), weights=weights, k=9)
                answers[8] = 1 if rng.random() < ITEM9_POSITIVE else 0
                answers = tuple(answers)
                scored = scored_cache.get(answers)
                if scored is None:
                    scored = scored_cache[answers] = key.score_answers(list(answers))
                taken_on = rnd.starts_on + datetime.timedelta(days=rng.randrange(span))
                result = ScreeningResult(
                    round_id=rnd.pk,
                    instrument_id=phq9.pk,
                    student_id=student_id,
                    school_id=school.pk,
                    taken_on=taken_on,
                    answers=list(answers),
                    total=scored.total,
                    subscale_scores=scored.subscales,
                    band=scored.band,
                    level=scored.level,
                    critical=scored.critical,
                    critical_checked=True,
                    source=ScreeningResult.Source.IMPORT,
                    entered_by_id=psych,
                    entered_at=self.at(taken_on, 17, rng.randint(0, 59)),
                )
                results.append(result)
                if scored.level:
                    warned.append((result, student_id, grade, school.pk))
            if not checked and results:
                _spot_check(results)
                checked = True
            if len(results) >= 20_000:
                self.meter.write("测评结果", ScreeningResult, results)
                results = []
        if results:
            self.meter.write("测评结果", ScreeningResult, results)

        # A warning for every levelled result (each student has one result, so at most one
        # open warning each), worked as far as its age allows.
        warnings, plans = [], []
        for result, student_id, grade, school_id in warned:
            staff = self.staff[school_id]
            psych = staff[Role.PSYCH_TEACHER][0]
            leader = staff[Role.SCHOOL_LEADER][0]
            raised = result.entered_at
            level = result.level
            warning = Warning(
                student_id=student_id,
                school_id=school_id,
                grade=grade,
                level=level,
                source=Warning.Source.CRITICAL if result.critical else Warning.Source.SCREENING,
                result_id=result.pk,
                owner_id=psych,
                raised_by_id=psych,
                raised_at=raised,
                due_at=warning_due_at(level=level, raised_at=raised),
            )
            age = (self.now - raised).days
            roll = rng.random()
            steps = []  # (kind, by, at, text, old, new)
            if age >= 3 and roll < 0.85:
                followed = raised + datetime.timedelta(hours=rng.randint(2, 40))
                steps.append(("status", psych, followed, "", "open", "follow_up"))
                steps.append(("note", psych, followed, rng.choice(FOLLOW_UP_NOTES), "", ""))
                warning.status = Warning.Status.FOLLOW_UP
                if age >= 14 and roll < 0.55:
                    closed = followed + datetime.timedelta(days=rng.randint(7, max(8, age - 2)))
                    closed = min(closed, self.now - datetime.timedelta(hours=1))
                    outcome = rng.choice(OUTCOMES)
                    warning.outcome = outcome
                    if level == WarningLevel.CRISIS:
                        if roll < 0.45:  # signed off by a school leader
                            steps.append(
                                ("sign_off", leader, closed, outcome, "follow_up", "closed")
                            )
                            warning.status = Warning.Status.CLOSED
                            warning.signed_off_by_id = leader
                            warning.signed_off_at = closed
                            warning.closed_at = closed
                        else:  # the psychology teacher asked; the sign-off is still due
                            steps.append(
                                ("close_request", psych, closed, outcome, "follow_up", "closing")
                            )
                            warning.status = Warning.Status.CLOSE_REQUESTED
                    else:
                        steps.append(("status", psych, closed, outcome, "follow_up", "closed"))
                        warning.status = Warning.Status.CLOSED
                        warning.closed_at = closed
            warnings.append(warning)
            plans.append(steps)
        _spot_check(warnings)
        warnings = self.meter.write("预警", Warning, warnings)
        actions = [
            WarningAction(
                warning_id=w.pk, kind=kind, by_id=by, at=at, text=text, old_value=old, new_value=new
            )
            for w, steps in zip(warnings, plans, strict=True)
            for kind, by, at, text, old, new in steps
        ]
        self.meter.write("预警处置记录", WarningAction, actions)

    # --- duty: incidents and their reports -------------------------------------------------------

    def write_incidents(self):
        from duty.models import EntryKind, IncidentEntry, IncidentReport, IncidentStatus

        rng = self.rng("incidents")
        categories = [c for c, _w in INCIDENT_CATEGORIES]
        weights = [w for _c, w in INCIDENT_CATEGORIES]
        incidents, plans = [], []
        for school in self.schools:
            staff = self.staff[school.pk]
            reporters = staff[Role.CLASS_TEACHER] or staff[Role.SCHOOL_ADMIN]
            handler = staff[Role.SCHOOL_LEADER][0]
            students = self.students[school.pk]
            for _ in range(rng.randint(*INCIDENTS_PER_SCHOOL)):
                category = rng.choices(categories, weights=weights)[0]
                minutes = rng.randint(60, 730 * 24 * 60)
                discovered = self.now - datetime.timedelta(minutes=minutes)
                occurred = discovered - datetime.timedelta(minutes=rng.randint(0, 120))
                created = discovered + datetime.timedelta(minutes=rng.randint(5, 40))
                created = min(created, self.now)
                police = category == "running_away" and rng.random() < 0.7
                reporter = rng.choice(reporters)
                incident = IncidentReport(
                    school_id=school.pk,
                    category=category,
                    occurred_at=occurred,
                    discovered_at=discovered,
                    place=rng.choice(PLACES),
                    first_facts=INCIDENT_FACTS[category],
                    reporter_id=reporter,
                    parents_contacted_at=min(
                        discovered + datetime.timedelta(minutes=rng.randint(5, 40)), self.now
                    ),
                    leader_arrived_at=min(
                        discovered + datetime.timedelta(minutes=rng.randint(3, 30)), self.now
                    ),
                    police_involved=police,
                    police_guidance="派出所民警到校了解情况，指导学校调取监控并保持与家长联系。"
                    if police
                    else "",
                    created_at=created,
                    updated_at=created,
                    updated_by_id=reporter,
                )
                entries = []
                if minutes > 50:
                    phone = discovered + datetime.timedelta(minutes=rng.randint(10, 40))
                    entries.append(
                        (
                            EntryKind.PHONE,
                            phone,
                            "分管副校长",
                            rng.choice(CALLEES),
                            ENTRY_TEXTS["phone"],
                        )
                    )
                if minutes > 7 * 24 * 60:
                    written = discovered + datetime.timedelta(minutes=rng.randint(60, 240))
                    final = discovered + datetime.timedelta(days=rng.randint(2, 6))
                    entries.append((EntryKind.WRITTEN, written, "", "", ENTRY_TEXTS["written"]))
                    if category in CRISIS_FOLLOW_UP:
                        entries.append(
                            (
                                EntryKind.FOLLOW_UP,
                                discovered
                                + datetime.timedelta(days=1, minutes=rng.randint(0, 600)),
                                "",
                                "",
                                ENTRY_TEXTS["follow_up"],
                            )
                        )
                    entries.append((EntryKind.FINAL, final, "", "", ENTRY_TEXTS["final"]))
                    incident.status = IncidentStatus.CLOSED
                    incident.closed_at = final + datetime.timedelta(minutes=4)
                    incident.updated_at = incident.closed_at
                    incident.updated_by_id = handler
                    incident.version = 2
                involved = rng.sample(students, min(len(students), rng.choice((1, 1, 2))))
                incidents.append(incident)
                plans.append((entries, handler, [s for s, _g, _b in involved]))
        _spot_check(incidents, exclude=["students"])
        incidents = self.meter.write("事件报告", IncidentReport, incidents)
        entries, links = [], []
        through = IncidentReport.students.through
        for incident, (rows, handler, student_ids) in zip(incidents, plans, strict=True):
            for kind, happened, caller, callee, content in rows:
                entries.append(
                    IncidentEntry(
                        incident_id=incident.pk,
                        kind=kind,
                        happened_at=happened,
                        entered_at=happened + datetime.timedelta(minutes=rng.randint(0, 4)),
                        entered_by_id=handler,
                        caller=caller,
                        callee=callee,
                        content=content,
                    )
                )
            links.extend(
                through(incidentreport_id=incident.pk, student_id=sid) for sid in student_ids
            )
        self.meter.write("事件报告记录", IncidentEntry, entries)
        self.meter.write("事件涉及学生", through, links)

    # --- the access log -----------------------------------------------------------------------

    def write_access_log(self):
        from schools.models import AccessLog

        rng = self.rng("access-log")
        bureau = list(
            get_user_model()
            .objects.filter(memberships__school__isnull=True)
            .values_list("pk", flat=True)
            .distinct()
        )
        lines = []
        span = 180 * 24 * 3600
        for school in self.schools:
            staff = self.staff[school.pk]
            readers = (
                staff[Role.SCHOOL_ADMIN]
                + staff[Role.SCHOOL_LEADER]
                + staff.get(Role.PSYCH_TEACHER, [])
                + staff[Role.GRADE_LEADER]
            )
            students = self.students[school.pk]
            for _ in range(ACCESS_LINES_PER_SCHOOL):
                action, object_type, path = rng.choice(SCHOOL_ACCESS)
                student_id = rng.choice(students)[0] if students else None
                per_student = object_type in ("schools.student", "screening.archive")
                allowed = rng.random() >= 0.02
                lines.append(
                    AccessLog(
                        at=self.now - datetime.timedelta(seconds=rng.randrange(span)),
                        user_id=rng.choice(readers),
                        action=action if allowed else f"{action}-denied",
                        object_type=object_type,
                        object_id=str(student_id) if per_student else "",
                        student_pk=student_id if per_student else None,
                        count=None if per_student else rng.randint(1, 50),
                        school_id=school.pk,
                        allowed=allowed,
                        path=path.format(id=student_id),
                        ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                    )
                )
            if len(lines) >= 20_000:
                self.meter.write("访问日志", AccessLog, lines)
                lines = []
        want = expected_rows(plan_totals(self.plans))["access_log"]
        while bureau and len(lines) + self.meter.rows.get("访问日志", 0) < want:
            action, object_type, path = rng.choice(BUREAU_ACCESS)
            lines.append(
                AccessLog(
                    at=self.now - datetime.timedelta(seconds=rng.randrange(span)),
                    user_id=rng.choice(bureau),
                    action=action,
                    object_type=object_type,
                    count=rng.randint(1, 1000),
                    allowed=True,
                    path=path,
                    ip=f"10.0.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                )
            )
        if lines:
            self.meter.write("访问日志", AccessLog, lines)


FOLLOW_UP_NOTES = [
    "心理教师当天约谈，学生表示近期学习压力大，已约定每周谈心一次。",
    "已与班主任沟通，课间留意学生情绪；电话告知家长，家长表示配合。",
    "个别辅导一次，学生情绪较稳定，睡眠有所改善，继续观察。",
    "家访一次，了解家庭情况，与家长约定每周沟通学生在家表现。",
]
OUTCOMES = [
    "连续三周跟进，情绪稳定，家长知情并同意结案；继续纳入一般观察。",
    "复评分数已降至正常范围，学生学习生活恢复正常，结案。",
    "已转介专业机构并完成评估，学生按医嘱复诊，校内跟进四周后结案。",
]
INCIDENT_CATEGORIES = [
    ("accident", 30),
    ("other", 10),
    ("bullying", 14),
    ("harm_to_others", 14),
    ("self_harm", 12),
    ("running_away", 10),
    ("property_damage", 6),
    ("suicide_attempt", 4),
]
CRISIS_FOLLOW_UP = {"self_harm", "suicide_attempt", "running_away", "bullying"}
INCIDENT_FACTS = {
    "accident": "体育课上一名学生摔倒，手臂疼痛，校医初步处理后送医检查，家长已到医院陪同。",
    "other": "午休时一名学生突发身体不适，校医处理后通知家长接回，情况稳定。",
    "bullying": "班主任接到学生反映，有同学多次在课间取笑、推搡该生，已分别谈话并通知双方家长。",
    "harm_to_others": "课间两名学生发生肢体冲突，一名学生面部擦伤，已由校医处理并通知双方家长到校。",
    "self_harm": "宿管老师发现一名学生手臂有划痕，情绪低落，已陪同至心理辅导室评估，并通知家长。",
    "running_away": "晚自习点名时发现一名学生未到，家长称学生未回家，学校已组织人员寻找并查看监控。",
    "property_damage": "一名学生情绪激动时损坏教室门窗玻璃，无人受伤，已与学生谈话并联系家长。",
    "suicide_attempt": "一名学生在家中出现轻生行为，家长及时发现送医，学校获悉后启动危机干预预案。",
}
PLACES = ["教学楼走廊", "操场", "学生宿舍", "教室", "食堂", "学校东门", "实验楼", "学生家中"]
CALLEES = ["县教育局安全股值班员", "县教育局值班室", "县心理健康教育指导中心值班员"]
ENTRY_TEXTS = {
    "phone": "电话报告首报情况：时间、地点、涉及学生人数、目前处置情况。",
    "written": "书面报告已报送县教育局，附事件经过、处置措施和下一步安排。",
    "follow_up": "续报：学生情绪趋于平稳，家长同意带学生复诊，班主任每日跟进。",
    "final": "终结报告：风险已解除，学生正常到校，学校建立跟踪档案并定期回访。",
}
# (action, object type, path): what school staff and the bureau open.
SCHOOL_ACCESS = [
    ("list", "schools.student", "/admin/schools/students/"),
    ("view", "schools.student", "/admin/schools/students/edit/{id}/"),
    ("view", "screening.archive", "/admin/screening/students/{id}/archive/"),
    ("list", "screening.warning", "/admin/screening/warnings/"),
    ("list", "screening.result", "/admin/screening/rounds/"),
    ("list", "duty.incidentreport", "/admin/duty/incidents/"),
    ("view", "screening.figures", "/admin/screening/figures/"),
    ("export", "schools.student", "/admin/schools/students/"),
]
BUREAU_ACCESS = [
    ("view", "screening.figures", "/admin/screening/figures/"),
    ("export", "screening.figures", "/admin/screening/figures/export.xlsx"),
    ("list", "duty.incidentreport", "/admin/duty/incidents/"),
    ("view", "oversight", "/admin/oversight/dashboard/"),
    ("list", "schools.accesslog", "/admin/schools/access-log/"),
]

"""Demo schools, classes, staff and students of the fictional city of 临澜市.

Every name is invented. Idempotent: schools and users are looked up by code and username;
a school's students and classes are created only when it has none.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from schools.calendar import SchoolYear
from schools.models import Facility, Membership, School, SchoolClass, Student
from schools.services import (
    membership_save,
    membership_sync_groups,
    staff_role_check,
    students_enrolled,
)
from schools.vocab import Gender, Grade, PsychEmployment, Role, SchoolKind, grades_of_kind

CITY = "临澜市"

# code, name, kind, public, township, classes per grade, has a psychology teacher
SCHOOLS = [
    ("X0101", "临澜市第一实验学校", SchoolKind.NINE_YEAR, True, "城关街道", 2, True),
    ("X0102", "临澜市实验小学", SchoolKind.PRIMARY, True, "城关街道", 2, True),
    ("X0103", "临澜市第二中学", SchoolKind.JUNIOR, True, "东湖街道", 2, True),
    ("X0104", "临澜市第一高级中学", SchoolKind.SENIOR, True, "东湖街道", 2, True),
    ("X0105", "临澜市职业技术学校", SchoolKind.VOCATIONAL, True, "经开区", 1, True),
    ("X0106", "临澜市机关幼儿园", SchoolKind.KINDERGARTEN, True, "城关街道", 1, True),
    ("X0107", "青石镇中心小学", SchoolKind.PRIMARY, True, "青石镇", 1, True),
    ("X0108", "青石镇初级中学", SchoolKind.JUNIOR, True, "青石镇", 1, True),
    ("X0109", "白沙镇九年一贯制学校", SchoolKind.NINE_YEAR, True, "白沙镇", 1, True),
    ("X0110", "临澜外国语学校", SchoolKind.TWELVE_YEAR, False, "南山街道", 1, True),
    ("X0111", "柳塘乡中心幼儿园", SchoolKind.KINDERGARTEN, True, "柳塘乡", 1, False),
    ("X0112", "柳塘乡中心小学", SchoolKind.PRIMARY, True, "柳塘乡", 1, False),
]
DEMO_SCHOOL = "X0101"

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = list(
    "子涵浩宇欣怡梓轩一诺雨桐思远佳琪俊杰若曦嘉懿明轩诗雨睿泽语嫣天佑可馨博文晨阳安然书瑶铭哲心悦振宇静怡"
)
TEACHER_GIVEN = list("建华秀英志强丽娟海燕文博晓梅国庆春梅立新红霞永刚淑珍卫东慧敏晓东雪梅")

# Fixed demo accounts (password XINYU_DEMO_PASSWORD), all school roles at DEMO_SCHOOL.
DEMO_ACCOUNTS = [
    ("bureau_admin", "周文华", Role.BUREAU_ADMIN, {}),
    ("bureau_auditor", "钱立群", Role.BUREAU_AUDITOR, {}),
    ("school_admin", "孙晓梅", Role.SCHOOL_ADMIN, {}),
    ("school_leader", "郑国栋", Role.SCHOOL_LEADER, {}),
    ("grade_leader", "吴海燕", Role.GRADE_LEADER, {"grade": Grade.J1}),
    (
        "psych_teacher",
        "林心怡",
        Role.PSYCH_TEACHER,
        {"psych_employment": PsychEmployment.FULL_TIME},
    ),
    ("class_teacher", "陈春雨", Role.CLASS_TEACHER, {}),
    ("teacher", "黄子明", Role.TEACHER, {}),
]

CLASS_NUMERALS = "一二三四五六"
STUDENTS_PER_CLASS = 23


def _name(rng, given=GIVEN, length=None):
    length = length or rng.choice((1, 2, 2))
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(length))


def _class_name(grade, index):
    label = Grade(grade).label
    if grade < 10:  # kindergarten: 小（1）班
        return f"{label[0]}（{index}）班"
    return f"{label}（{index}）班"


def _birth_date(rng, grade, today):
    # Age at 1 September of the school year: kindergarten 3–5, grade 1 is 6, …
    order = {1: 3, 2: 4, 3: 5}.get(grade)
    if order is None:
        stage_base = {1: 6, 2: 12, 3: 15, 4: 15}[grade // 10]
        order = stage_base + (grade % 10) - 1
    year = SchoolYear.containing(today).first_year - order
    start = SchoolYear(year - 1).start
    return start + datetime.timedelta(days=rng.randrange(365))


class _Roster:
    """Staff of one school, built in memory and saved in bulk."""

    def __init__(self, *, prefix, rng, password):
        self.prefix, self.rng, self.password = prefix, rng, password
        self.users, self.memberships = [], []

    def add(self, suffix, role, **extra):
        user = get_user_model()(
            username=f"{self.prefix}_{suffix}",
            real_name=_name(self.rng, TEACHER_GIVEN, 2),
            password=self.password,
        )
        self.users.append(user)
        self.memberships.append((user, role, extra))
        return user


def load(*, out, rng):
    User = get_user_model()
    password = make_password(settings.XINYU_DEMO_PASSWORD)
    today = datetime.date.today()
    school_year_start = SchoolYear.containing(today).start

    schools = {}
    for code, name, kind, public, township, _per_grade, _psych in SCHOOLS:
        school = School.objects.filter(code=code).first()
        if school is None:
            school = School(
                code=code,
                name=name,
                kind=kind,
                is_public=public,
                township=township,
                address=f"{CITY}{township}学府路{int(code[-2:]) * 7}号",
                counselling_hotline=f"0000-86{code[-3:]}20",
                counselling_mailbox=f"xinli-{code.lower()}@example.cn",
            )
            school.full_clean()  # the checks of the back-office school form
            school.save()
        schools[code] = school
    out(f"  学校：{len(schools)} 所")

    # Facilities: most schools have the basic rooms; smaller ones are still building.
    for code, school in schools.items():
        if school.facilities.exists():
            continue
        kinds = [Facility.Kind.COUNSELLING_ROOM, Facility.Kind.HOTLINE, Facility.Kind.MAILBOX]
        if school.kind != SchoolKind.KINDERGARTEN:
            kinds += [Facility.Kind.GROUP_ROOM, Facility.Kind.HEALTH_STATION]
        if code in ("X0101", "X0104", "X0110"):
            kinds.append(Facility.Kind.CATHARSIS_ROOM)
        facilities = [
            Facility(
                school=school,
                kind=kind,
                status=(
                    Facility.Status.BUILDING
                    if code in ("X0111", "X0112") and kind == Facility.Kind.GROUP_ROOM
                    else Facility.Status.IN_USE
                ),
                location="行政楼二楼" if "room" in kind else school.counselling_hotline,
                opening_hours="周一至周五 12:00–13:30，16:30–17:30" if "room" in kind else "",
            )
            for kind in kinds
        ]
        for facility in facilities:
            facility.full_clean()  # the model's checks, as the back-office form runs them
        Facility.objects.bulk_create(facilities)

    # Demo accounts.
    demo_school = schools[DEMO_SCHOOL]
    accounts = {}
    for username, real_name, role, extra in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, real_name=real_name, password=password)
            user.full_clean(exclude=["password"])
            user.save()
        accounts[username] = user
        if not Membership.objects.filter(user=user, role=role).exists():
            # The first bureau admin has nobody to grant the role (as on a new install,
            # ``membership_save`` alone); the bureau admin grants the others.
            school = None if role in (Role.BUREAU_ADMIN, Role.BUREAU_AUDITOR) else demo_school
            if role != Role.BUREAU_ADMIN:
                staff_role_check(by=accounts["bureau_admin"], school=school, role=role)
            membership_save(
                membership=Membership(
                    user=user,
                    school=school,
                    role=role,
                    active_from=school_year_start - datetime.timedelta(days=365 * 3),
                    **extra,
                )
            )
    # The demo class teacher also teaches (a membership of plain teacher is implied).

    # Classes, class teachers, students, staff per school.
    bureau_admin = accounts["bureau_admin"]
    staff_count = 0
    student_count = 0
    total_schools = len(SCHOOLS)
    for done, (code, _n, kind, _p, _t, per_grade, has_psych) in enumerate(SCHOOLS, 1):
        school = schools[code]
        if school.classes.exists():
            continue
        roster = _Roster(prefix=code.lower(), rng=rng, password=password)
        staff = roster.add
        new_users, memberships = roster.users, roster.memberships

        staff("admin", Role.SCHOOL_ADMIN)
        staff("leader", Role.SCHOOL_LEADER)
        if code != DEMO_SCHOOL:
            if has_psych:
                employment = (
                    PsychEmployment.FULL_TIME if per_grade > 1 else PsychEmployment.PART_TIME
                )
                staff("psych", Role.PSYCH_TEACHER, psych_employment=employment)
        for n in range(1, 4):
            staff(f"t{n:02d}", Role.TEACHER)

        classes = []
        for grade in grades_of_kind(kind):
            for index in range(1, per_grade + 1):
                classes.append(
                    SchoolClass(school=school, grade=grade, name=_class_name(grade, index))
                )
        heads = []
        for i, cls in enumerate(classes, 1):
            if code == DEMO_SCHOOL and cls.grade == Grade.J1 and cls.name.endswith("（1）班"):
                cls.head_teacher = accounts["class_teacher"]
            else:
                heads.append((cls, staff(f"c{i:02d}", Role.CLASS_TEACHER)))
        # One grade leader per stage's first grade for larger schools.
        for grade in grades_of_kind(kind)[:: 3 if per_grade > 1 else 6]:
            if code == DEMO_SCHOOL and grade == Grade.J1:
                continue
            staff(f"g{grade}", Role.GRADE_LEADER, grade=grade)

        # Hundreds of staff and thousands of students: written in bulk, but every record first
        # passes the check the one-by-one path runs (the model's full_clean; for a role,
        # ``staff_role_check`` with the bureau admin granting it), so a record the services
        # would refuse raises here instead of being stored.
        for user in new_users:
            user.full_clean(exclude=["password"])
        User.objects.bulk_create(new_users)
        saved = {
            u.username: u for u in User.objects.filter(username__in=[u.username for u in new_users])
        }
        for cls, head in heads:
            cls.head_teacher = saved[head.username]
        for cls in classes:
            cls.full_clean()
        SchoolClass.objects.bulk_create(classes)
        granted = []
        for user, role, extra in memberships:
            staff_role_check(by=bureau_admin, school=school, role=role)
            membership = Membership(
                user=saved[user.username],
                school=school,
                role=role,
                active_from=school_year_start - datetime.timedelta(days=rng.randrange(30, 2000)),
                **extra,
            )
            membership.full_clean()
            granted.append(membership)
        Membership.objects.bulk_create(granted)
        staff_count += len(new_users)

        students = []
        number = 1
        for cls in SchoolClass.objects.filter(school=school).order_by("grade", "name"):
            for _ in range(STUDENTS_PER_CLASS + rng.randrange(-3, 4)):
                students.append(
                    Student(
                        school=school,
                        school_class=cls,
                        student_number=f"{code[1:]}{cls.grade:02d}{number:04d}",
                        name=_name(rng),
                        gender=rng.choice((Gender.MALE, Gender.FEMALE)),
                        birth_date=_birth_date(rng, cls.grade, today),
                        guardian_name=_name(rng, TEACHER_GIVEN, 2),
                        guardian_phone=f"000{rng.randrange(10**8):08d}",
                    )
                )
                number += 1
        for student in students:
            student.full_clean()
        # Enrolled through the schools service: every app keeps what it keeps from that day
        # (screening opens each student's archive).
        students_enrolled(students=Student.objects.bulk_create(students))
        student_count += len(students)
        out.every("学校", done, total_schools, every=4)

    for user in User.objects.filter(memberships__isnull=False).distinct():
        membership_sync_groups(user=user)
    out(
        f"  教职工 {Membership.objects.exclude(school=None).values('user').distinct().count()} 人，"
        f"班级 {SchoolClass.objects.count()} 个，学生 {Student.objects.count()} 人"
        + (f"（本次新增教职工 {staff_count}、学生 {student_count}）" if staff_count else "")
    )

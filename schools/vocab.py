"""Controlled vocabularies shared by every app: school kinds, stages and grades, roles."""

from django.db import models


class SchoolKind(models.TextChoices):
    KINDERGARTEN = "kindergarten", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初级中学"
    SENIOR = "senior", "高级中学"
    VOCATIONAL = "vocational", "中等职业学校"
    NINE_YEAR = "nine_year", "九年一贯制学校"
    TWELVE_YEAR = "twelve_year", "十二年一贯制学校"


class Stage(models.TextChoices):
    """School stage (学段)."""

    KINDERGARTEN = "kindergarten", "学前"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中职"


class Grade(models.IntegerChoices):
    """Grades as one number line across stages, so a range query is a range of ints."""

    K1 = 1, "小班"
    K2 = 2, "中班"
    K3 = 3, "大班"
    P1 = 11, "一年级"
    P2 = 12, "二年级"
    P3 = 13, "三年级"
    P4 = 14, "四年级"
    P5 = 15, "五年级"
    P6 = 16, "六年级"
    J1 = 21, "七年级"
    J2 = 22, "八年级"
    J3 = 23, "九年级"
    S1 = 31, "高一"
    S2 = 32, "高二"
    S3 = 33, "高三"
    V1 = 41, "中职一年级"
    V2 = 42, "中职二年级"
    V3 = 43, "中职三年级"


STAGE_GRADES = {
    Stage.KINDERGARTEN: [Grade.K1, Grade.K2, Grade.K3],
    Stage.PRIMARY: [Grade.P1, Grade.P2, Grade.P3, Grade.P4, Grade.P5, Grade.P6],
    Stage.JUNIOR: [Grade.J1, Grade.J2, Grade.J3],
    Stage.SENIOR: [Grade.S1, Grade.S2, Grade.S3],
    Stage.VOCATIONAL: [Grade.V1, Grade.V2, Grade.V3],
}

KIND_STAGES = {
    SchoolKind.KINDERGARTEN: [Stage.KINDERGARTEN],
    SchoolKind.PRIMARY: [Stage.PRIMARY],
    SchoolKind.JUNIOR: [Stage.JUNIOR],
    SchoolKind.SENIOR: [Stage.SENIOR],
    SchoolKind.VOCATIONAL: [Stage.VOCATIONAL],
    SchoolKind.NINE_YEAR: [Stage.PRIMARY, Stage.JUNIOR],
    SchoolKind.TWELVE_YEAR: [Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR],
}


#: Kindergarten grades (小班、中班、大班): measured apart from 中小学 (the source's requirements
#: name 每所中小学; kindergartens are listed and counted separately, never as 中小学 gaps).
KINDERGARTEN_GRADES = frozenset(STAGE_GRADES[Stage.KINDERGARTEN])
#: The two groups figures are measured in: 中小学 (every kind but kindergartens) and 幼儿园.
SCHOOL_GROUPS = {"school": "中小学", "kindergarten": "幼儿园"}


#: School kinds that are kindergartens (the rest are the 中小学 of the source's 每所中小学).
KINDERGARTEN_KINDS = frozenset({SchoolKind.KINDERGARTEN})


def is_kindergarten(kind: str) -> bool:
    """Whether a school of ``kind`` is a kindergarten (not one of the 中小学)."""
    return kind in KINDERGARTEN_KINDS


def group_of_kind(kind: str) -> str:
    """``"kindergarten"`` or ``"school"`` (中小学, 中职 included): see ``SCHOOL_GROUPS``."""
    return "kindergarten" if is_kindergarten(kind) else "school"


def stage_of_grade(grade: int) -> str:
    for stage, grades in STAGE_GRADES.items():
        if grade in grades:
            return stage
    raise ValueError(f"unknown grade {grade}")


def grades_of_kind(kind: str) -> list[int]:
    return [g for stage in KIND_STAGES[kind] for g in STAGE_GRADES[stage]]


def grade_from_label(label: str) -> int | None:
    """Parse a grade written in a spreadsheet: its label (七年级) or its number (21)."""
    text = str(label).strip()
    for value, name in Grade.choices:
        if text in (name, str(value)):
            return value
    return None


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", "市局管理员"
    BUREAU_AUDITOR = "bureau_auditor", "市局审计员"
    SCHOOL_ADMIN = "school_admin", "学校管理员"
    SCHOOL_LEADER = "school_leader", "学校领导"
    GRADE_LEADER = "grade_leader", "年级组长"
    PSYCH_TEACHER = "psych_teacher", "心理健康教育教师"
    CLASS_TEACHER = "class_teacher", "班主任"
    TEACHER = "teacher", "教师"


# What a role is, as data (what it may do is ``schools.access``'s capability table):
#: Bureau roles belong to no school.
BUREAU_ROLES = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_AUDITOR})
#: Roles of a school's staff, in the vocabulary's order.
STAFF_ROLES = tuple(r for r in Role if r not in BUREAU_ROLES)
#: A membership in these roles names the grade it leads.
GRADE_ROLES = frozenset({Role.GRADE_LEADER})
#: A membership in these roles says whether the post is full- or part-time (R-10).
PSYCH_ROLES = frozenset({Role.PSYCH_TEACHER})
#: The role the staff import gives when a row names none.
DEFAULT_STAFF_ROLE = Role.TEACHER
#: Other names a spreadsheet may use for a role.
ROLE_ALIASES = {"心理教师": Role.PSYCH_TEACHER}


class PsychEmployment(models.TextChoices):
    FULL_TIME = "full", "专职"
    PART_TIME = "part", "兼职"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"

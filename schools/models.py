"""Schools, their classes, staff memberships, students and facilities (R-10, R-11).

Every query of these models that a user can trigger goes through ``schools.selectors``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import phone_validator

from .vocab import (
    BUREAU_ROLES,
    GRADE_ROLES,
    PSYCH_ROLES,
    Gender,
    Grade,
    PsychEmployment,
    Role,
    SchoolKind,
    grades_of_kind,
)


class School(models.Model):
    name = models.CharField("学校名称", max_length=100, unique=True)
    code = models.CharField(
        "学校代码",
        max_length=20,
        unique=True,
        help_text="教育行政部门的学校标识码，全市唯一。",
    )
    kind = models.CharField("学校类型", max_length=20, choices=SchoolKind.choices)
    is_public = models.BooleanField("公办", default=True)
    township = models.CharField("乡镇（街道）", max_length=50, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    counselling_hotline = models.CharField(
        "心理咨询热线", max_length=30, blank=True, validators=[phone_validator]
    )
    counselling_mailbox = models.CharField("心理咨询信箱", max_length=100, blank=True)

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def grades(self):
        return grades_of_kind(self.kind)


class Facility(models.Model):
    """A counselling facility or channel of a school (R-11)."""

    class Kind(models.TextChoices):
        COUNSELLING_ROOM = "counselling_room", "心理辅导室"
        HEALTH_STATION = "health_station", "健康驿站"
        GROUP_ROOM = "group_room", "团体活动室"
        CATHARSIS_ROOM = "catharsis_room", "宣泄室"
        HOTLINE = "hotline", "心理咨询热线"
        MAILBOX = "mailbox", "心理咨询信箱"

    class Status(models.TextChoices):
        IN_USE = "in_use", "已建成使用"
        BUILDING = "building", "建设中"
        PLANNED = "planned", "规划中"
        SUSPENDED = "suspended", "暂停使用"

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="facilities", verbose_name="学校"
    )
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.IN_USE)
    location = models.CharField("位置 / 号码", max_length=100, blank=True)
    area_m2 = models.PositiveIntegerField("面积（平方米）", null=True, blank=True)
    opening_hours = models.CharField("开放时间", max_length=100, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "场所与渠道"
        verbose_name_plural = "场所与渠道"
        ordering = ["school__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="facility_one_per_kind"),
        ]

    def __str__(self):
        return f"{self.school} · {self.get_kind_display()}"


class SchoolClass(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="classes", verbose_name="学校"
    )
    grade = models.PositiveSmallIntegerField("年级", choices=Grade.choices)
    name = models.CharField("班级名称", max_length=30, help_text="例如：七年级（3）班")
    head_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="head_of_classes",
        verbose_name="班主任",
    )

    class Meta:
        verbose_name = "班级"
        verbose_name_plural = "班级"
        ordering = ["school__code", "grade", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="class_name_unique_in_school"),
        ]

    def __str__(self):
        return f"{self.school.name} {self.name}"

    def clean(self):
        if self.school_id and self.grade and self.grade not in self.school.grades:
            raise ValidationError({"grade": "该年级不属于这所学校的学段。"})


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        day = on or timezone.localdate()
        return self.filter(active_from__lte=day).filter(
            Q(active_to__isnull=True) | Q(active_to__gte=day)
        )


(_GRADE_ROLE,) = GRADE_ROLES  # the one role whose membership names a grade


class Membership(models.Model):
    """A user's role at a school (or at the bureau, where ``school`` is empty)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="用户",
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="学校",
        help_text="市局角色不填学校。",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    grade = models.PositiveSmallIntegerField(
        "分管年级", choices=Grade.choices, null=True, blank=True, help_text="仅年级组长填写。"
    )
    psych_employment = models.CharField(
        "专兼职",
        max_length=10,
        choices=PsychEmployment.choices,
        blank=True,
        help_text="仅心理健康教育教师填写。",
    )
    active_from = models.DateField("起始日期", default=timezone.localdate)
    active_to = models.DateField("截止日期", null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "教职工岗位"
        ordering = ["school__code", "role", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(BUREAU_ROLES), school__isnull=True)
                    | (~Q(role__in=sorted(BUREAU_ROLES)) & Q(school__isnull=False))
                ),
                name="membership_school_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(role=_GRADE_ROLE, grade__isnull=False) | ~Q(role=_GRADE_ROLE),
                name="membership_grade_leader_has_grade",
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
                name="membership_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["school", "role"])]

    def __str__(self):
        where = self.school.name if self.school_id else "市局"
        return f"{self.user} · {where} · {self.get_role_display()}"

    def clean(self):
        errors = {}
        bureau = self.role in BUREAU_ROLES
        if bureau and self.school_id:
            errors["school"] = "市局角色不属于任何学校，请清空“学校”。"
        if not bureau and self.role and not self.school_id:
            errors["school"] = "学校角色必须选择学校。"
        if self.role in GRADE_ROLES and not self.grade:
            errors["grade"] = "年级组长必须填写分管年级。"
        if self.role in PSYCH_ROLES and not self.psych_employment:
            errors["psych_employment"] = "心理健康教育教师必须注明专职或兼职。"
        if self.school_id and self.grade and self.grade not in self.school.grades:
            errors["grade"] = "该年级不属于这所学校的学段。"
        if self.active_to and self.active_from and self.active_to < self.active_from:
            errors["active_to"] = "截止日期不能早于起始日期。"
        if errors:
            raise ValidationError(errors)


class Student(models.Model):
    """A student: minors' personal information, kept minimal. Never search-indexed."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="students", verbose_name="学校"
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="students",
        verbose_name="班级",
    )
    student_number = models.CharField("学号", max_length=30)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    guardian_name = models.CharField("监护人", max_length=50, blank=True)
    guardian_phone = models.CharField(
        "监护人电话", max_length=20, blank=True, validators=[phone_validator]
    )
    is_active = models.BooleanField(
        "在读",
        default=True,
        help_text="学生离校后取消勾选：不再出现在名单中，到期后按保存期限删除。",
    )
    left_on = models.DateField(
        "离校日期",
        null=True,
        blank=True,
        help_text="取消“在读”时默认为当天。离校满保存期限（XINYU_STUDENT_RETENTION_DAYS）后，"
        "学生及其测评、档案记录由 retention 命令删除。",
    )

    class Meta:
        verbose_name = "学生"
        verbose_name_plural = "学生"
        ordering = ["school__code", "school_class__grade", "school_class__name", "student_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student_number"], name="student_number_unique_in_school"
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.student_number}）"

    def clean(self):
        if (
            self.school_class_id
            and self.school_id
            and self.school_class.school_id != self.school_id
        ):
            raise ValidationError({"school_class": "班级必须属于该学生所在的学校。"})

    def age_on(self, day) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class AccessLog(models.Model):
    """One line per access to a protected record, allowed or denied (R-25).

    Holds ids and a short action name, never the record's content.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="用户",
    )
    action = models.CharField("操作", max_length=50, db_index=True)
    object_type = models.CharField("对象类型", max_length=50)
    object_id = models.CharField("对象编号", max_length=50, blank=True)
    # The student the line is about, by internal id (no foreign key: the line outlives the
    # student's record, which is deleted after its retention period).
    student_pk = models.PositiveBigIntegerField(
        "学生（内部编号）", null=True, blank=True, db_index=True
    )
    # How many records a listing showed or an export wrote (empty for one record).
    count = models.PositiveIntegerField("条数", null=True, blank=True)
    school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="学校",
    )
    allowed = models.BooleanField("允许", default=True)
    path = models.CharField("路径", max_length=300, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    # Append-only ids: nothing to gain from Wagtail's reference index, which would add
    # several queries to every logged access.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "访问日志"
        verbose_name_plural = "访问日志"
        ordering = ["-at"]

    def __str__(self):
        verdict = "允许" if self.allowed else "拒绝"
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}#{self.object_id} {verdict}"


class StaffImportJob(models.Model):
    """A large staff file being imported by a background task, with its progress.

    The checked rows wait here (no account exists until the whole file is written in one
    short transaction); once done, only the ids of the new accounts stay, so that the person
    who imported can hand out first-login links.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        CHECKING = "checking", "正在校验"
        WRITING = "writing", "正在写入"
        DONE = "done", "已完成"
        FAILED = "failed", "未导入"

    school = models.ForeignKey(School, on_delete=models.CASCADE, verbose_name="学校")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name="导入人"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    status = models.CharField("状态", max_length=10, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField("行数", default=0)
    checked = models.PositiveIntegerField("已校验", default=0)
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    error_total = models.PositiveIntegerField(default=0)
    new_user_ids = models.JSONField(default=list)
    count = models.PositiveIntegerField("导入条数", default=0)

    class Meta:
        verbose_name = "教职工导入任务"
        verbose_name_plural = "教职工导入任务"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.school} · 教职工导入 · {self.get_status_display()}"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.CHECKING, self.Status.WRITING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        share = 90 * self.checked // self.total
        return share + (5 if self.status == self.Status.WRITING else 0)

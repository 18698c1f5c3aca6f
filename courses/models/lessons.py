"""Mental-health lessons taught: one row per lesson a class had (R-1, R-18 “课程全覆盖”).

Writes go through ``courses.lessons.services`` (which checks the class belongs to a school the
writer may record for, the date is not in the future and falls in the current school year),
reads through ``courses.lessons.selectors``. Curriculum coverage is defined there.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

__all__ = ["LessonRecord", "LessonRule"]


class LessonRecord(models.Model):
    """A mental-health lesson (心理健康课，含生命教育、挫折教育) taught to one class."""

    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="lesson_records",
        verbose_name="学校",
        editable=False,
    )
    school_class = models.ForeignKey(
        "schools.SchoolClass",
        on_delete=models.PROTECT,
        related_name="lesson_records",
        verbose_name="班级",
    )
    taught_on = models.DateField("授课日期", default=timezone.localdate)
    curriculum = models.ForeignKey(
        "courses.CurriculumPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="课程",
        help_text="选了课例时可不填，会自动取课例所属课程。",
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="课例",
    )
    topic = models.CharField(
        "课题",
        max_length=100,
        blank=True,
        help_text="本校自编的课可只填课题；选了课例时默认取课例标题。",
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons_taught",
        verbose_name="授课教师",
    )
    periods = models.PositiveSmallIntegerField(
        "课时",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="本次连续上了几节课（1–4）。",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="登记人",
        editable=False,
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "心理健康课授课记录"
        verbose_name_plural = "心理健康课授课记录"
        ordering = ["-taught_on", "school_class__grade", "school_class__name"]
        indexes = [
            models.Index(fields=["school", "taught_on"], name="lessonrec_school_day"),
            models.Index(fields=["school_class", "taught_on"], name="lessonrec_class_day"),
        ]

    def __str__(self):
        return f"{self.taught_on:%Y-%m-%d} {self.school_class.name} {self.title}"

    @property
    def title(self) -> str:
        if self.topic:
            return self.topic
        if self.lesson_id:
            return self.lesson.title
        return self.curriculum.title if self.curriculum_id else "心理健康课"


def _weeks_text(days: int) -> str:
    weeks = {7: "每周", 14: "每两周", 21: "每三周", 28: "每四周"}
    return weeks.get(days, f"每 {days} 个教学日")


class LessonRule(models.Model):
    """How often a class is expected to have a mental-health lesson: **the bureau's own rule**
    (本局规定). The source asks that mental-health classes be part of the school-based
    curriculum and sets no frequency; the bureau sets one here, for 中小学 and for
    kindergartens separately. One row (pk 1); read through ``courses.lessons.selectors``,
    written through ``courses.lessons.services.lesson_rule_set``."""

    interval_days = models.PositiveSmallIntegerField(
        "中小学：周期（教学日）",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="例如 14 表示每两周（寒暑假不计）。",
    )
    periods = models.PositiveSmallIntegerField(
        "中小学：每周期节数", default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    kindergarten_interval_days = models.PositiveSmallIntegerField(
        "幼儿园：周期（教学日）",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    kindergarten_periods = models.PositiveSmallIntegerField(
        "幼儿园：每周期节数", default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    updated_at = models.DateTimeField("修改时间", null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
        editable=False,
    )

    class Meta:
        verbose_name = "心理健康课开课频次（本局规定）"
        verbose_name_plural = "心理健康课开课频次（本局规定）"

    def __str__(self):
        return f"中小学{self.text(kindergarten=False)}；幼儿园{self.text(kindergarten=True)}"

    def interval(self, *, kindergarten: bool) -> tuple[int, int]:
        """(days, periods) of the group's rule."""
        if kindergarten:
            return self.kindergarten_interval_days, self.kindergarten_periods
        return self.interval_days, self.periods

    def text(self, *, kindergarten: bool) -> str:
        """“每两周 1 节”."""
        days, periods = self.interval(kindergarten=kindergarten)
        return f"{_weeks_text(days)} {periods} 节"

"""Training modules, sessions and the hours ledger (R-7, R-8, R-9).

Reads go through ``courses.training.selectors``, writes through ``courses.training.services``.

The ledger (``HoursEntry``) is append-only. A correction is a new, negative entry that
reverses exactly one earlier credit (a one-to-one link, so nothing is reversed twice) and
carries a reason. Double credit is impossible at the database level: every credit of a
teacher for a module or a session has a ``credit_round`` (1 for the first credit, 2 after one
reversal, …) and a conditional unique constraint covers (teacher, module|session,
credit_round). Two concurrent credits compute the same round and the second fails; a re-credit
after a reversal takes the next round.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.forms.utils import ErrorList
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from portal.models import BasePage
from portal.page_forms import XinyuPageForm
from schools.vocab import STAFF_ROLES, Role, Stage
from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

from ..training.blocks import QuizBlock, TrainingSectionsBlock

__all__ = [
    "TrainingAudience",
    "TrainingFormat",
    "TrainingIndexPage",
    "TrainingModulePage",
    "SectionView",
    "QuizAttempt",
    "TrainingSession",
    "SessionRegistration",
    "ExternalTraining",
    "HoursEntry",
    "HoursTarget",
]


class TrainingAudience(models.TextChoices):
    PSYCH = "psych", "心理健康教育教师"
    CLASS = "class", "班主任"
    ALL = "all", "全体教师"
    LEADERS = "leaders", "学校领导"


class TrainingFormat(models.TextChoices):
    ONLINE = "online", "线上自学"
    LECTURE = "lecture", "专家讲座"
    WORKSHOP = "workshop", "工作坊"
    GROUP = "group", "团体辅导体验"
    RESEARCH = "research", "教研活动"


class TrainingIndexPage(BasePage):
    og_type = "website"
    intro = models.TextField("导语", blank=True)

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]

    template = "pages/training_index_page.html"
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["courses.TrainingModulePage"]
    max_count = 1

    class Meta:
        verbose_name = "教师培训栏目"

    def get_context(self, request, *args, **kwargs):
        from ..training.selectors import modules_filter

        context = super().get_context(request, *args, **kwargs)
        context.update(modules_filter(parent=self, params=request.GET))
        return context


class TrainingModuleForm(XinyuPageForm):
    """Stages are stored as a comma-separated list of ``schools.vocab.Stage`` values."""

    stages = forms.MultipleChoiceField(
        label="适用学段",
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选表示各学段通用。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.stages:
            self.initial["stages"] = self.instance.stage_list

    def clean_stages(self):
        return ",".join(self.cleaned_data["stages"])

    def clean(self):
        cleaned = super().clean()
        fmt = cleaned.get("format")
        quiz = cleaned.get("quiz")
        if fmt == TrainingFormat.ONLINE and quiz is not None and not len(quiz):
            self.add_error("quiz", "线上自学模块需要设置自测题。")
        # Wagtail's banner says only "Validation error in StreamBlock" for the quiz: lift each
        # question's own message (shown in the block too) into the banner.
        for error in self.errors.get("quiz", ErrorList()).as_data():
            for number, block_error in sorted(getattr(error, "block_errors", {}).items()):
                for message in getattr(block_error, "non_block_errors", []):
                    self.add_error(None, f"自测题第 {number + 1} 题：{message}")
        return cleaned


class TrainingModulePage(SegmentedSearchMixin, BasePage):
    summary = models.TextField("简介", help_text="列表与分享时显示，一两句话。")
    audience = models.CharField("培训对象", max_length=10, choices=TrainingAudience.choices)
    format = models.CharField("培训形式", max_length=10, choices=TrainingFormat.choices)
    hours = models.DecimalField(
        "认定学时",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text="完成后计入教师学时台账，例如 1.5。",
    )
    stages = models.CharField("适用学段", max_length=100, blank=True)
    sections = StreamField(TrainingSectionsBlock(), blank=True, verbose_name="学习内容")
    quiz = StreamField(QuizBlock(), blank=True, verbose_name="自测题")
    pass_mark = models.PositiveSmallIntegerField(
        "及格线（%）",
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="答对题数占全部题目的百分比达到该值即为通过（1–100，默认 80）。",
    )

    content_panels = BasePage.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("format"),
                FieldPanel("hours"),
                FieldPanel("stages"),
            ],
            heading="培训信息",
        ),
        FieldPanel("sections"),
        MultiFieldPanel([FieldPanel("quiz"), FieldPanel("pass_mark")], heading="自测"),
    ]
    search_fields = (
        BasePage.search_fields
        + [
            index.SearchField("summary"),
            index.SearchField("sections"),
            index.FilterField("audience"),
            index.FilterField("format"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "training"
    search_segmented_fields = ["summary", "sections"]

    def search_stages(self) -> list[str]:
        return list(self.stage_list)

    base_form_class = TrainingModuleForm

    template = "pages/training_module_page.html"
    parent_page_types = ["courses.TrainingIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "培训模块"
        verbose_name_plural = "培训模块"
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_module_hours_positive"),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100),
                name="training_module_pass_mark_range",
            ),
        ]

    @property
    def stage_list(self) -> list[str]:
        return [s for s in self.stages.split(",") if s]

    @property
    def stage_labels(self) -> list[str]:
        labels = dict(Stage.choices)
        return [labels[s] for s in self.stage_list if s in labels]

    @property
    def is_online(self) -> bool:
        return self.format == TrainingFormat.ONLINE

    def get_meta_description(self):
        return self.search_description or self.summary


class SectionView(models.Model):
    """A teacher marked one section (a StreamField block, by its id) of a module as studied."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="教师"
    )
    module = models.ForeignKey(
        TrainingModulePage, on_delete=models.CASCADE, related_name="+", verbose_name="模块"
    )
    section_id = models.CharField("小节编号", max_length=64)
    opened_at = models.DateTimeField("首次打开", default=timezone.now)

    class Meta:
        verbose_name = "小节学习记录"
        verbose_name_plural = "小节学习记录"
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "module", "section_id"], name="section_view_once"
            )
        ]

    def __str__(self):
        return f"{self.teacher} · {self.section_id}"


class QuizAttempt(models.Model):
    """One submission of a module's self-check quiz. Every attempt is kept."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        verbose_name="教师",
    )
    module = models.ForeignKey(
        TrainingModulePage,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        verbose_name="模块",
    )
    answers = models.JSONField("作答", default=dict)
    correct = models.PositiveSmallIntegerField("答对题数")
    total = models.PositiveSmallIntegerField("题目总数")
    score = models.PositiveSmallIntegerField("得分（%）")
    passed = models.BooleanField("通过")
    pass_mark = models.PositiveSmallIntegerField("当时的及格线（%）", null=True, blank=True)
    # The attempt's option order is drawn from this seed (courses.training.selectors.quiz_paper).
    seed = models.PositiveBigIntegerField("选项顺序种子", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)

    class Meta:
        verbose_name = "自测记录"
        verbose_name_plural = "自测记录"
        ordering = ["-submitted_at", "-pk"]

    def __str__(self):
        return f"{self.teacher} · {self.score} 分"


class TrainingSession(models.Model):
    """An offline session of a module: city-wide (no school) or for one school."""

    module = models.ForeignKey(
        TrainingModulePage,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name="培训模块",
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name="学校",
        help_text="留空表示全市场次，各校教师均可报名。",
    )
    title = models.CharField("场次名称", max_length=100, blank=True, help_text="留空则用模块标题。")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=200)
    trainer = models.CharField("主讲人", max_length=100)
    capacity = models.PositiveIntegerField("名额", validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = "培训场次"
        verbose_name_plural = "培训场次"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="training_session_ends_after"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="training_session_capacity"),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.display_title}（{local:%Y-%m-%d %H:%M}）"

    @property
    def display_title(self):
        return self.title or self.module.title

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "结束时间必须晚于开始时间。"})


class SessionRegistration(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name="场次",
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="session_registrations",
        verbose_name="教师",
    )
    registered_at = models.DateTimeField("报名时间", default=timezone.now)

    class Meta:
        verbose_name = "场次报名"
        verbose_name_plural = "场次报名"
        constraints = [
            models.UniqueConstraint(fields=["session", "teacher"], name="session_register_once")
        ]

    def __str__(self):
        return f"{self.teacher} · {self.session}"


class ExternalTraining(models.Model):
    """Training a teacher did elsewhere, submitted with evidence for the school to approve."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已认定"
        REJECTED = "rejected", "未通过"

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_trainings",
        verbose_name="教师",
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="external_trainings",
        verbose_name="审核学校",
    )
    title = models.CharField("培训名称", max_length=200)
    provider = models.CharField(
        "举办单位 / 平台", max_length=200, help_text="例如：国家智慧教育公共服务平台"
    )
    completed_on = models.DateField("完成日期")
    hours = models.DecimalField("申请学时", max_digits=4, decimal_places=1)
    evidence = models.FileField("证明材料", upload_to="training-evidence/%Y/%m/")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_reason = models.CharField("审核意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "校外培训申报"
        verbose_name_plural = "校外培训申报"
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0), name="external_training_hours_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="external_training_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.teacher} · {self.title}"


class HoursEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("学时台账只能追加，不能修改；请登记冲销记录。")

    def delete(self):
        raise TypeError("学时台账只能追加，不能删除；请登记冲销记录。")


class HoursEntry(models.Model):
    """One line of a teacher's training-hours ledger. Append-only."""

    class Source(models.TextChoices):
        ONLINE = "online", "线上模块"
        SESSION = "session", "线下培训"
        EXTERNAL = "external", "校外培训"

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="hours_entries",
        verbose_name="教师",
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所在学校",
    )
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    module = models.ForeignKey(
        TrainingModulePage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="模块",
    )
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hours_entries",
        verbose_name="场次",
    )
    external = models.ForeignKey(
        ExternalTraining,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hours_entries",
        verbose_name="校外培训",
    )
    credit_round = models.PositiveSmallIntegerField("认定轮次", default=1)
    credited_on = models.DateField("认定日期", default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name="冲销的记录",
    )
    reason = models.CharField("冲销原因", max_length=300, blank=True)
    certificate_code = models.CharField(
        "证书验证码", max_length=16, null=True, blank=True, unique=True
    )

    objects = HoursEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "学时记录"
        verbose_name_plural = "学时台账"
        ordering = ["-credited_on", "-pk"]
        indexes = [
            models.Index(fields=["teacher", "credited_on"]),
            # The ledger lists newest first (-recorded_at, -pk): read from the index, not a
            # sort of every line (2.9 million at province size).
            models.Index(fields=["recorded_at", "id"], name="hoursentry_recorded"),
        ]
        constraints = [
            # A credit is positive and has no reason; a reversal is negative with a reason.
            models.CheckConstraint(
                condition=(
                    Q(reverses__isnull=True, hours__gt=0)
                    | (Q(reverses__isnull=False, hours__lt=0) & ~Q(reason=""))
                ),
                name="hours_entry_sign_matches_kind",
            ),
            # Each source names exactly its own object.
            models.CheckConstraint(
                condition=(
                    Q(
                        source="online",
                        module__isnull=False,
                        session__isnull=True,
                        external__isnull=True,
                    )
                    | Q(source="session", session__isnull=False, external__isnull=True)
                    | Q(
                        source="external",
                        external__isnull=False,
                        session__isnull=True,
                        module__isnull=True,
                    )
                ),
                name="hours_entry_source_object",
            ),
            # No double credit: one live credit per teacher and module / session / submission.
            models.UniqueConstraint(
                fields=["teacher", "module", "credit_round"],
                condition=Q(reverses__isnull=True, source="online"),
                name="hours_entry_once_per_module",
            ),
            models.UniqueConstraint(
                fields=["teacher", "session", "credit_round"],
                condition=Q(reverses__isnull=True, source="session"),
                name="hours_entry_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["external", "credit_round"],
                condition=Q(reverses__isnull=True, source="external"),
                name="hours_entry_once_per_external",
            ),
        ]

    def __str__(self):
        return f"{self.teacher} {self.hours} 学时（{self.credited_on}）"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("学时台账只能追加，不能修改；请登记冲销记录。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("学时台账只能追加，不能删除；请登记冲销记录。")

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def subject_title(self) -> str:
        if self.source == self.Source.EXTERNAL and self.external_id:
            return self.external.title
        if self.session_id:
            return self.session.display_title
        if self.module_id:
            return self.module.title
        return ""


class HoursTarget(models.Model):
    """A role's target hours for a school year, set by the bureau (R-9).

    ``year`` is the school year's first calendar year (2026 = 2026—2027学年, 1 September to
    31 August): hours are counted over the same school year (``targets_for_period``)."""

    year = models.PositiveSmallIntegerField(
        "学年", help_text="学年的起始年份，例如 2026 表示 2026—2027学年（9月1日至次年8月31日）。"
    )
    role = models.CharField(
        "岗位",
        max_length=20,
        choices=[(r.value, r.label) for r in Role if r in STAFF_ROLES],
    )
    hours = models.DecimalField(
        "目标学时", max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = "学年学时目标"
        verbose_name_plural = "学年学时目标"
        ordering = ["-year", "role"]
        constraints = [
            models.UniqueConstraint(fields=["year", "role"], name="hours_target_once_per_role"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="hours_target_not_negative"),
        ]

    def __str__(self):
        return f"{self.year}—{self.year + 1}学年 {self.get_role_display()} {self.hours} 学时"

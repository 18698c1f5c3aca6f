"""Implementation-report campaigns (R-22): questions, submissions, answers, reminders.

A campaign is opened by the bureau; each target school keeps one ``Submission`` per
campaign. Writes go through ``oversight.services``; reads through ``oversight.selectors``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from schools.models import School


class Campaign(ClusterableModel):
    title = models.CharField("标题", max_length=200)
    # The plan the report refers to: the admin's chooser offers only the policy library's
    # PolicyPage (oversight.wagtail_hooks); the column stays a Page link (no schema change).
    plan = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对应方案",
        help_text="本次报告所对应的文件或方案页面。",
    )
    intro = models.TextField("填报说明", blank=True)
    all_schools = models.BooleanField(
        "全部学校", default=True, help_text="勾选则面向全市所有学校；否则只面向下方选定的学校。"
    )
    schools = models.ManyToManyField(
        School, blank=True, related_name="campaigns", verbose_name="指定学校"
    )
    period_start = models.DateField("统计期起", help_text="预填数据的统计区间。")
    period_end = models.DateField("统计期止")
    opens_at = models.DateTimeField("开始填报", default=timezone.now)
    deadline = models.DateTimeField("截止时间")
    remind_days_before = models.PositiveSmallIntegerField(
        "截止前几天提醒", default=3, help_text="填 0 则不在截止前提醒。"
    )
    remind_overdue = models.BooleanField("逾期后提醒", default=True)
    figure_keys = models.JSONField(
        "预填数据项", default=list, blank=True, help_text="学校填报时显示的系统数据。"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "报告任务"
        verbose_name_plural = "报告任务"
        ordering = ["-deadline", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("opens_at")),
                name="campaign_deadline_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="campaign_period_ordered",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.opens_at and self.deadline and self.deadline <= self.opens_at:
            errors["deadline"] = "截止时间必须晚于开始填报时间。"
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = "统计期止不能早于统计期起。"
        if errors:
            raise ValidationError(errors)

    def is_open(self, now=None) -> bool:
        return self.opens_at <= (now or timezone.now())

    def is_past_deadline(self, now=None) -> bool:
        return (now or timezone.now()) >= self.deadline


class Question(Orderable):
    class Kind(models.TextChoices):
        TEXT = "text", "文字"
        NUMBER = "number", "数字"
        YES_NO = "yes_no", "是 / 否"
        CHOICE = "choice", "单选"
        FILE = "file", "附件"

    campaign = ParentalKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField("问题", max_length=300)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField("必答", default=True)
    help_text = models.CharField("填写提示", max_length=300, blank=True)
    choices = models.TextField("选项", blank=True, help_text="单选题填写，每行一个选项。")

    panels = [
        FieldPanel("label"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required")]),
        FieldPanel("help_text"),
        FieldPanel("choices"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "问题"
        verbose_name_plural = "问题"

    def __str__(self):
        return self.label

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.CHOICE and len(self.choice_list) < 2:
            raise ValidationError({"choices": "单选题至少需要两个选项，每行一个。"})

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "填写中"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "已退回"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="submissions", verbose_name="报告任务"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="report_submissions", verbose_name="学校"
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    submit_count = models.PositiveSmallIntegerField("提交次数", default=0)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提交人",
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="退回人",
    )
    return_comment = models.TextField("退回意见", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后修改", auto_now=True)

    class Meta:
        verbose_name = "学校报告"
        verbose_name_plural = "学校报告"
        ordering = ["campaign", "school__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "school"], name="submission_one_per_school"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.school}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def was_late(self) -> bool:
        return bool(self.submitted_at and self.submitted_at > self.campaign.deadline)


def _answer_upload_to(instance, filename):
    # Under a private prefix that MEDIA_URL never serves: files are sent only by
    # ``oversight.views.answer_file`` after a scope check.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/oversight/{instance.submission.campaign_id}/{uuid.uuid4().hex}.{ext}"


class Answer(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="answers", verbose_name="学校报告"
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name="问题"
    )
    text = models.TextField("文字", blank=True)
    number = models.DecimalField("数字", max_digits=14, decimal_places=2, null=True, blank=True)
    boolean = models.BooleanField("是否", null=True, blank=True)
    file = models.FileField("附件", upload_to=_answer_upload_to, blank=True, max_length=200)
    file_name = models.CharField("附件原名", max_length=200, blank=True)

    class Meta:
        verbose_name = "答案"
        verbose_name_plural = "答案"
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "question"], name="answer_one_per_question"
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.display()}"

    def value(self):
        kind = self.question.kind
        if kind == Question.Kind.NUMBER:
            return self.number
        if kind == Question.Kind.YES_NO:
            return self.boolean
        if kind == Question.Kind.FILE:
            return self.file_name or None
        return self.text or None

    def display(self) -> str:
        value = self.value()
        if value is None:
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        if self.question.kind == Question.Kind.NUMBER:
            return f"{value.normalize():f}"
        return str(value)


class FigureValue(models.Model):
    """A prefilled figure of one submission: the school's note, and the value at submission.

    The value is computed from the portal's data; a school can annotate it, never change it.
    """

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="figures", verbose_name="学校报告"
    )
    key = models.CharField("数据项", max_length=60)
    label = models.CharField("名称", max_length=100)
    source_label = models.CharField("来源", max_length=100)
    value = models.JSONField("提交时的值", null=True, blank=True)
    value_display = models.CharField("提交时的值（显示）", max_length=200, blank=True)
    annotation = models.TextField("学校说明", blank=True)

    class Meta:
        verbose_name = "预填数据"
        verbose_name_plural = "预填数据"
        constraints = [
            models.UniqueConstraint(fields=["submission", "key"], name="figure_one_per_key"),
        ]

    def __str__(self):
        return f"{self.label}: {self.value_display}"


class ReminderSent(models.Model):
    """One reminder of one kind to one school for one campaign — never twice."""

    class Kind(models.TextChoices):
        BEFORE = "before", "截止前提醒"
        OVERDUE = "overdue", "逾期提醒"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="reminders", verbose_name="报告任务"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name="学校"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField("发送时间", default=timezone.now)
    recipients = models.TextField("收件人", blank=True)
    message = models.TextField("内容", blank=True)

    class Meta:
        verbose_name = "已发送提醒"
        verbose_name_plural = "已发送提醒"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "school", "kind"], name="reminder_once_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.school} · {self.get_kind_display()}"


class FigureSnapshot(models.Model):
    """A province-size figure kept computed (R-26): per-school values of one heavy figure
    for one period, refreshed by a task after imports and nightly (``oversight.snapshots``).
    Counts per school only — no student appears here."""

    name = models.CharField("数据项", max_length=50)
    params = models.CharField("参数", max_length=200)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)
    data = models.JSONField("各校数值", default=dict)

    class Meta:
        verbose_name = "统计快照"
        verbose_name_plural = "统计快照"
        constraints = [
            models.UniqueConstraint(fields=["name", "params"], name="figure_snapshot_unique"),
        ]

    def __str__(self):
        return f"{self.name} {self.params}"

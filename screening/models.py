"""Screening records: instruments, rounds, results, archives, warnings, referrals (R-12…R-18).

Minors' sensitive personal information. These are plain Django models shown only in the back
office through ``screening.selectors``: never pages, never snippets, never search-indexed,
never cached. Writes go through ``screening.services``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from schools.models import School, SchoolClass, Student


class WarningLevel(models.TextChoices):
    GENERAL = "general", "一般关注"
    KEY = "key", "重点关注"
    CRISIS = "crisis", "危机"


LEVEL_RANK = {"": 0, WarningLevel.GENERAL: 1, WarningLevel.KEY: 2, WarningLevel.CRISIS: 3}
# Levels school leaders see as cases.
LEADER_LEVELS = (WarningLevel.KEY, WarningLevel.CRISIS)


# --- instruments --------------------------------------------------------------------------


class Instrument(ClusterableModel):
    """A versioned assessment instrument: items, options with scores, subscales, cut-offs."""

    class Scoring(models.TextChoices):
        SUM = "sum", "总分（各题得分相加）"
        MEAN = "mean", "均分（各题得分的平均数）"

    class Kind(models.TextChoices):
        BUILTIN = "builtin", "内置（可自由使用）"
        LICENSED = "licensed", "授权量表（题目由持证单位录入）"
        SCHOOL = "school", "学校自编"

    code = models.CharField("代号", max_length=30, help_text="例如 PHQ-9。")
    version = models.CharField("版本", max_length=20, default="1")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.SCHOOL)
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
        verbose_name="所属学校",
        help_text="学校自编量表属于本校；内置和授权量表不属于任何学校。",
    )
    instructions = models.TextField("指导语", blank=True)
    scoring = models.CharField("计分方式", max_length=10, choices=Scoring.choices)
    licence_note = models.TextField("版权与使用说明", blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "测评量表"
        verbose_name_plural = "测评量表"
        ordering = ["code", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version", "school"], name="instrument_code_version_unique"
            ),
            models.UniqueConstraint(
                fields=["code", "version"],
                condition=models.Q(school__isnull=True),
                name="instrument_code_version_unique_citywide",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code} 第{self.version}版）"


class InstrumentItem(Orderable):
    """One item. Options are written one per line as ``分值=选项文字``."""

    instrument = ParentalKey(Instrument, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField("题号")
    text = models.TextField("题目", blank=True, help_text="授权量表的题目由持证单位录入。")
    subscale = models.CharField("分量表", max_length=50, blank=True)
    options = models.TextField(
        "选项与分值",
        help_text="每行一个选项，写作“分值=选项文字”，例如“0=完全不会”。",
    )
    is_critical = models.BooleanField(
        "关键题", default=False, help_text="得分达到下方阈值时立即开启“危机”预警。"
    )
    critical_min_score = models.PositiveSmallIntegerField("关键题阈值", null=True, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = "题目"
        verbose_name_plural = "题目"

    def __str__(self):
        return f"第{self.number}题"

    def option_list(self) -> list[tuple[int, str]]:
        """Parsed options; raises ValueError naming the bad line."""
        from .services import options_parse

        return options_parse(self.options)


class CutOff(Orderable):
    """A score band of an instrument and the warning level it maps to."""

    instrument = ParentalKey(Instrument, on_delete=models.CASCADE, related_name="cutoffs")
    min_score = models.DecimalField("下限（含）", max_digits=7, decimal_places=2)
    max_score = models.DecimalField("上限（含）", max_digits=7, decimal_places=2)
    label = models.CharField("分级", max_length=30, help_text="例如：轻度")
    level = models.CharField(
        "预警级别",
        max_length=10,
        choices=WarningLevel.choices,
        blank=True,
        help_text="留空为不预警。",
    )

    class Meta(Orderable.Meta):
        verbose_name = "分界"
        verbose_name_plural = "分界"

    def __str__(self):
        return f"{self.min_score}–{self.max_score} {self.label}"


# --- rounds and results -----------------------------------------------------------------


class ScreeningRound(models.Model):
    class Basis(models.TextChoices):
        CONSENT = "consent", "监护人知情同意"
        STATUTORY = "statutory", "学校法定职责（已备案）"

    class Status(models.TextChoices):
        DRAFT = "draft", "筹备中"
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="screening_rounds", verbose_name="学校"
    )
    name = models.CharField("名称", max_length=100, help_text="例如：2026年秋季学期心理筛查")
    instruments = models.ManyToManyField(Instrument, related_name="rounds", verbose_name="量表")
    grades = models.JSONField("目标年级", default=list, blank=True)
    classes = models.ManyToManyField(
        SchoolClass,
        blank=True,
        related_name="screening_rounds",
        verbose_name="目标班级",
        help_text="不选则为目标年级的全部班级。",
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    basis = models.CharField("依据", max_length=10, choices=Basis.choices, blank=True)
    basis_note = models.CharField(
        "依据说明", max_length=200, blank=True, help_text="法定职责的备案文号或同意书收集方式。"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "筛查批次"
        verbose_name_plural = "筛查批次"
        ordering = ["-starts_on", "name"]

    def __str__(self):
        return self.name


class GuardianConsent(models.Model):
    """A guardian's decision on a consent-basis round for one student (R-13, R-25).

    One row per round and student holds the current state; no row means “not yet”. Every
    change is also a line in the access log (who, when), so the history is kept there.
    """

    class Status(models.TextChoices):
        GIVEN = "given", "已同意"
        REFUSED = "refused", "不同意"
        WITHDRAWN = "withdrawn", "已撤回同意"

    class Relationship(models.TextChoices):
        FATHER = "father", "父亲"
        MOTHER = "mother", "母亲"
        GRANDPARENT = "grandparent", "祖父母/外祖父母"
        OTHER = "other", "其他监护人"

    class Method(models.TextChoices):
        PAPER = "paper", "纸质知情同意书回执"
        ONLINE = "online", "家校平台在线确认"
        PHONE = "phone", "电话确认（已记录）"
        IN_PERSON = "in_person", "到校当面签署"

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="consents")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        "同意情况", max_length=10, choices=Status.choices, default=Status.GIVEN
    )
    decided_on = models.DateField("监护人表态日期")
    guardian_name = models.CharField("监护人姓名", max_length=50, blank=True)
    relationship = models.CharField(
        "与学生关系", max_length=20, choices=Relationship.choices, blank=True
    )
    method = models.CharField("获取方式", max_length=20, choices=Method.choices, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "监护人知情同意"
        verbose_name_plural = "监护人知情同意"
        constraints = [
            models.UniqueConstraint(fields=["round", "student"], name="consent_once_per_round")
        ]

    def __str__(self):
        return f"同意记录 #{self.pk}"


class ScreeningResult(models.Model):
    class Source(models.TextChoices):
        ENTRY = "entry", "录入"
        IMPORT = "import", "导入"

    round = models.ForeignKey(
        ScreeningRound, on_delete=models.PROTECT, related_name="results", verbose_name="批次"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="results", verbose_name="量表"
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="screening_results", verbose_name="学生"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    taken_on = models.DateField("测评日期")
    answers = models.JSONField("作答", default=list, blank=True)
    total = models.DecimalField("得分", max_digits=7, decimal_places=2)
    subscale_scores = models.JSONField("分量表得分", default=dict, blank=True)
    band = models.CharField("分级", max_length=30)
    level = models.CharField("预警级别", max_length=10, choices=WarningLevel.choices, blank=True)
    critical = models.BooleanField("关键题阳性", default=False)
    critical_checked = models.BooleanField(
        "关键题已核查",
        default=True,
        help_text="只导入总分（没有各题作答）时无法核查关键题，记为否。",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTRY)
    note = models.TextField("备注", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    # A correction: the new result names the one it replaces; the old one stays in history,
    # marked superseded, and no longer counts (``selectors.current_results``).
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name="更正的结果",
    )
    correction_reason = models.TextField("更正原因", blank=True)
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)

    class Meta:
        verbose_name = "测评结果"
        verbose_name_plural = "测评结果"
        ordering = ["-taken_on", "student_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "instrument", "student"],
                condition=models.Q(superseded_at__isnull=True),
                name="result_once_per_round_current",
            )
        ]
        indexes = [models.Index(fields=["school", "level"])]

    def __str__(self):
        return f"测评结果 #{self.pk}"


# --- archive ----------------------------------------------------------------------------


class Archive(models.Model):
    """A student's growth archive (一生一策心理成长档案); its parts hang off the student."""

    student = models.OneToOneField(
        Student, on_delete=models.PROTECT, related_name="screening_archive", verbose_name="学生"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField("建档日期", default=timezone.localdate)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "心理成长档案"
        verbose_name_plural = "心理成长档案"

    def __str__(self):
        return f"档案 #{self.pk}"


class AttentionCategory(models.Model):
    class Category(models.TextChoices):
        ACADEMIC = "academic", "学业困难"
        ECONOMIC = "economic", "经济困难"
        DIVORCED = "divorced", "父母离异"
        LEFT_BEHIND = "left_behind", "留守儿童"
        OTHER = "other", "其他"

    archive = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    since = models.DateField("起始日期")
    until = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "关注类别"
        verbose_name_plural = "关注类别"
        ordering = ["since"]

    def __str__(self):
        return f"关注类别 #{self.pk}"


class ArchiveEntry(models.Model):
    """A talk, home visit, group-counselling session or intervention."""

    class Kind(models.TextChoices):
        TALK = "talk", "个别谈心"
        HOME_VISIT = "home_visit", "家访"
        GROUP = "group", "团体辅导"
        INTERVENTION = "intervention", "干预"

    archive = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    on = models.DateField("日期")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    summary = models.TextField("记录")

    class Meta:
        verbose_name = "辅导记录"
        verbose_name_plural = "辅导记录"
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"辅导记录 #{self.pk}"


class SupportPlan(models.Model):
    """One student, one plan (一生一策)."""

    archive = models.OneToOneField(Archive, on_delete=models.CASCADE, related_name="plan")
    goals = models.TextField("目标")
    actions = models.TextField("措施")
    responsible = models.CharField("责任人", max_length=100)
    review_on = models.DateField("复评日期")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "一生一策"
        verbose_name_plural = "一生一策"

    def __str__(self):
        return f"一生一策 #{self.pk}"

    def review_overdue(self, today=None) -> bool:
        return self.review_on < (today or timezone.localdate())


class SupportPlanVersion(models.Model):
    """Every saved state of a support plan: who changed what, when (append-only)."""

    FIELDS = (
        ("goals", "目标"),
        ("actions", "措施"),
        ("responsible", "责任人"),
        ("review_on", "复评日期"),
    )

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本")
    goals = models.TextField("目标")
    actions = models.TextField("措施")
    responsible = models.CharField("责任人", max_length=100)
    review_on = models.DateField("复评日期")
    changed_fields = models.JSONField("修改的项目", default=list, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = "一生一策版本"
        verbose_name_plural = "一生一策版本"
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique")
        ]

    def __str__(self):
        return f"一生一策 #{self.plan_id} 第{self.number}版"

    @property
    def change_summary(self) -> str:
        """“制定计划” for the first version, else e.g. “目标、措施已修改”."""
        if self.number == 1:
            return "制定计划"
        labels = dict(self.FIELDS)
        changed = [labels[f] for f, _ in self.FIELDS if f in self.changed_fields]
        return f"{'、'.join(changed)}已修改" if changed else "重新保存，内容未变"


# --- warnings ----------------------------------------------------------------------------


class Warning(models.Model):  # noqa: A001 - the domain's own word (预警)
    """One student's open case of concern: at most one not closed per student (signals that
    arrive while it is open are merged into it, raising its level, never lowering it)."""

    class Source(models.TextChoices):
        SCREENING = "screening", "筛查分级"
        CRITICAL = "critical", "关键题"
        CONCERN = "concern", "教师关注"

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        FOLLOW_UP = "follow_up", "跟进中"
        REFERRED = "referred", "已转介"
        CLOSE_REQUESTED = "closing", "待领导签字结案"
        CLOSED = "closed", "已结案"

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="screening_warnings", verbose_name="学生"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField("年级")
    level = models.CharField("级别", max_length=10, choices=WarningLevel.choices)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    result = models.ForeignKey(
        ScreeningResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="warnings"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="负责人",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    raised_at = models.DateTimeField("发起时间", default=timezone.now)
    due_at = models.DateTimeField("处置期限", null=True, blank=True)
    concern = models.TextField("关注事由", blank=True)
    outcome = models.TextField("结案说明", blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签字结案的领导",
    )
    signed_off_at = models.DateTimeField("签字时间", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["school", "level", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=~models.Q(status="closed"),
                name="warning_one_open_per_student",
            )
        ]

    def __str__(self):
        return f"预警 #{self.pk}"

    @property
    def is_overdue(self) -> bool:
        """One row's answer to ``screening.selectors.warnings.overdue_q`` (keep them alike)."""
        return (
            self.status != self.Status.CLOSED
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


class WarningAction(models.Model):
    """One thing done to a warning, in its history: a note, a change, a merged signal."""

    class Kind(models.TextChoices):
        NOTE = "note", "跟进记录"
        STATUS = "status", "状态变更"
        LEVEL = "level", "级别提升"
        OWNER = "owner", "负责人变更"
        REFERRAL = "referral", "转介"
        CLOSE_REQUEST = "close_request", "申请结案"
        SIGN_OFF = "sign_off", "领导签字结案"
        DUE = "due", "期限变更"
        MERGED = "merged", "合并新信号"
        NOTIFIED = "notified", "已通知"
        SUPERSEDED = "superseded", "结果更正"

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="actions")
    at = models.DateTimeField("时间", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("类型", max_length=15, choices=Kind.choices)
    text = models.TextField("内容", blank=True)
    old_value = models.CharField("原值", max_length=50, blank=True)
    new_value = models.CharField("新值", max_length=50, blank=True)
    # The signal a merged action brought (a result; a concern has none), so a correction knows
    # which warnings a superseded result fed.
    result = models.ForeignKey(
        ScreeningResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField("信号来源", max_length=10, choices=Warning.Source.choices, blank=True)

    class Meta:
        verbose_name = "预警处置记录"
        verbose_name_plural = "预警处置记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"处置记录 #{self.pk}"


class CaseMember(models.Model):
    """Temporary counselling group: a person added to one student's case sees that case only."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="screening_cases"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "临时辅导小组成员"
        verbose_name_plural = "临时辅导小组成员"

    def __str__(self):
        return f"小组成员 #{self.pk}"


# --- referral and return to school -------------------------------------------------------


class Referral(models.Model):
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="screening_referrals", verbose_name="学生"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    institution = models.CharField("转介机构", max_length=100)
    referred_on = models.DateField("转介日期")
    reason = models.TextField("转介原因")
    parents_informed_at = models.DateTimeField("告知家长时间", null=True, blank=True)
    parents_agreed = models.BooleanField("家长同意", default=False)
    task_split = models.TextField("家校医分工", blank=True)
    outcome = models.TextField("结果", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "转介记录"
        verbose_name_plural = "转介记录"
        ordering = ["-referred_on"]

    def __str__(self):
        return f"转介记录 #{self.pk}"


class ReturnPlan(models.Model):
    """Return to school (复学) with check-ins at one week, one month and three months."""

    CHECKPOINTS = (("week", "一周", 7), ("month", "一个月", 30), ("quarter", "三个月", 90))

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="return_plan")
    returned_on = models.DateField("复学日期")
    plan = models.TextField("复学安排")
    week_done_on = models.DateField("一周回访", null=True, blank=True)
    month_done_on = models.DateField("一个月回访", null=True, blank=True)
    quarter_done_on = models.DateField("三个月回访", null=True, blank=True)

    class Meta:
        verbose_name = "复学计划"
        verbose_name_plural = "复学计划"

    def __str__(self):
        return f"复学计划 #{self.pk}"

    def checkins(self, today=None):
        """[(label, due date, done date, state)] with state 已完成 / 未到期 / 待回访 / 已逾期."""
        import datetime

        today = today or timezone.localdate()
        rows = []
        for key, label, days in self.CHECKPOINTS:
            due = self.returned_on + datetime.timedelta(days=days)
            done = getattr(self, f"{key}_done_on")
            if done:
                state = "已完成"
            elif today < due - datetime.timedelta(days=3):
                state = "未到期"
            elif today <= due:
                state = "待回访"
            else:
                state = "已逾期"
            rows.append((label, due, done, state))
        return rows


# --- attachments ------------------------------------------------------------------------------


def _attachment_upload_to(instance, filename):
    # Private storage (``portal.storage.PrivateStorage``): no URL; sent only by
    # ``screening.views.attachment_download`` after a scope check. The stored name is random.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"screening/attachments/{instance.school_id}/{uuid.uuid4().hex}.{ext}"


class Attachment(models.Model):
    """A file on an archive entry, a referral or a return plan (consent slip, medical
    letter, return-to-school certificate)."""

    class Kind(models.TextChoices):
        CONSENT = "consent", "知情同意书"
        MEDICAL = "medical", "医疗证明"
        RETURN = "return", "复学证明"
        OTHER = "other", "其他"

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(
        ArchiveEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    return_plan = models.ForeignKey(
        ReturnPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    file = models.FileField("文件", upload_to=_attachment_upload_to, max_length=200)
    name = models.CharField("原文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(entry__isnull=False, referral__isnull=True, return_plan__isnull=True)
                    | models.Q(entry__isnull=True, referral__isnull=False, return_plan__isnull=True)
                    | models.Q(entry__isnull=True, referral__isnull=True, return_plan__isnull=False)
                ),
                name="attachment_has_one_owner",
            )
        ]

    def __str__(self):
        return f"附件 #{self.pk}"

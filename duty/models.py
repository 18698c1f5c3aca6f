"""Duty roster, incident reports with their clocks, reminders and safety checks (R-19–R-21).

Plain models in the back office: never pages, never search-indexed. Students involved in an
incident link to ``schools.Student``; every read of them goes through ``duty.selectors``.
Times recorded by the server (``created_at``, ``entered_at``) are never edited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DutyRole(models.TextChoices):
    LEADER = "leader", "带班领导"
    CADRE = "cadre", "值班干部"


class Weekday(models.IntegerChoices):
    MON = 0, "星期一"
    TUE = 1, "星期二"
    WED = 2, "星期三"
    THU = 3, "星期四"
    FRI = 4, "星期五"
    SAT = 5, "星期六"
    SUN = 6, "星期日"


class DutyAssignment(models.Model):
    """One person on duty at a school on a day: the leader (带班领导) or a cadre (值班干部).

    A school's duty for a day is the set of its rows for that date: at most one leader
    (a database constraint) and any number of cadres.
    """

    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="duty_assignments",
        verbose_name="学校",
    )
    date = models.DateField("日期")
    duty_role = models.CharField("值班类别", max_length=10, choices=DutyRole.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_assignments",
        verbose_name="值班人员",
    )
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = "值班安排"
        verbose_name_plural = "值班安排"
        ordering = ["date", "school__code", "duty_role", "person__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "date", "person"], name="duty_person_once_per_day"
            ),
            models.UniqueConstraint(
                fields=["school", "date"],
                condition=Q(duty_role="leader"),
                name="duty_one_leader_per_day",
            ),
        ]
        indexes = [models.Index(fields=["date", "school"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.school} {self.get_duty_role_display()} {self.person}"

    @property
    def phone(self) -> str:
        """The person's mobile from their staff record: one number everywhere."""
        return self.person.phone


class DutyRotationSlot(models.Model):
    """A weekly rotation line: who is on duty on a weekday. A month is generated from these."""

    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="duty_rotation",
        verbose_name="学校",
    )
    weekday = models.PositiveSmallIntegerField("星期", choices=Weekday.choices)
    duty_role = models.CharField("值班类别", max_length=10, choices=DutyRole.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="值班人员",
    )

    class Meta:
        verbose_name = "轮值表"
        verbose_name_plural = "每周轮值表"
        ordering = ["school__code", "weekday", "duty_role"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "weekday", "person"], name="rotation_person_once_per_weekday"
            ),
            models.UniqueConstraint(
                fields=["school", "weekday"],
                condition=Q(duty_role="leader"),
                name="rotation_one_leader_per_weekday",
            ),
        ]

    def __str__(self):
        return f"{self.school} {self.get_weekday_display()} {self.get_duty_role_display()} {self.person}"

    @property
    def phone(self) -> str:
        """The person's mobile from their staff record: one number everywhere."""
        return self.person.phone


class IncidentCategory(models.TextChoices):
    SELF_HARM = "self_harm", "自伤"
    SUICIDE_ATTEMPT = "suicide_attempt", "自杀未遂"
    HARM_TO_OTHERS = "harm_to_others", "伤害他人"
    PROPERTY_DAMAGE = "property_damage", "损坏财物"
    RUNNING_AWAY = "running_away", "离家出走"
    BULLYING = "bullying", "欺凌"
    ACCIDENT = "accident", "意外事故"
    OTHER = "other", "其他"


#: Psychological crises (心理危机事件): counted apart from accidents and other incidents. The
#: dashboard's and reports' crisis figures count only these.
CRISIS_CATEGORIES = frozenset(
    {
        IncidentCategory.SELF_HARM,
        IncidentCategory.SUICIDE_ATTEMPT,
        IncidentCategory.HARM_TO_OTHERS,
        IncidentCategory.RUNNING_AWAY,
        IncidentCategory.BULLYING,
    }
)
CATEGORY_GROUPS = {"crisis": "心理危机事件", "other": "意外事故及其他事件"}


def category_group(category: str) -> str:
    """``"crisis"`` for a psychological crisis, ``"other"`` for accidents and the rest."""
    return "crisis" if category in CRISIS_CATEGORIES else "other"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "处置中"
    CLOSED = "closed", "已结案"


class IncidentReport(models.Model):
    """An incident at a school and its reporting clocks, which start at discovery."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="incidents", verbose_name="学校"
    )
    category = models.CharField("事件类别", max_length=20, choices=IncidentCategory.choices)
    occurred_at = models.DateTimeField("发生时间")
    discovered_at = models.DateTimeField("发现时间")
    place = models.CharField("地点", max_length=100)
    first_facts = models.TextField("初步情况")
    students = models.ManyToManyField(
        "schools.Student", blank=True, related_name="+", verbose_name="涉及学生"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incidents_reported",
        verbose_name="报告人",
    )
    parents_contacted_at = models.DateTimeField("联系家长时间", null=True, blank=True)
    leader_arrived_at = models.DateTimeField("带班领导到场时间", null=True, blank=True)
    police_involved = models.BooleanField("公安介入", default=False)
    police_guidance = models.TextField(
        "公安指导意见", blank=True, help_text="公安机关到场或电话指导的要点。"
    )
    public_opinion_note = models.TextField(
        "舆情处置",
        blank=True,
        help_text="是否引发舆情、已采取的应对措施（如统一口径、网络监测、与家长沟通）。",
    )
    status = models.CharField(
        "状态", max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    # Recorded by the server, never edited.
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)
    closed_at = models.DateTimeField("结案登记时间", null=True, blank=True, editable=False)
    updated_at = models.DateTimeField("最后修改", default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最后修改人",
        editable=False,
    )
    # Optimistic concurrency: every save bumps it; a save carrying an old version is refused.
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        verbose_name = "事件报告"
        verbose_name_plural = "事件报告"
        ordering = ["-discovered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discovered_at__gte=models.F("occurred_at")),
                name="incident_discovered_after_occurred",
            ),
        ]
        indexes = [models.Index(fields=["school", "status", "discovered_at"])]

    def __str__(self):
        return f"{self.school} {self.get_category_display()} {timezone.localtime(self.discovered_at):%Y-%m-%d %H:%M}"


class EntryKind(models.TextChoices):
    PHONE = "phone", "电话报告"
    WRITTEN = "written", "书面报告"
    FOLLOW_UP = "follow_up", "续报"
    FINAL = "final", "终结报告"
    NOTE = "note", "处置记录"


# Entries that happen once per incident.
SINGLE_ENTRY_KINDS = ("phone", "written", "final")
# Entries that may carry an attachment (the written and the final report).
ATTACHMENT_KINDS = ("written", "final")


class IncidentEntry(models.Model):
    """One step on an incident's timeline.

    ``entered_at`` is when the server recorded it; ``happened_at`` is when the user says it
    happened (a phone call made at 10:20 and entered at 11:05 keeps both).
    """

    incident = models.ForeignKey(
        IncidentReport, on_delete=models.CASCADE, related_name="entries", verbose_name="事件"
    )
    kind = models.CharField("类型", max_length=10, choices=EntryKind.choices)
    happened_at = models.DateTimeField("发生 / 报告时间")
    entered_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="登记人",
        editable=False,
    )
    caller = models.CharField("报告人（打电话者）", max_length=50, blank=True)
    callee = models.CharField("接报人（市局）", max_length=50, blank=True)
    content = models.TextField("内容")
    # Written and final reports may carry the signed document. Stored by the default
    # (private) storage, outside any served path; read only through
    # ``duty.views.entry_attachment`` after the incident's scope check.
    attachment = models.FileField(
        "附件", upload_to="duty/attachments/%Y/%m/", blank=True, max_length=200
    )
    attachment_name = models.CharField("附件原文件名", max_length=200, blank=True)

    class Meta:
        verbose_name = "事件报告记录"
        verbose_name_plural = "事件报告记录"
        ordering = ["happened_at", "entered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind"],
                condition=Q(kind__in=SINGLE_ENTRY_KINDS),
                name="incident_entry_single_kinds",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.happened_at):%Y-%m-%d %H:%M}"

    @property
    def is_late_entry(self) -> bool:
        """Entered more than five minutes after the stated time."""
        return (self.entered_at - self.happened_at).total_seconds() > 300


class IncidentRevision(models.Model):
    """One saved edit of an incident's own fields: who, when, and what changed (old → new)."""

    incident = models.ForeignKey(
        IncidentReport, on_delete=models.CASCADE, related_name="revisions", verbose_name="事件"
    )
    version = models.PositiveIntegerField("版本")
    changed_at = models.DateTimeField("修改时间", default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="修改人"
    )
    changes = models.JSONField("修改内容", default=list)

    class Meta:
        verbose_name = "事件报告修改记录"
        verbose_name_plural = "事件报告修改记录"
        ordering = ["version"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "version"], name="incident_revision_once"),
        ]

    def __str__(self):
        return f"{self.incident_id} v{self.version}"


class ReminderStage(models.TextChoices):
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已逾期"


class ReminderSent(models.Model):
    """One reminder sent to one person; the unique constraint makes reminders idempotent."""

    incident = models.ForeignKey(
        IncidentReport, on_delete=models.CASCADE, related_name="reminders", verbose_name="事件"
    )
    clock = models.CharField("时限", max_length=10)
    stage = models.CharField("提醒阶段", max_length=10, choices=ReminderStage.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="收件人"
    )
    sent_at = models.DateTimeField("发送时间", default=timezone.now)

    class Meta:
        verbose_name = "已发送提醒"
        verbose_name_plural = "已发送提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "clock", "stage", "recipient"], name="reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.clock} {self.stage} → {self.recipient_id}"


class DutyNotice(models.Model):
    """An in-admin notice for one user (shown on their back-office dashboard)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_notices"
    )
    incident = models.ForeignKey(
        IncidentReport, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "值班提醒"
        verbose_name_plural = "值班提醒"
        ordering = ["-created_at"]

    def __str__(self):
        return self.message


class SafetyCheckStatus(models.TextChoices):
    NO_PROBLEM = "ok", "未发现问题"
    FIXING = "fixing", "整改中"
    FIXED = "fixed", "已整改"


class SafetyCheck(models.Model):
    """A safety check of a school's safety education and measures (R-21)."""

    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        related_name="safety_checks",
        verbose_name="学校",
    )
    date = models.DateField("检查日期")
    inspector = models.CharField("检查人", max_length=100)
    items_checked = models.TextField("检查项目", help_text="每行一项。")
    problems_found = models.TextField("发现问题", blank=True)
    fix_deadline = models.DateField("整改期限", null=True, blank=True)
    status = models.CharField(
        "状态",
        max_length=10,
        choices=SafetyCheckStatus.choices,
        default=SafetyCheckStatus.NO_PROBLEM,
    )

    class Meta:
        verbose_name = "安全检查"
        verbose_name_plural = "安全检查"
        ordering = ["-date", "school__code"]

    def __str__(self):
        return f"{self.school} {self.date:%Y-%m-%d} 安全检查"


class SafetyCheckItem(models.Model):
    """One line of a safety check's checklist: the item, whether it passed, and for a problem
    its description, the fix deadline and the day it was fixed. A problem not fixed by its
    deadline is overdue (``duty.safety.overdue_items``): flagged in 待办 and on the bureau's
    list."""

    safety_check = models.ForeignKey(
        SafetyCheck, on_delete=models.CASCADE, related_name="items", verbose_name="安全检查"
    )
    position = models.PositiveSmallIntegerField("序号", default=0)
    item = models.CharField("检查项目", max_length=100)
    ok = models.BooleanField("合格", default=True)
    problem = models.TextField("存在问题", blank=True)
    fix_deadline = models.DateField("整改期限", null=True, blank=True)
    fixed_on = models.DateField("整改完成日期", null=True, blank=True)

    class Meta:
        verbose_name = "安全检查项目"
        verbose_name_plural = "安全检查项目"
        ordering = ["safety_check", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ok=True) | (~Q(problem="") & Q(fix_deadline__isnull=False)),
                name="safety_item_problem_has_deadline",
            ),
        ]
        indexes = [models.Index(fields=["ok", "fixed_on", "fix_deadline"])]

    def __str__(self):
        return f"{self.item}：{'合格' if self.ok else self.problem}"

    def is_overdue(self, today) -> bool:
        return not self.ok and self.fixed_on is None and self.fix_deadline < today

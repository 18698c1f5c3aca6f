"""Reads for the duty app, built on the scoping selectors in ``schools.selectors``.

Clock helpers take ``now=`` so tests can pass fixed times.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from schools import access
from schools.models import Membership, School, Student
from schools.selectors import schools_for

from .models import (
    DutyAssignment,
    DutyNotice,
    DutyRole,
    DutyRotationSlot,
    EntryKind,
    IncidentEntry,
    IncidentReport,
    IncidentRevision,
    IncidentStatus,
    SafetyCheck,
)

PHONE_DUE = datetime.timedelta(minutes=30)
WRITTEN_DUE = datetime.timedelta(hours=2)
CLOCKS = {EntryKind.PHONE: PHONE_DUE, EntryKind.WRITTEN: WRITTEN_DUE}
# A reminder goes out this long before a clock falls due.
DUE_SOON_LEAD = {
    EntryKind.PHONE: datetime.timedelta(minutes=10),
    EntryKind.WRITTEN: datetime.timedelta(minutes=30),
}


def _now(now):
    return now or timezone.now()


# --- roster --------------------------------------------------------------------------------


def roster_visible_to(*, user) -> QuerySet[DutyAssignment]:
    """Duty rows the user may read: the bureau all, school staff their own schools."""
    qs = DutyAssignment.objects.select_related("school", "person")
    return access.scoped(qs, user=user, cap="duty.roster.read")


def roster_managed_by(*, user) -> QuerySet[DutyAssignment]:
    qs = DutyAssignment.objects.select_related("school", "person")
    return access.scoped(qs, user=user, cap="duty.roster.write")


def roster_schools_managed_by(*, user) -> QuerySet[School]:
    return access.schools_for(user=user, cap="duty.roster.write")


def rotation_visible_to(*, user) -> QuerySet[DutyRotationSlot]:
    qs = DutyRotationSlot.objects.select_related("school", "person")
    return access.scoped(qs, user=user, cap="duty.roster.read")


def rotation_managed_by(*, user) -> QuerySet[DutyRotationSlot]:
    qs = DutyRotationSlot.objects.select_related("school", "person")
    return access.scoped(qs, user=user, cap="duty.roster.write")


def roster_for_day(*, school, day) -> list[DutyAssignment]:
    return list(
        DutyAssignment.objects.filter(school=school, date=day)
        .select_related("person")
        .order_by("duty_role", "person__username")
    )


def roster_month(*, user, school, year: int, month: int) -> list[dict]:
    """The month calendar of one school: weeks of days, each with its duty rows."""
    first = datetime.date(year, month, 1)
    last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )
    rows = roster_visible_to(user=user).filter(school=school, date__range=(first, last))
    by_day: dict[datetime.date, list] = {}
    for row in rows.order_by("date", "duty_role", "person__username"):
        by_day.setdefault(row.date, []).append(row)
    start = first - datetime.timedelta(days=first.weekday())
    weeks, day = [], start
    while day <= last or day.weekday() != 0:
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append({"date": day, "in_month": day.month == month, "rows": by_day.get(day, [])})
        day += datetime.timedelta(days=1)
    return weeks


def duty_phone_list(*, user, day) -> list[dict]:
    """Today's duty at every school the user may see, as one phone list (leaders first)."""
    schools = list(schools_for(user=user).order_by("code"))
    rows = DutyAssignment.objects.filter(
        date=day, school__in=[s.pk for s in schools]
    ).select_related("person")
    by_school: dict[int, list] = {}
    for row in rows.order_by("duty_role", "person__username"):
        by_school.setdefault(row.school_id, []).append(row)
    result = []
    for school in schools:
        entries = by_school.get(school.pk, [])
        result.append(
            {
                "school": school,
                "leader": next((r for r in entries if r.duty_role == DutyRole.LEADER), None),
                "cadres": [r for r in entries if r.duty_role == DutyRole.CADRE],
            }
        )
    return result


def duty_leaders_on(*, day, school_ids) -> dict[int, DutyAssignment]:
    rows = DutyAssignment.objects.filter(
        date=day, school_id__in=school_ids, duty_role=DutyRole.LEADER
    ).select_related("person")
    return {r.school_id: r for r in rows}


DUTY_ELIGIBILITY = {DutyRole.LEADER: "duty.lead.eligible", DutyRole.CADRE: "duty.cadre.eligible"}
DUTY_ELIGIBILITY_TEXT = {
    DutyRole.LEADER: "带班领导须由学校领导担任",
    DutyRole.CADRE: "值班干部须由中层干部（学校管理员、年级组长）担任",
}


def duty_eligibility_error(
    *, person, school, day, duty_role, memberships=None, label: str = "", when: str = ""
) -> tuple[str, str] | None:
    """Why ``person`` may not take ``duty_role`` at ``school`` on ``day``, or None: the
    field it is about (``"person"`` or ``"duty_role"``) and the message (``label`` names the
    person, ``when`` the day, as the caller's messages do).

    领导带班 is a school leader's, 中层干部值班 a middle-level cadre's (the capabilities
    ``duty.lead.eligible`` and ``duty.cadre.eligible``), by the roles the person holds there
    that day. ``memberships``: the person's memberships at the school, when already read."""
    if memberships is None:
        memberships = list(Membership.objects.filter(user=person, school=school))
    active = [
        m
        for m in memberships
        if m.school_id == school.pk
        and m.active_from <= day
        and (m.active_to is None or m.active_to >= day)
    ]
    name = label or f"{person} "
    if not active:
        return "person", f"{name}{when}不是{school.name}的在岗教职工。"
    cap = DUTY_ELIGIBILITY.get(duty_role)
    if cap and not {m.role for m in active} & access.roles_holding(cap):
        return "duty_role", (
            f"{DUTY_ELIGIBILITY_TEXT[duty_role]}，{name}{when}在{school.name}没有这样的岗位。"
        )
    return None


def duty_phone_missing(*, person) -> str | None:
    if person.phone:
        return None
    return f"{person} 没有在教职工档案中登记手机号码（值班电话取自教职工档案），请先登记。"


def person_is_member(*, person, school, day) -> bool:
    return Membership.objects.active(day).filter(user=person, school=school).exists()


# --- incidents: scope ----------------------------------------------------------------------


def incidents_visible_to(*, user) -> QuerySet[IncidentReport]:
    """Incidents the user may read: the bureau all; a school's leaders and psychology
    teachers their school's; anyone the reports they filed themselves."""
    qs = IncidentReport.objects.select_related("school", "reporter")
    return access.scoped(qs, user=user, cap="duty.incident.read", own=("reporter",))


def incidents_involving(*, student) -> QuerySet[IncidentReport]:
    """Incidents that name ``student`` (for the student's archive, which its own capability
    guards: the incident list never shows archive records)."""
    return (
        IncidentReport.objects.filter(students=student)
        .select_related("reporter")
        .order_by("-occurred_at")
    )


def incidents_managed_by(*, user) -> QuerySet[IncidentReport]:
    """Incidents the user may change and add reports to."""
    qs = IncidentReport.objects.select_related("school", "reporter")
    return access.scoped(qs, user=user, cap="duty.incident.handle")


def incident_schools_reportable_by(*, user) -> QuerySet[School]:
    """Any teacher can start a report for their own school; the bureau admin for any."""
    return access.schools_for(user=user, cap="duty.incident.report")


def incident_student_names_visible(*, user, incident) -> bool:
    return access.can(user=user, cap="duty.incident.student_names", obj=incident)


def students_pickable_by(*, user, school) -> QuerySet[Student]:
    """Students a reporter may name in an incident: those of their own school only."""
    if not incident_schools_reportable_by(user=user).filter(pk=school.pk).exists():
        return Student.objects.none()
    return Student.objects.filter(school=school)


# --- incidents: clocks ---------------------------------------------------------------------


@dataclass
class Clock:
    kind: str
    label: str
    due_at: datetime.datetime
    done_at: datetime.datetime | None  # when the user says the report was made
    entered_at: datetime.datetime | None  # when the server recorded it
    now: datetime.datetime

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "done" if self.done_at <= self.due_at else "done_late"
        return "pending" if self.now <= self.due_at else "overdue"

    @property
    def is_overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def text(self) -> str:
        state = self.state
        if state == "done":
            return f"已按时报告（{timezone.localtime(self.done_at):%m-%d %H:%M}）"
        if state == "done_late":
            return f"逾期报告（超时{duration_text(self.done_at - self.due_at)}）"
        if state == "pending":
            return f"剩余{duration_text(self.due_at - self.now)}"
        return f"已逾期{duration_text(self.now - self.due_at)}"


def duration_text(delta: datetime.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f" {minutes} 分钟"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f" {hours} 小时 {minutes} 分钟" if minutes else f" {hours} 小时"
    return f" {hours // 24} 天 {hours % 24} 小时"


def incident_clocks(*, incident, now=None) -> list[Clock]:
    """The phone (30 min) and written (2 h) clocks of one incident.

    Uses the annotations of ``incidents_with_clocks`` when present, else reads the entries.
    """
    now = _now(now)
    if hasattr(incident, "phone_at"):
        done = {
            EntryKind.PHONE: (incident.phone_at, incident.phone_entered_at),
            EntryKind.WRITTEN: (incident.written_at, incident.written_entered_at),
        }
    else:
        done = {EntryKind.PHONE: (None, None), EntryKind.WRITTEN: (None, None)}
        for entry in incident.entries.filter(kind__in=list(CLOCKS)):
            done[entry.kind] = (entry.happened_at, entry.entered_at)
    return [
        Clock(
            kind=kind,
            label=EntryKind(kind).label,
            due_at=incident.discovered_at + delta,
            done_at=done[kind][0],
            entered_at=done[kind][1],
            now=now,
        )
        for kind, delta in CLOCKS.items()
    ]


def _entry_subquery(kind, field):
    return Subquery(
        IncidentEntry.objects.filter(incident=OuterRef("pk"), kind=kind).values(field)[:1]
    )


def incidents_with_clocks(qs: QuerySet[IncidentReport]) -> QuerySet[IncidentReport]:
    """Annotate each incident with its report times and student count (one query)."""
    return qs.annotate(
        phone_at=_entry_subquery(EntryKind.PHONE, "happened_at"),
        phone_entered_at=_entry_subquery(EntryKind.PHONE, "entered_at"),
        written_at=_entry_subquery(EntryKind.WRITTEN, "happened_at"),
        written_entered_at=_entry_subquery(EntryKind.WRITTEN, "entered_at"),
        student_count=Count("students", distinct=True),
    )


OVERDUE_CHOICES = [
    ("phone", "电话报告逾期"),
    ("written", "书面报告逾期"),
    ("any", "任一逾期"),
    ("soon", "即将到时限（30 分钟内）"),
]
# "About to fall due": a report clock that ends within this margin and has not yet passed.
SOON = datetime.timedelta(minutes=30)


def incident_inbox(
    *,
    user,
    status: str = "",
    overdue: str = "",
    category: str = "",
    school=None,
    now=None,
) -> QuerySet[IncidentReport]:
    """The bureau inbox (and a school's own list): filtered, annotated, newest first.

    The number of queries does not depend on the number of incidents.
    """
    now = _now(now)
    qs = incidents_with_clocks(incidents_visible_to(user=user))
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if school:
        qs = qs.filter(school=school)
    phone_over = Q(phone_at__isnull=True, discovered_at__lt=now - PHONE_DUE)
    written_over = Q(written_at__isnull=True, discovered_at__lt=now - WRITTEN_DUE)
    if overdue == "phone":
        qs = qs.filter(phone_over, status=IncidentStatus.OPEN)
    elif overdue == "written":
        qs = qs.filter(written_over, status=IncidentStatus.OPEN)
    elif overdue == "any":
        qs = qs.filter(phone_over | written_over, status=IncidentStatus.OPEN)
    elif overdue == "soon":
        phone_soon = Q(
            phone_at__isnull=True,
            discovered_at__gte=now - PHONE_DUE,
            discovered_at__lt=now - PHONE_DUE + SOON,
        )
        written_soon = Q(
            written_at__isnull=True,
            discovered_at__gte=now - WRITTEN_DUE,
            discovered_at__lt=now - WRITTEN_DUE + SOON,
        )
        qs = qs.filter(phone_soon | written_soon, status=IncidentStatus.OPEN)
    return qs.order_by("-discovered_at", "-pk")


def incident_timeline(*, incident) -> list[dict]:
    """Everything that happened to an incident, in order: discovery, registration, reports,
    edits."""
    items = [
        {
            "at": incident.occurred_at,
            "entered_at": None,
            "kind": "occurred",
            "label": "事件发生",
            "text": "",
        },
        {
            "at": incident.discovered_at,
            "entered_at": None,
            "kind": "discovered",
            "label": "发现事件",
            "text": "",
        },
        {
            "at": incident.created_at,
            "entered_at": incident.created_at,
            "kind": "created",
            "label": "登记报告",
            "text": f"报告人：{incident.reporter}",
        },
    ]
    for entry in incident.entries.select_related("entered_by"):
        items.append(
            {
                "at": entry.happened_at,
                "entered_at": entry.entered_at,
                "kind": entry.kind,
                "label": entry.get_kind_display(),
                "entry": entry,
                "text": entry.content,
            }
        )
    for rev in incident.revisions.select_related("changed_by"):
        items.append(
            {
                "at": rev.changed_at,
                "entered_at": rev.changed_at,
                "kind": "revision",
                "label": "修改报告",
                "revision": rev,
                "text": "；".join(f"{c['field']}：{c['old']} → {c['new']}" for c in rev.changes),
            }
        )
    return sorted(items, key=lambda i: (i["at"], i["entered_at"] or i["at"]))


def revisions_since(*, incident, version: int) -> QuerySet[IncidentRevision]:
    return (
        incident.revisions.filter(version__gt=version)
        .select_related("changed_by")
        .order_by("version")
    )


# --- notices and safety checks -------------------------------------------------------------


def notices_for(*, user, unread_only=False) -> QuerySet[DutyNotice]:
    qs = DutyNotice.objects.filter(recipient=user).select_related("incident__school")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def safety_checks_visible_to(*, user) -> QuerySet[SafetyCheck]:
    qs = SafetyCheck.objects.select_related("school")
    return access.scoped(qs, user=user, cap="duty.safety.read")


def safety_checks_managed_by(*, user) -> QuerySet[SafetyCheck]:
    qs = SafetyCheck.objects.select_related("school")
    return access.scoped(qs, user=user, cap="duty.safety.write")


def safety_schools_managed_by(*, user) -> QuerySet[School]:
    return access.schools_for(user=user, cap="duty.safety.write")


def bureau_admins() -> list:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__in=Membership.objects.active().filter(
                role__in=access.bureau_roles_holding("duty.notice.receive")
            ),
        )
        .distinct()
    )


def incidents_discovered_between(
    *, school_ids, first: datetime.date, last: datetime.date
) -> QuerySet[IncidentReport]:
    """Incidents of the schools discovered on local days ``first``..``last`` (for figures)."""
    return IncidentReport.objects.filter(
        school_id__in=school_ids, discovered_at__date__range=(first, last)
    )

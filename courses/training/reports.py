"""Training reports: the hours ledger, per-school and city-wide hours reports, and the
figures training gives the oversight reports and dashboard."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from oversight.snapshots import snapshotted
from portal.memo import memoized
from portal.sql import regroup
from schools import access
from schools.calendar import SchoolYear
from schools.models import Membership, School
from schools.vocab import Role

from ..models import (
    HoursEntry,
)
from .selectors import (
    TENTH,
    ZERO,
    current_year,
    percent_of,
    target_for_roles,
    targets_for_period,
)

# --- ledger and reports --------------------------------------------------------------------


def ledger_for(*, user) -> QuerySet[HoursEntry]:
    """Ledger lines the user may read: bureau all; school admin / leader their school's staff."""
    qs = HoursEntry.objects.select_related(
        "teacher", "school", "module", "session", "external", "recorded_by"
    ).annotate(reversed=Exists(HoursEntry.objects.filter(reverses=OuterRef("pk"))))
    if access.bureau_covers(user=user, cap="courses.ledger.read"):
        return qs
    # By the school that credited the hours (``HoursEntry.school``), never by where the
    # teacher works now: hours earned at another school stay that school's lines.
    return qs.filter(school__in=report_schools_for(user=user))


def ledger_reversible_by(*, user) -> QuerySet[HoursEntry]:
    """Credits the user may reverse: those credited by schools they manage."""
    return access.scoped(HoursEntry.objects.all(), user=user, cap="courses.ledger.reverse")


def report_schools_for(*, user) -> QuerySet[School]:
    """Schools whose hours report the user may read."""
    return access.schools_for(user=user, cap="courses.ledger.read")


@dataclass
class TeacherRow:
    user_id: int
    name: str
    username: str
    roles: list[str]
    hours: Decimal
    target: Decimal | None

    @property
    def percent(self) -> int | None:
        return percent_of(self.hours, self.target)

    @property
    def below(self) -> bool:
        return self.target is not None and self.hours < self.target

    @property
    def role_labels(self) -> str:
        labels = dict(Role.choices)
        return "、".join(labels[r] for r in self.roles)


@dataclass(frozen=True)
class ReportPeriod:
    """The dates a training report counts. Hours targets are set per school year; every
    period is judged against the targets over its own days (``targets_for_period``: a school
    year its target, a term or chosen dates their share of it)."""

    kind: str  # "year", "school_year", "term" or "custom"
    first: datetime.date
    last: datetime.date
    label: str

    @property
    def judged(self) -> bool:
        return True

    @property
    def prorated(self) -> bool:
        """The targets are a share of a school year's (any period but a whole school year)."""
        return self.kind != "school_year"

    @property
    def target_year(self) -> int:
        """The school year (its first year) the period ends in."""
        return SchoolYear.containing(self.last).first_year

    @property
    def file_label(self) -> str:
        """For file names: ``2026``, ``2025-2026学年``, ``20260301-20260415``."""
        if self.kind == "custom":
            return f"{self.first:%Y%m%d}-{self.last:%Y%m%d}"
        if self.kind == "year":
            return str(self.first.year)
        return self.label


PERIOD_KINDS = [
    ("school_year", "学年"),
    ("year", "自然年度"),
    ("term", "学期"),
    ("custom", "自定义日期"),
]
MAX_PERIOD_DAYS = 3 * 366


def period_of_year(year: int) -> ReportPeriod:
    """A calendar year (its targets: shares of the two school years it touches)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return ReportPeriod("year", first, last, f"{year}年")


def period_of_school_year(first_year: int) -> ReportPeriod:
    year = SchoolYear(first_year)
    return ReportPeriod("school_year", year.start, year.end, year.plain_label)


def period_of_term(first_year: int, term: int) -> ReportPeriod:
    """A term's teaching days (``schools.calendar.Term``): term 1 from 1 September to the
    day before the winter break, term 2 from the day after it to the day before the summer
    break."""
    term = SchoolYear(first_year).term(1 if term == 1 else 2)
    return ReportPeriod("term", term.start, term.end, term.plain_label)


def report_period_from(params) -> tuple[ReportPeriod, list[str]]:
    """The period a report's query string asks for, and Chinese messages for bad input
    (the period then falls back to the current school year, also the default).

    ``period=year&year=2026`` · ``period=school_year&school_year=2025`` ·
    ``period=term&school_year=2025&term=2`` · ``period=custom&start=…&end=…``.
    """
    today = timezone.localdate()
    kind = params.get("period") or "school_year"

    def number(name, default, low, high):
        try:
            value = int(params.get(name, ""))
        except ValueError:
            return default
        return value if low <= value <= high else default

    this_year = SchoolYear.containing(today)
    if kind == "term":
        return period_of_term(
            number("school_year", this_year.first_year, 2000, 2100),
            number("term", this_year.term_of(today).number, 1, 2),
        ), []
    if kind == "custom":
        errors = []
        dates = {}
        for name, label in (("start", "开始日期"), ("end", "结束日期")):
            try:
                dates[name] = datetime.date.fromisoformat(params.get(name, ""))
            except ValueError:
                errors.append(f"{label}无效，请按“年-月-日”填写，例如 2026-03-01。")
        if not errors and dates["start"] > dates["end"]:
            errors.append("开始日期不能晚于结束日期。")
        if not errors and (dates["end"] - dates["start"]).days > MAX_PERIOD_DAYS:
            errors.append("自定义时段最长三年，请缩短日期范围。")
        if not errors:
            first, last = dates["start"], dates["end"]
            return ReportPeriod("custom", first, last, f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"), []
        return period_of_school_year(this_year.first_year), errors
    if kind == "year":
        return period_of_year(number("year", today.year, 2000, 2100)), []
    return period_of_school_year(number("school_year", this_year.first_year, 2000, 2100)), []


def _hours_by_teacher(*, teacher_ids_qs, period: ReportPeriod) -> dict[int, Decimal]:
    first, last = period.first, period.last
    rows = (
        HoursEntry.objects.filter(teacher_id__in=teacher_ids_qs, credited_on__range=(first, last))
        .values("teacher_id")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    # SQLite returns whole sums as integers: normalise to one decimal place.
    return {r["teacher_id"]: Decimal(r["total"]).quantize(TENTH) for r in rows}


def school_hours_report(
    *,
    school,
    year: int | None = None,
    period: ReportPeriod | None = None,
    role: str = "",
    below_only: bool = False,
) -> dict:
    """Each active staff member's hours in the period (default: the school ``year``), judged
    against the targets over the same days (``targets_for_period``). Four queries."""
    period = period or period_of_school_year(year or current_year())
    staff = (
        Membership.objects.active()
        .filter(school=school)
        .filter(role__in=access.roles_holding("courses.hours.earn"))
        .select_related("user")
        .order_by("user__real_name", "user__username")
    )
    if role:
        staff = staff.filter(
            user__in=Membership.objects.active().filter(school=school, role=role).values("user_id")
        )
    staff = list(staff)
    targets = targets_for_period(first=period.first, last=period.last)
    # A school's staff is small: an id list lets the database use the (teacher, date) index.
    hours = _hours_by_teacher(teacher_ids_qs={m.user_id for m in staff}, period=period)
    rows: dict[int, TeacherRow] = {}
    for m in staff:
        row = rows.get(m.user_id)
        if row is None:
            row = rows[m.user_id] = TeacherRow(
                user_id=m.user_id,
                name=m.user.real_name or m.user.username,
                username=m.user.username,
                roles=[],
                hours=hours.get(m.user_id, ZERO),
                target=None,
            )
        if m.role not in row.roles:
            row.roles.append(m.role)
    for row in rows.values():
        row.roles.sort(key=lambda r: list(Role.values).index(r))
        row.target = target_for_roles(roles=row.roles, targets=targets)
    all_rows = list(rows.values())
    shown = [r for r in all_rows if r.below] if below_only else all_rows
    total = sum((r.hours for r in all_rows), ZERO)
    meeting = sum(1 for r in all_rows if r.target is not None and not r.below)
    return {
        "school": school,
        "year": period.target_year,
        "period": period,
        "role": role,
        "below_only": below_only,
        "rows": shown,
        "staff_count": len(all_rows),
        "below_count": sum(1 for r in all_rows if r.below),
        "total_hours": total,
        "meeting_count": meeting,
        "targets": targets,
    }


@dataclass
class SchoolRow:
    school: School
    staff: int = 0
    hours: Decimal = ZERO
    meeting: int = 0
    with_target: int = 0

    @property
    def share(self) -> int:
        """Per cent of the staff who have a target for the year and meet it."""
        return round(100 * self.meeting / self.with_target) if self.with_target else 0

    @property
    def average(self) -> Decimal:
        return (self.hours / self.staff).quantize(Decimal("0.1")) if self.staff else ZERO


def bureau_hours_report(
    *, user, year: int | None = None, period: ReportPeriod | None = None, below_share: int = 80
) -> dict:
    """Per school: staff, hours, share of teachers meeting the target over the same period.
    Four queries."""
    period = period or period_of_school_year(year or current_year())
    schools = list(report_schools_for(user=user).order_by("code"))
    school_ids = [s.pk for s in schools]
    staff = (
        Membership.objects.active()
        .filter(school_id__in=school_ids)
        .filter(role__in=access.roles_holding("courses.hours.earn"))
        .values_list("school_id", "user_id", "role")
    )
    targets = targets_for_period(first=period.first, last=period.last)
    hours = _hours_by_teacher(teacher_ids_qs=staff.values("user_id"), period=period)
    roles: dict[tuple[int, int], set[str]] = {}
    for school_id, user_id, role in staff:
        roles.setdefault((school_id, user_id), set()).add(role)
    rows = {s.pk: SchoolRow(school=s) for s in schools}
    for (school_id, user_id), user_roles in roles.items():
        row = rows[school_id]
        row.staff += 1
        got = hours.get(user_id, ZERO)
        row.hours += got
        target = target_for_roles(roles=user_roles, targets=targets)
        if target is not None:
            row.with_target += 1
            row.meeting += got >= target
    ordered = list(rows.values())
    return {
        "year": period.target_year,
        "period": period,
        "rows": ordered,
        "below": [r for r in ordered if r.share < below_share] if period.judged else [],
        "below_share": below_share,
        "targets": targets,
        "total_staff": sum(r.staff for r in ordered),
        "total_hours": sum((r.hours for r in ordered), ZERO),
    }


# --- figures for the oversight reports and dashboard ------------------------------------


@memoized
@snapshotted(
    "training.hours_by_school",
    encode=lambda v: [str(v[0]), v[1]],
    decode=lambda v: (Decimal(v[0]), v[1]),
)
def hours_by_school(*, school_ids, first: datetime.date, last: datetime.date) -> dict:
    """``{school_id: (hours, trained_staff)}`` credited in [first, last]. One query.

    Hours count for the school the teacher was at when credited (``HoursEntry.school``);
    a teacher counts as trained when their net hours there in the range are positive.
    Both passes (per teacher, then per school) run in the database (``portal.sql.regroup``):
    a row per school comes back, not a row per teacher.
    """
    per_teacher = (
        HoursEntry.objects.filter(school_id__in=list(school_ids), credited_on__range=(first, last))
        .values("school_id", "teacher_id")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    rows = regroup(
        per_teacher,
        by=["school_id"],
        select=["SUM({total})", "SUM(CASE WHEN {total} > 0 THEN 1 ELSE 0 END)"],
    )
    return {
        school_id: (Decimal(str(hours or 0)).quantize(TENTH), int(trained or 0))
        for school_id, hours, trained in rows
    }


@memoized
@snapshotted("training.hours_target_by_school", encode=str, decode=Decimal)
def hours_target_by_school(
    *, school_ids, first: datetime.date, last: datetime.date, on: datetime.date
) -> dict[int, Decimal]:
    """``{school_id: sum of the targets over [first, last] of the school's staff active on
    ``on``}`` — the same days the hours are counted over (``targets_for_period``).

    Same rule as the reports: a teacher with several roles meets the highest role target.
    Two queries.
    """
    targets = targets_for_period(first=first, last=last)
    staff = (
        Membership.objects.active(on)
        .filter(school_id__in=school_ids)
        .filter(role__in=access.roles_holding("courses.hours.earn"))
        .values_list("school_id", "user_id", "role")
    )
    roles: dict[tuple[int, int], set[str]] = {}
    for school_id, user_id, role in staff:
        roles.setdefault((school_id, user_id), set()).add(role)
    out: dict[int, Decimal] = {}
    for (school_id, _user_id), user_roles in roles.items():
        target = target_for_roles(roles=user_roles, targets=targets)
        if target is not None:
            out[school_id] = out.get(school_id, ZERO) + target
    return out

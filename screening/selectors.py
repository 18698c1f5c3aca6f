"""Who sees which screening records: the one place (design.md's role table, R-16, R-25).

Built on ``schools.selectors``. Admin views, exports and figures call these and never build
their own scope.

- psychology teacher: every screening record of their own school;
- school leader: cases (archive, results, warnings) of students with an open 重点关注/危机
  warning at their school, plus the school's summaries;
- school admin: the school's summaries (counts) only;
- grade leader: warnings (including concerns) of their own grade — no scores;
- class teacher: raises concerns about their own class, sees a "needs follow-up" flag for their
  own class and the concerns they raised — never scores or answers;
- temporary counselling group member: that one student's case, until removed;
- bureau (admin and auditor): figures per school with cells under 5 suppressed; the auditor
  also reads the access log (``schools.selectors.access_log_for``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from schools.calendar import SchoolYear
from schools.models import School, Student
from schools.selectors import (
    classes_for,
    is_bureau,
    memberships_of,
    school_ids_with,
    school_scope,
    students_visible_to,
)
from schools.vocab import Role

from .models import (
    LEADER_LEVELS,
    Archive,
    CaseMember,
    GuardianConsent,
    Instrument,
    Referral,
    ScreeningResult,
    ScreeningRound,
    Warning,
    WarningLevel,
)

SMALL_CELL = 5
ACTIVE_WARNING = (Warning.Status.OPEN, Warning.Status.FOLLOW_UP)


def _grade_scopes(*, user) -> list[tuple[int, int]]:
    return [
        (m.school_id, m.grade)
        for m in memberships_of(user=user)
        if m.role == Role.GRADE_LEADER and m.school_id
    ]


def case_memberships_of(*, user) -> QuerySet[CaseMember]:
    """The user's places in temporary counselling groups (R-16): while not removed, and only
    while they are active staff of that student's school."""
    if not getattr(user, "is_authenticated", False):
        return CaseMember.objects.none()
    schools = {m.school_id for m in memberships_of(user=user) if m.school_id}
    return CaseMember.objects.filter(
        user=user, removed_at__isnull=True, student__school_id__in=schools
    )


def in_case_group(*, user) -> bool:
    """Whether the user is in any counselling group now (it opens the back office for them,
    see ``schools.services.membership_sync_groups``)."""
    return case_memberships_of(user=user).exists()


def _case_student_ids(*, user):
    return case_memberships_of(user=user).values("student_id")


def _leader_case_q(*, user, prefix="") -> Q:
    """Students with an active 重点/危机 warning at a school the user leads."""
    leader_schools = school_ids_with(user=user, roles={Role.SCHOOL_LEADER})
    if not leader_schools:
        return Q(pk__in=[])
    cases = Warning.objects.filter(
        school_id__in=leader_schools, level__in=LEADER_LEVELS, status__in=ACTIVE_WARNING
    ).values("student_id")
    return Q(**{f"{prefix}pk__in": cases}) if not prefix else Q(**{f"{prefix}_id__in": cases})


def _case_q(*, user, field: str) -> Q:
    """Q on a student-bearing model (``field`` is "" for Student, "student" otherwise)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    psych = school_ids_with(user=user, roles={Role.PSYCH_TEACHER})
    school_field = "school_id__in" if not field else "school_id__in"
    student_in = "pk__in" if not field else f"{field}_id__in"
    q = Q(**{school_field: psych}) if psych else Q(pk__in=[])
    q |= _leader_case_q(user=user, prefix=field)
    q |= Q(**{student_in: _case_student_ids(user=user)})
    return q


# --- cases: archives and results ------------------------------------------------------------


def archive_students_for(*, user) -> QuerySet[Student]:
    """Students whose archive (results, records, plan, referrals) the user may open."""
    return Student.objects.select_related("school", "school_class").filter(
        _case_q(user=user, field="")
    )


def results_for(*, user) -> QuerySet[ScreeningResult]:
    """Scored results (with answers) the user may read: cases only, never class teachers."""
    return ScreeningResult.objects.select_related("student", "instrument", "round").filter(
        _case_q(user=user, field="student")
    )


def referrals_for(*, user) -> QuerySet[Referral]:
    return Referral.objects.select_related("student", "return_plan").filter(
        _case_q(user=user, field="student")
    )


def may_write_case(*, user, student: Student) -> bool:
    """Psychology teachers write their school's archives; case-group members their case."""
    if student.school_id in school_ids_with(user=user, roles={Role.PSYCH_TEACHER}):
        return True
    return case_memberships_of(user=user).filter(student=student).exists()


def may_manage_case_group(*, user, student: Student) -> bool:
    return student.school_id in school_ids_with(user=user, roles={Role.PSYCH_TEACHER})


# --- rounds -------------------------------------------------------------------------------------


def rounds_for(*, user) -> QuerySet[ScreeningRound]:
    """Rounds whose summary (counts, coverage) the user may see: own school's staff in charge."""
    school_ids = school_ids_with(
        user=user, roles={Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.SCHOOL_ADMIN}
    )
    return ScreeningRound.objects.select_related("school").filter(school_id__in=school_ids)


def rounds_managed_by(*, user) -> QuerySet[ScreeningRound]:
    """Rounds whose results the user may enter, import, list and export."""
    school_ids = school_ids_with(user=user, roles={Role.PSYCH_TEACHER})
    return ScreeningRound.objects.select_related("school").filter(school_id__in=school_ids)


def round_results(*, user, round: ScreeningRound) -> QuerySet[ScreeningResult]:
    """A round's results for its results list and export (2 queries however many)."""
    return (
        results_for(user=user)
        .filter(round=round)
        .select_related("student__school_class", "instrument")
        .order_by(
            "student__school_class__grade", "student__school_class__name", "student__student_number"
        )
    )


def round_summary(*, round: ScreeningRound) -> dict:
    """Counts of a round's results per instrument and band (no names)."""
    rows = (
        ScreeningResult.objects.filter(round=round)
        .values("instrument__code", "band", "level")
        .annotate(n=Count("pk"))
        .order_by("instrument__code", "band")
    )
    return {
        "bands": list(rows),
        "screened": ScreeningResult.objects.filter(round=round)
        .values("student_id")
        .distinct()
        .count(),
    }


# --- guardian consent ---------------------------------------------------------------------------

CONSENT_AGE = 14


def consent_rounds_for(*, user) -> QuerySet[ScreeningRound]:
    """Rounds whose guardian consent the user may see and record: the psychology teacher's."""
    return rounds_managed_by(user=user)


@dataclass
class ConsentRow:
    student: Student
    consent: GuardianConsent | None
    needs_consent: bool  # under 14 on the round's first day

    @property
    def state(self) -> str:
        return self.consent.status if self.consent else "none"


def consent_rows(*, round: ScreeningRound, class_id=None, state=None) -> list[ConsentRow]:
    """A round's target students with their guardian's decision (three queries however many
    students). ``round`` must come from ``consent_rounds_for``."""
    students = round_target_students(round=round).select_related("school_class")
    if class_id:
        students = students.filter(school_class_id=class_id)
    students = list(
        students.order_by("school_class__grade", "school_class__name", "student_number")
    )
    consents = {
        c.student_id: c
        for c in GuardianConsent.objects.filter(
            round=round, student_id__in=[s.pk for s in students]
        ).select_related("recorded_by")
    }
    rows = [
        ConsentRow(
            student=s,
            consent=consents.get(s.pk),
            needs_consent=s.age_on(round.starts_on) < CONSENT_AGE,
        )
        for s in students
    ]
    if state:
        rows = [r for r in rows if r.state == state]
    return rows


def consent_summary(*, rows: list[ConsentRow]) -> dict:
    """Counts per state among the students who need a guardian's consent."""
    needing = [r for r in rows if r.needs_consent]
    out = {"needing": len(needing), "none": 0}
    out.update(dict.fromkeys(GuardianConsent.Status.values, 0))
    for r in needing:
        out[r.state] += 1
    return out


def round_target_classes(*, round: ScreeningRound):
    """The classes a round's target students are in (for the consent screen's class filter)."""
    from schools.models import SchoolClass

    return SchoolClass.objects.filter(
        pk__in=round_target_students(round=round).values("school_class_id")
    ).order_by("grade", "name")


# --- instruments ----------------------------------------------------------------------------


def instruments_for(*, user) -> QuerySet[Instrument]:
    """Instruments the user may read: city-wide ones, and their own school's."""
    schools = {m.school_id for m in memberships_of(user=user) if m.school_id}
    return Instrument.objects.filter(Q(school__isnull=True) | Q(school_id__in=schools))


def instruments_managed_by(*, user) -> QuerySet[Instrument]:
    """Psychology teachers define their school's own; the bureau admin fills licensed skeletons."""
    q = Q(school_id__in=school_ids_with(user=user, roles={Role.PSYCH_TEACHER}))
    if Role.BUREAU_ADMIN in {m.role for m in memberships_of(user=user)}:
        q |= Q(school__isnull=True, kind=Instrument.Kind.LICENSED)
    return Instrument.objects.filter(q)


def may_define_instrument(*, user) -> bool:
    return bool(school_ids_with(user=user, roles={Role.PSYCH_TEACHER}))


# --- warnings and concerns ------------------------------------------------------------------


def _full_warning_q(*, user) -> Q:
    """Warnings the user reads in full (level, owner, the psychology teacher's notes): their
    school as psychology teacher, 重点/危机 as leader, their grade, their counselling case."""
    psych = school_ids_with(user=user, roles={Role.PSYCH_TEACHER})
    leaders = school_ids_with(user=user, roles={Role.SCHOOL_LEADER})
    q = Q(school_id__in=psych) if psych else Q(pk__in=[])
    if leaders:
        q |= Q(school_id__in=leaders, level__in=LEADER_LEVELS)
    for school_id, grade in _grade_scopes(user=user):
        q |= Q(school_id=school_id, grade=grade)
    q |= Q(student_id__in=_case_student_ids(user=user))
    return q


def _own_concern_q(*, user) -> Q:
    """Concerns the user raised, while they are today the class teacher (an active
    membership) of the class the student is in: the "I raised it" access ends with that role."""
    from schools.models import SchoolClass

    schools = school_ids_with(user=user, roles={Role.CLASS_TEACHER})
    if not schools:
        return Q(pk__in=[])
    headed = SchoolClass.objects.filter(school_id__in=schools, head_teacher=user).values("pk")
    return Q(
        source=Warning.Source.CONCERN,
        raised_by=user,
        school_id__in=schools,
        student__school_class__in=headed,
    )


def warnings_for(*, user) -> QuerySet[Warning]:
    """Warnings the user may list and open (never scores). Concern authors reach their own
    concerns only as status (``warnings_read_in_full_by`` says who reads the notes)."""
    if not getattr(user, "is_authenticated", False):
        return Warning.objects.none()
    q = _full_warning_q(user=user) | _own_concern_q(user=user)
    return Warning.objects.select_related("student__school_class", "owner", "raised_by").filter(q)


def warnings_read_in_full_by(*, user) -> QuerySet[Warning]:
    """Warnings whose follow-up (owner and the psychology teacher's notes) the user reads.
    A class teacher who raised a concern sees its status and that it is followed up, not this."""
    if not getattr(user, "is_authenticated", False):
        return Warning.objects.none()
    return Warning.objects.filter(_full_warning_q(user=user))


def warnings_managed_by(*, user) -> QuerySet[Warning]:
    """Warnings whose status and notes the user may update: psychology teacher, case group."""
    psych = school_ids_with(user=user, roles={Role.PSYCH_TEACHER})
    q = Q(school_id__in=psych) | Q(student_id__in=_case_student_ids(user=user))
    return Warning.objects.filter(q)


def concern_students_for(*, user) -> QuerySet[Student]:
    """Students a user may raise a concern about: the school staff's own scope, never bureau."""
    if is_bureau(user=user) or not memberships_of(user=user):
        return Student.objects.none()
    roles = {m.role for m in memberships_of(user=user)}
    if not roles & {
        Role.CLASS_TEACHER,
        Role.GRADE_LEADER,
        Role.PSYCH_TEACHER,
        Role.SCHOOL_LEADER,
    }:
        return Student.objects.none()
    return students_visible_to(user=user).filter(is_active=True)


@dataclass
class FollowUpFlag:
    student: Student
    needs_follow_up: bool


def followup_flags_for(*, user) -> list[FollowUpFlag]:
    """A class teacher's own classes: each student and a yes/no flag — no level, no score."""
    class_ids = list(classes_for(user=user).filter(head_teacher=user).values_list("pk", flat=True))
    active = Warning.objects.filter(student=OuterRef("pk"), status__in=ACTIVE_WARNING)
    students = (
        Student.objects.filter(school_class_id__in=class_ids, is_active=True)
        .select_related("school_class")
        .annotate(flag=Exists(active))
        .order_by("school_class__name", "student_number")
    )
    return [FollowUpFlag(student=s, needs_follow_up=s.flag) for s in students]


def has_screening_access(*, user) -> bool:
    """Whether the screening menu shows at all."""
    if is_bureau(user=user):
        return True
    roles = {m.role for m in memberships_of(user=user)}
    if roles & {
        Role.PSYCH_TEACHER,
        Role.SCHOOL_LEADER,
        Role.SCHOOL_ADMIN,
        Role.GRADE_LEADER,
        Role.CLASS_TEACHER,
    }:
        return True
    return in_case_group(user=user)


# --- figures (bureau, and schools' own summaries) --------------------------------------------


def _suppress_count(n: int) -> int | str:
    """A published count: 0 and 5 or more as they are, 1–4 as “<5”."""
    return f"<{SMALL_CELL}" if 0 < n < SMALL_CELL else n


def figure_schools_for(*, user) -> QuerySet[School]:
    """Schools whose figures the user sees: every school for the bureau, own school otherwise."""
    return school_scope(
        user=user, roles={Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER, Role.PSYCH_TEACHER}
    )


def warning_table(*, counts: dict, school_ids: list[int]) -> dict:
    """Active warnings per school and level with school totals, totals per level and the
    grand total, suppressed together (``oversight.suppression.suppress_table``): no hidden
    count follows from the shown ones. The one rule for the figures page and the dashboard.
    Keys: ``(school_id, level)``, ``(school_id, "total")``, ``("total", level)``,
    ``("total", "total")``."""
    from oversight.suppression import suppress_table

    levels = WarningLevel.values
    cells = {(pk, lv): counts.get(pk, {}).get(lv, 0) for pk in school_ids for lv in levels}
    return suppress_table(cells, rows=list(school_ids), cols=levels)


def warning_counts(*, user) -> list[dict]:
    """Active warnings per school and level, suppressed as on the dashboard
    (``warning_table``); the last row holds the totals. No names, ever."""
    schools = list(figure_schools_for(user=user).only("pk", "name", "code"))
    ids = [s.pk for s in schools]
    table = warning_table(counts=warning_level_counts(school_ids=ids), school_ids=ids)
    columns = [*WarningLevel.values, "total"]
    rows = [{"school": s, "cells": [table[(s.pk, c)] for c in columns]} for s in schools]
    rows.append({"school": None, "cells": [table[("total", c)] for c in columns]})
    return rows


def round_target_students(*, round: ScreeningRound) -> QuerySet[Student]:
    """Students a round targets: active students of its classes, or of every class of its
    grades when it names no class."""
    qs = Student.objects.filter(school_id=round.school_id, is_active=True)
    class_ids = list(round.classes.values_list("pk", flat=True))
    if class_ids:
        return qs.filter(school_class_id__in=class_ids)
    return qs.filter(school_class__grade__in=round.grades or [])


def target_students_q(*, school_ids, start: datetime.date, end: datetime.date) -> Q:
    """Q over Student: the union of the targets of the schools' rounds whose window overlaps
    [start, end] (each student once, however many rounds name them). Two queries."""
    rounds = list(
        ScreeningRound.objects.filter(
            school_id__in=school_ids, starts_on__lte=end, ends_on__gte=start
        ).values_list("pk", "school_id", "grades")
    )
    named = defaultdict(set)  # round -> its classes
    for round_id, class_id in ScreeningRound.classes.through.objects.filter(
        screeninground_id__in=[r[0] for r in rounds]
    ).values_list("screeninground_id", "schoolclass_id"):
        named[round_id].add(class_id)
    classes, grades = defaultdict(set), defaultdict(set)
    for round_id, school_id, round_grades in rounds:
        if named[round_id]:
            classes[school_id] |= named[round_id]
        else:
            grades[school_id] |= set(round_grades or [])
    q = Q(pk__in=[])
    for school_id in set(classes) | set(grades):
        q |= Q(school_id=school_id) & (
            Q(school_class_id__in=sorted(classes[school_id]))
            | Q(school_class__grade__in=sorted(grades[school_id]))
        )
    return q & Q(is_active=True)


def coverage_counts(*, school_ids, school_year_start, until=None) -> tuple[dict, dict, dict]:
    """Raw per-school counts behind coverage (R-18): target students of the schools' rounds in
    the school year beginning ``school_year_start`` (up to ``until`` if given), how many of
    them have a result taken in that time, how many have an archive. Three queries however
    many schools, rounds or students; unsuppressed — callers publish them only through
    suppression."""
    end = until or SchoolYear.containing(school_year_start).end
    targets_q = target_students_q(school_ids=school_ids, start=school_year_start, end=end)
    screened = ScreeningResult.objects.filter(
        student=OuterRef("pk"), taken_on__gte=school_year_start, taken_on__lte=end
    )
    rows = (
        Student.objects.filter(targets_q)
        .annotate(
            was_screened=Exists(screened),
            has_archive=Exists(Archive.objects.filter(student=OuterRef("pk"))),
        )
        .values("school_id")
        .annotate(
            n=Count("pk"),
            screened=Count("pk", filter=Q(was_screened=True)),
            archived=Count("pk", filter=Q(has_archive=True)),
        )
        .order_by()
    )
    targets, screened_n, archived_n = {}, {}, {}
    for row in rows:
        targets[row["school_id"]] = row["n"]
        screened_n[row["school_id"]] = row["screened"]
        archived_n[row["school_id"]] = row["archived"]
    return targets, screened_n, archived_n


def warning_level_counts(*, school_ids) -> dict[int, dict[str, int]]:
    """Active warnings per school and level, unsuppressed (callers suppress). One query."""
    out: dict[int, dict[str, int]] = {}
    for row in (
        Warning.objects.filter(school_id__in=school_ids, status__in=ACTIVE_WARNING)
        .values("school_id", "level")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        out.setdefault(row["school_id"], {})[row["level"]] = row["n"]
    return out


def coverage_share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, or ``None`` where it would single out students:
    a target group under 5, or a part of 1–4 (a share of a known total gives the count
    back — 2.2 % of 93 is 2 students with an archive)."""
    if whole < SMALL_CELL or 0 < part < SMALL_CELL:
        return None
    return round(100 * part / whole, 1)


def coverage(*, user, school_year_start) -> dict:
    """Share of target students screened this school year and with an archive (R-18).

    Target students: the union of the targets (classes, or every class of the target grades)
    of each school's rounds this school year, each student counted once. Per school and
    city-wide; shares are computed from unsuppressed counts but only where neither the target
    group nor the part is a small cell (``coverage_share``), and counts under 5 show as “<5”.
    """
    schools = list(figure_schools_for(user=user).only("pk", "name", "code"))
    targets, screened, archived = coverage_counts(
        school_ids=[s.pk for s in schools], school_year_start=school_year_start
    )

    share = coverage_share
    rows = []
    for school in schools:
        total = targets.get(school.pk, 0)
        rows.append(
            {
                "school": school,
                "targets": _suppress_count(total),
                "screened": _suppress_count(screened.get(school.pk, 0)),
                "archived": _suppress_count(archived.get(school.pk, 0)),
                "screened_share": share(screened.get(school.pk, 0), total),
                "archive_share": share(archived.get(school.pk, 0), total),
            }
        )
    whole = sum(targets.values())
    return {
        "rows": rows,
        "city_targets": _suppress_count(whole),
        "city_screened_share": share(sum(screened.values()), whole),
        "city_archive_share": share(sum(archived.values()), whole),
    }


RESULT_LEVELS = ["none", *WarningLevel.values]
"""Columns of the bureau's aggregate: students by the highest level of their results."""


def bureau_aggregate(*, user, school_year_start) -> tuple[list[tuple], dict]:
    """The bureau's screening export: students screened this school year per school × stage
    (学段, the grade band) by the highest warning level of their results, with the same
    suppression as the dashboard (``suppress_table``: “<5” and “*”, totals included). No row
    per student, no score, no date: nothing row-level leaves the school.

    Returns the row keys ``(school, stage)`` in order and ``{(key, column): shown}`` with
    ``"total"`` for the totals row and column. Empty for anyone but the bureau."""
    from oversight.suppression import suppress_table
    from schools.vocab import STAGE_GRADES, stage_of_grade

    if not is_bureau(user=user):
        return [], {}
    schools = {s.pk: s for s in School.objects.only("pk", "name", "code")}
    rank = {"": 0, **{lv: i + 1 for i, lv in enumerate(WarningLevel.values)}}
    highest: dict[int, tuple] = {}
    for student_id, school_id, level, grade in ScreeningResult.objects.filter(
        taken_on__gte=school_year_start, school_id__in=list(schools)
    ).values_list("student_id", "school_id", "level", "student__school_class__grade"):
        key = (school_id, stage_of_grade(grade))
        if student_id not in highest or rank[level or ""] > rank[highest[student_id][1]]:
            highest[student_id] = (key, level or "")
    cells: dict[tuple, int] = defaultdict(int)
    for key, level in highest.values():
        cells[(key, RESULT_LEVELS[rank[level]])] += 1
    stage_order = {stage: i for i, stage in enumerate(STAGE_GRADES)}
    keys = sorted({key for key, _ in cells}, key=lambda k: (schools[k[0]].code, stage_order[k[1]]))
    shown = suppress_table(dict(cells), rows=keys, cols=RESULT_LEVELS)
    return [(schools[school_id], stage) for school_id, stage in keys], {
        ((schools[k[0]], k[1]) if k != "total" else "total", c): v for (k, c), v in shown.items()
    }


# --- back-office form choices ---------------------------------------------------------------


def instrument_schools_for(*, user) -> QuerySet[School]:
    """Schools for which the user may define an instrument or run a round."""
    return School.objects.filter(pk__in=school_ids_with(user=user, roles={Role.PSYCH_TEACHER}))


round_schools_for = instrument_schools_for


def round_classes_for(*, user):
    from schools.models import SchoolClass

    return SchoolClass.objects.select_related("school").filter(
        school_id__in=school_ids_with(user=user, roles={Role.PSYCH_TEACHER})
    )

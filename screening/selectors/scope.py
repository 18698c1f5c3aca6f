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

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from schools import access
from schools.access import Reach
from schools.models import School, Student
from schools.selectors import classes_for, memberships_of

from ..models import (
    LEADER_LEVELS,
    CaseMember,
    GuardianConsent,
    Instrument,
    Referral,
    ScreeningResult,
    ScreeningRound,
    Warning,
    WarningAction,
    WarningLevel,
)

SMALL_CELL = 5
# Every status but closed: the warning is still being worked.
ACTIVE_WARNING = tuple(s for s in Warning.Status.values if s != Warning.Status.CLOSED)


def current_results() -> QuerySet[ScreeningResult]:
    """Results that count: every result but those a correction superseded. Every figure,
    summary and count of results starts here (a superseded result stays in history only)."""
    return ScreeningResult.objects.filter(superseded_at__isnull=True)


def _grade_scopes(*, user) -> list[tuple[int, int]]:
    return [
        (m.school_id, m.grade)
        for m, reach in access.grants(user=user, cap="screening.warning.read_full")
        if reach == Reach.GRADE
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


def case_student_ids(*, user):
    """Students whose counselling group holds the user (a subquery of ids)."""
    return case_memberships_of(user=user).values("student_id")


def _leader_case_q(*, user, prefix="") -> Q:
    """Students with an active 重点/危机 warning at a school the user leads."""
    leader_schools = access.school_ids_for(
        user=user, cap="screening.result.read", reach=Reach.SERIOUS
    )
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
    psych = access.school_ids_for(user=user, cap="screening.result.read", reach=Reach.SCHOOL)
    school_field = "school_id__in" if not field else "school_id__in"
    student_in = "pk__in" if not field else f"{field}_id__in"
    q = Q(**{school_field: psych}) if psych else Q(pk__in=[])
    q |= _leader_case_q(user=user, prefix=field)
    q |= Q(**{student_in: case_student_ids(user=user)})
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
    if access.can(user=user, cap="screening.case.write", obj=student):
        return True
    return case_memberships_of(user=user).filter(student=student).exists()


def may_manage_case_group(*, user, student: Student) -> bool:
    return access.can(user=user, cap="screening.case.group", obj=student)


# --- rounds -------------------------------------------------------------------------------------


def rounds_for(*, user) -> QuerySet[ScreeningRound]:
    """Rounds whose summary (counts, coverage) the user may see: own school's staff in charge."""
    school_ids = access.school_ids_for(user=user, cap="screening.round.read")
    return ScreeningRound.objects.select_related("school").filter(school_id__in=school_ids)


def rounds_managed_by(*, user) -> QuerySet[ScreeningRound]:
    """Rounds whose results the user may enter, import, list and export."""
    school_ids = access.school_ids_for(user=user, cap="screening.round.write")
    return ScreeningRound.objects.select_related("school").filter(school_id__in=school_ids)


def round_results(*, user, round: ScreeningRound) -> QuerySet[ScreeningResult]:
    """A round's results for its results list and export (2 queries however many), corrected
    ones included (marked by ``superseded_at``; callers that count exclude them)."""
    return (
        results_for(user=user)
        .filter(round=round)
        .select_related("student__school_class", "instrument", "supersedes")
        .order_by(
            "student__school_class__grade",
            "student__school_class__name",
            "student__student_number",
            "superseded_at",
        )
    )


def round_summary(*, round: ScreeningRound) -> dict:
    """Counts of a round's current results per instrument and band (no names); students
    whose critical item was not checked (totals-only import) counted apart."""
    current = current_results().filter(round=round)
    rows = (
        current.values("instrument__code", "band", "level")
        .annotate(n=Count("pk"))
        .order_by("instrument__code", "band")
    )
    return {
        "bands": list(rows),
        "screened": current.values("student_id").distinct().count(),
        "unchecked": current.filter(critical_checked=False).values("student_id").distinct().count(),
    }


def round_target_students(*, round: ScreeningRound) -> QuerySet[Student]:
    """Students a round targets: active students of its classes, or of every class of its
    grades when it names no class."""
    qs = Student.objects.filter(school_id=round.school_id, is_active=True)
    class_ids = list(round.classes.values_list("pk", flat=True))
    if class_ids:
        return qs.filter(school_class_id__in=class_ids)
    return qs.filter(school_class__grade__in=round.grades or [])


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
    q = Q(school_id__in=access.school_ids_for(user=user, cap="screening.instrument.write"))
    if access.bureau_covers(user=user, cap="screening.instrument.write"):
        q |= Q(school__isnull=True, kind=Instrument.Kind.LICENSED)
    return Instrument.objects.filter(q)


# --- warnings and concerns ------------------------------------------------------------------


def _full_warning_q(*, user) -> Q:
    """Warnings the user reads in full (level, owner, the psychology teacher's notes): their
    school as psychology teacher, 重点/危机 as leader, their grade, their counselling case."""
    cap = "screening.warning.read_full"
    psych = access.school_ids_for(user=user, cap=cap, reach=Reach.SCHOOL)
    leaders = access.school_ids_for(user=user, cap=cap, reach=Reach.SERIOUS)
    q = Q(school_id__in=psych) if psych else Q(pk__in=[])
    if leaders:
        q |= Q(school_id__in=leaders, level__in=LEADER_LEVELS)
    for school_id, grade in _grade_scopes(user=user):
        q |= Q(school_id=school_id, grade=grade)
    q |= Q(student_id__in=case_student_ids(user=user))
    return q


def _own_concern_q(*, user) -> Q:
    """Concerns the user raised, while they are today the class teacher (an active
    membership) of the class the student is in: the "I raised it" access ends with that role."""
    from schools.models import SchoolClass

    schools = access.school_ids_for(user=user, cap="screening.warning.read", reach=Reach.OWN)
    if not schools:
        return Q(pk__in=[])
    headed = SchoolClass.objects.filter(school_id__in=schools, head_teacher=user).values("pk")
    merged = WarningAction.objects.filter(
        kind=WarningAction.Kind.MERGED, source=Warning.Source.CONCERN, by=user
    ).values("warning_id")
    return (Q(source=Warning.Source.CONCERN, raised_by=user) | Q(pk__in=merged)) & Q(
        school_id__in=schools, student__school_class__in=headed
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
    """Warnings the user may work (owner, due time, notes, status, referral, closing): the
    psychology teacher their school's, a leader the 重点/危机 ones, a grade leader their
    grade's, a counselling-group member their case's."""
    if not getattr(user, "is_authenticated", False):
        return Warning.objects.none()
    cap = "screening.warning.write"
    psych = access.school_ids_for(user=user, cap=cap, reach=Reach.SCHOOL)
    leaders = access.school_ids_for(user=user, cap=cap, reach=Reach.SERIOUS)
    q = Q(school_id__in=psych) if psych else Q(pk__in=[])
    if leaders:
        q |= Q(school_id__in=leaders, level__in=LEADER_LEVELS)
    for m, reach in access.grants(user=user, cap=cap):
        if reach == Reach.GRADE:
            q |= Q(school_id=m.school_id, grade=m.grade)
    q |= Q(student_id__in=case_student_ids(user=user))
    return Warning.objects.filter(q)


def warnings_signed_off_by(*, user) -> QuerySet[Warning]:
    """危机 warnings whose closing the user may sign off: a leader of the school."""
    schools = access.school_ids_for(user=user, cap="screening.warning.signoff")
    return Warning.objects.filter(school_id__in=schools, level=WarningLevel.CRISIS)


def concern_students_for(*, user) -> QuerySet[Student]:
    """Students a user may raise a concern about: the school staff's own scope, never bureau."""
    return access.scoped(
        Student.objects.select_related("school", "school_class__school").filter(is_active=True),
        user=user,
        cap="screening.concern.raise",
        grade="school_class__grade",
        head_teacher="school_class__head_teacher",
    )


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


# --- back-office form choices ---------------------------------------------------------------


def instrument_schools_for(*, user) -> QuerySet[School]:
    """Schools for which the user may define an instrument or run a round."""
    return School.objects.filter(
        pk__in=access.school_ids_for(user=user, cap="screening.instrument.define")
    )


round_schools_for = instrument_schools_for


def round_classes_for(*, user):
    from schools.models import SchoolClass

    return SchoolClass.objects.select_related("school").filter(
        school_id__in=access.school_ids_for(user=user, cap="screening.round.write")
    )

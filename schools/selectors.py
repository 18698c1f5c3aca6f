"""The one scoping mechanism: what each user may see of school-owned data.

Implements the role table in design.md. Every listing, admin view, export and count of
school-owned records goes through these functions; no view builds its own scope.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from . import access
from .access import (  # noqa: F401 - the request-level memo lives with the capability table
    SchoolScope,
    forget_memberships,
    is_bureau,
    is_bureau_admin,
    memberships_of,
    roles_of,
    user_memo,
)
from .models import AccessLog, Facility, Membership, School, SchoolClass, Student
from .vocab import KINDERGARTEN_KINDS, PsychEmployment


def school_ids_with(*, user, cap: str | None = None) -> set[int]:
    """Schools where a membership grants ``cap`` (any active membership when ``None``)."""
    if cap is None:
        return {m.school_id for m in memberships_of(user=user) if m.school_id}
    return access.school_ids_for(user=user, cap=cap)


# --- schools ---------------------------------------------------------------------------


def schools_for(*, user) -> QuerySet[School]:
    """Schools whose directory entry the user may read (any member; the bureau all)."""
    return access.schools_for(user=user, cap="schools.directory.read")


def schools_managed_by(*, user) -> QuerySet[School]:
    """Schools whose records (classes, staff, facilities) the user may change."""
    return access.schools_for(user=user, cap="schools.records.write")


def user_has_back_office(*, user) -> bool:
    return access.can(user=user, cap="portal.backoffice")


# --- classes and students ----------------------------------------------------------------


def _class_filter(*, user, cap: str) -> Q | None:
    """A Q over SchoolClass for the classes ``cap`` reaches; None means all (the bureau)."""
    return access.reach_q(user=user, cap=cap, grade="grade", head_teacher="head_teacher")


def classes_for(*, user) -> QuerySet[SchoolClass]:
    qs = SchoolClass.objects.select_related("school", "head_teacher")
    scope = _class_filter(user=user, cap="schools.class.read")
    return qs if scope is None else qs.filter(scope)


def classes_managed_by(*, user) -> QuerySet[SchoolClass]:
    return SchoolClass.objects.select_related("school", "head_teacher").filter(
        school__in=schools_managed_by(user=user)
    )


def students_visible_to(*, user) -> QuerySet[Student]:
    """Students whose record the user may read: school-wide roles their school, grade leaders
    their grade, class teachers their own class. Never the bureau (design.md: bureau roles see
    students only as counts; a student's record belongs to their school)."""
    qs = Student.objects.select_related("school", "school_class__school")
    scope = _class_filter(user=user, cap="schools.student.read")
    if scope is None:  # pragma: no cover - the table gives the bureau no student records
        return qs
    return qs.filter(school_class__in=SchoolClass.objects.filter(scope).values("pk"))


def students_listed_for(*, user, archived: bool = False) -> QuerySet[Student]:
    """The student list: students in the user's reach who are 在读. Students who left are
    archived: no longer listed; with ``archived`` the school admins who keep the roll see
    them (to correct a mistake) until the retention period deletes them."""
    if archived:
        return students_managed_by(user=user).filter(is_active=False)
    return students_visible_to(user=user).filter(is_active=True)


def student_schools_managed_by(*, user) -> QuerySet[School]:
    """Schools whose student roll the user changes (edit, add, import): their school admins."""
    return access.schools_for(user=user, cap="schools.student.write")


def students_managed_by(*, user) -> QuerySet[Student]:
    return Student.objects.select_related("school", "school_class__school").filter(
        school__in=student_schools_managed_by(user=user)
    )


# --- staff and facilities -----------------------------------------------------------------


def staff_visible_to(*, user) -> QuerySet[Membership]:
    """Memberships (staff entries) the user may read; others see only their own."""
    qs = Membership.objects.select_related("user", "school")
    q = access.reach_q(user=user, cap="schools.staff.read")
    return qs if q is None else qs.filter(q | Q(user=user))


def staff_managed_by(*, user) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("user", "school")
    return access.scoped(qs, user=user, cap="schools.records.write")


def staff_may_manage(*, user, membership) -> bool:
    """``membership`` is in ``staff_managed_by(user=…)``, answered from the memberships in
    hand (no query): listings ask it once per row."""
    return access.can(user=user, cap="schools.records.write", obj=membership)


def facilities_for(*, user) -> QuerySet[Facility]:
    return Facility.objects.select_related("school").filter(school__in=schools_for(user=user))


def facilities_managed_by(*, user) -> QuerySet[Facility]:
    return Facility.objects.select_related("school").filter(
        school__in=schools_managed_by(user=user)
    )


# --- townships: how the bureau's pages stay small -------------------------------------------

NO_TOWNSHIP = "-"
"""The ``?township=`` value of the schools whose township is not on file."""


@dataclass(frozen=True)
class Township:
    """A township (乡镇/街道) of the schools in a user's scope: its schools when grouped from
    a list in hand (``townships_of``), or only their number (``townships_for``)."""

    name: str  # as on the schools; "" when not on file
    count: int
    schools: tuple = ()

    @property
    def key(self) -> str:
        return self.name or NO_TOWNSHIP

    @property
    def label(self) -> str:
        return self.name or "未填写乡镇"

    @property
    def school_ids(self) -> list[int]:
        return [s.pk for s in self.schools]


def _township_order(name: str, first_code: str):
    return (not name, first_code or "", name)


def townships_of(schools) -> list[Township]:
    """The schools in hand grouped by township (no query), in the order of their first
    school's code; schools without a township last."""
    groups: dict[str, list] = {}
    for school in schools:
        groups.setdefault(school.township or "", []).append(school)
    ordered = sorted(
        groups.items(), key=lambda kv: _township_order(kv[0], min(s.code for s in kv[1]))
    )
    return [Township(name=name, count=len(found), schools=tuple(found)) for name, found in ordered]


def townships_for(*, user, cap: str) -> list[Township]:
    """The townships of the schools ``cap`` reaches for ``user``, with how many schools each
    (one query, without the schools)."""
    rows = (
        access.schools_for(user=user, cap=cap)
        .values("township")
        .annotate(n=Count("pk"), first=Min("code"))
        .order_by()
    )
    found = sorted(rows, key=lambda r: _township_order(r["township"], r["first"]))
    return [Township(name=r["township"], count=r["n"]) for r in found]


def township_chosen(townships: list[Township], key: str | None) -> Township | None:
    """The township a ``?township=`` value names among ``townships`` (None: not one of them)."""
    return next((t for t in townships if key and t.key == key), None)


def township_schools_for(*, user, cap: str, township: str) -> QuerySet[School]:
    """The schools of one township (its ``key``) that ``cap`` reaches for ``user``."""
    name = "" if township == NO_TOWNSHIP else township
    return access.schools_for(user=user, cap=cap).filter(township=name).order_by("code")


# --- bureau views ----------------------------------------------------------------------------


def _with_psych_flag(*, user, on=None) -> QuerySet[School]:
    day = on or timezone.localdate()
    active_psych = Membership.objects.active(day).filter(
        school=OuterRef("pk"), psych_employment__in=PsychEmployment.values
    )
    return schools_for(user=user).annotate(has_psych=Exists(active_psych))


def schools_without_psych_teacher(*, user, on=None) -> QuerySet[School]:
    """中小学 with no active full- or part-time psychology teacher (R-10): the source asks
    it of 每所中小学, so kindergartens are never gaps (``kindergartens_psych_staffing``)."""
    return (
        _with_psych_flag(user=user, on=on)
        .exclude(kind__in=KINDERGARTEN_KINDS)
        .filter(has_psych=False)
    )


def primary_secondary_schools_for(*, user) -> QuerySet[School]:
    """The 中小学 among the schools the user sees (every kind but kindergartens)."""
    return schools_for(user=user).exclude(kind__in=KINDERGARTEN_KINDS)


def kindergartens_psych_staffing(*, user, on=None) -> QuerySet[School]:
    """Kindergartens the user sees, each with ``has_psych``: listed apart, not gaps."""
    return _with_psych_flag(user=user, on=on).filter(kind__in=KINDERGARTEN_KINDS)


def access_log_for(*, user) -> QuerySet[AccessLog]:
    """Access-log lines: the bureau (admins and auditors) reads them all."""
    return access.scoped(
        AccessLog.objects.select_related("user", "school"), user=user, cap="schools.accesslog.read"
    )


def access_log_older_than(*, before) -> QuerySet[AccessLog]:
    """Lines past their retention period (``manage.py retention``)."""
    return AccessLog.objects.filter(at__lt=before)


def students_due_for_deletion(*, left_before) -> QuerySet[Student]:
    """Students archived (no longer 在读) who left before ``left_before``."""
    return Student.objects.filter(is_active=False, left_on__lt=left_before)


def may_export_access_log(*, user) -> bool:
    """Exporting the access log is the auditor's task (design.md: bureau auditor)."""
    return access.can(user=user, cap="schools.accesslog.export")


# Kinds of records the log viewer filters by: label and the object types they cover.
ACCESS_LOG_AREAS = {
    "students": ("学生名册", ("schools.student",)),
    "screening": ("心理测评与档案", ("screening.",)),
    "incidents": ("事件报告", ("duty.",)),
    "accesslog": ("访问日志", ("schools.accesslog", "screening.accesslog")),
}

# Chinese names of the common actions (the log keeps the short English code).
ACCESS_LOG_ACTIONS = {
    "view": "查看",
    "list": "列表",
    "export": "导出",
    "print": "打印",
    "change": "修改",
    "delete": "删除",
    "denied": "拒绝（无后台权限）",
    "view-denied": "查看被拒绝",
    "index-denied": "列表被拒绝",
    "export-denied": "导出被拒绝",
    "export-aggregate": "导出汇总",
    "export-job": "查看导出进度",
    "export-download": "下载导出文件",
    "change-denied": "修改被拒绝",
    "incident-view": "事件中查看学生",
    "incident-export": "事件导出学生",
    "incident-print": "事件打印学生",
    "incident-edit": "事件修改学生",
}


def access_log_action_choices() -> list[tuple[str, str]]:
    """Every action the log holds, with its Chinese name where it has one."""
    codes = AccessLog.objects.order_by("action").values_list("action", flat=True).distinct()[:300]
    choices = []
    for code in codes:
        label = ACCESS_LOG_ACTIONS.get(code)
        choices.append((code, f"{label}（{code}）" if label else code))
    return choices


def access_log_students_named(*, text: str) -> list[int]:
    """Internal ids of students whose name or 学号 is exactly ``text`` (``#123``: the id).

    Students deleted after their retention period are found by ``#id`` only."""
    text = (text or "").strip()
    if not text:
        return []
    if text.startswith("#") and text[1:].isdigit():
        return [int(text[1:])]
    return list(
        Student.objects.filter(Q(name=text) | Q(student_number=text)).values_list("pk", flat=True)
    )


def access_log_by_person(lines: QuerySet[AccessLog], *, text: str) -> QuerySet[AccessLog]:
    text = (text or "").strip()
    if not text:
        return lines
    return lines.filter(Q(user__username__icontains=text) | Q(user__real_name__icontains=text))


def access_log_by_student(lines: QuerySet[AccessLog], *, text: str) -> QuerySet[AccessLog]:
    if not (text or "").strip():
        return lines
    return lines.filter(student_pk__in=access_log_students_named(text=text))


def access_log_by_area(lines: QuerySet[AccessLog], *, area: str) -> QuerySet[AccessLog]:
    if area not in ACCESS_LOG_AREAS:
        return lines
    q = Q(pk__in=[])
    for prefix in ACCESS_LOG_AREAS[area][1]:
        q |= Q(object_type__startswith=prefix) if prefix.endswith(".") else Q(object_type=prefix)
    return lines.filter(q)


# --- back-office predicates ----------------------------------------------------------------
# Whether a user has an action on a kind of record at all (menus, add buttons). Which rows
# they reach is decided by the querysets above.


def may_manage_school_records(*, user) -> bool:
    """Bureau admins and school admins change classes, staff and facilities."""
    return access.can(user=user, cap="schools.records.write")


def may_read_school_records(*, user) -> bool:
    """The school directory entry, facilities and staff list: bureau and school-wide roles."""
    return access.can(user=user, cap="schools.school.read")


def may_read_pupils(*, user) -> bool:
    """Classes: also grade leaders (own grade) and class teachers (own class)."""
    return access.can(user=user, cap="schools.class.read")


def may_read_students(*, user) -> bool:
    """Students' records: the school's own staff in reach (``students_visible_to``), never
    the bureau, which sees students only as counts. Menu entry and pages ask this."""
    return access.can(user=user, cap="schools.student.read")


def may_manage_students(*, user) -> bool:
    """Adding, changing and importing students: school admins, for their own school."""
    return access.can(user=user, cap="schools.student.write")


def schools_readable_by(*, user) -> QuerySet[School]:
    """Schools whose directory entry and facilities the user reads in the back office."""
    return access.schools_for(user=user, cap="schools.school.read")


def schools_writable_by(*, user) -> QuerySet[School]:
    """Schools whose directory entry the user edits (bureau admin; a school admin their own)."""
    return access.schools_for(user=user, cap="schools.school.write")


def may_add_schools(*, user) -> bool:
    return access.can(user=user, cap="schools.school.add")


def facilities_readable_by(*, user) -> QuerySet[Facility]:
    return Facility.objects.select_related("school").filter(
        school__in=schools_readable_by(user=user)
    )


def staff_users_at(*, schools) -> QuerySet:
    """Users with an active membership at any of ``schools`` (e.g. head-teacher choices)."""
    from django.contrib.auth import get_user_model

    active = Membership.objects.active().filter(school__in=schools, user=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(active))
        .order_by("real_name", "username")
    )


def head_teacher_candidates(*, user) -> QuerySet:
    return staff_users_at(schools=schools_managed_by(user=user))

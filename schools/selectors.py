"""The one scoping mechanism: what each user may see of school-owned data.

Implements the role table in design.md. Every listing, admin view, export and count of
school-owned records goes through these functions; no view builds its own scope.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import AccessLog, Facility, Membership, School, SchoolClass, Student
from .vocab import BUREAU_ROLES, SCHOOL_WIDE_ROLES, Role

_CACHE_ATTR = "_xinyu_memberships"
_MEMO_ATTR = "_xinyu_memo"


def memberships_of(*, user) -> list[Membership]:
    """The user's active memberships today, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.active().filter(user=user).select_related("school"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_memo(*, user, key, compute):
    """Remember ``compute()`` about ``user`` for as long as this user object lives.

    ``request.user`` is loaded anew for each request, so this is a per-request memo for
    answers that menus and permission checks ask many times (e.g. "may this user manage any
    roster?"). ``forget_memberships`` drops it together with the memberships.
    """
    memo = getattr(user, _MEMO_ATTR, None)
    if memo is None:
        memo = {}
        setattr(user, _MEMO_ATTR, memo)
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget_memberships(*, user) -> None:
    """Drop what this user object remembers of its roles (after memberships change)."""
    for attr in (_CACHE_ATTR, _MEMO_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def roles_of(*, user, school=None) -> set[str]:
    return {
        m.role
        for m in memberships_of(user=user)
        if school is None or m.school_id == getattr(school, "pk", school)
    }


def is_bureau(*, user) -> bool:
    return bool(roles_of(user=user) & BUREAU_ROLES) or getattr(user, "is_superuser", False)


def is_bureau_admin(*, user) -> bool:
    return Role.BUREAU_ADMIN in roles_of(user=user) or getattr(user, "is_superuser", False)


def school_ids_with(*, user, roles=None) -> set[int]:
    """Schools where the user holds one of ``roles`` (any role when ``None``)."""
    return {
        m.school_id
        for m in memberships_of(user=user)
        if m.school_id and (roles is None or m.role in roles)
    }


# --- schools ---------------------------------------------------------------------------


class SchoolScope(QuerySet):
    """The schools a user reaches, as a queryset that already knows whether it is empty.

    Menus and permission checks ask ``scope.exists()`` several times a request. The answer
    follows from the memberships already in hand (a membership's school exists: the foreign
    key cascades), or, for the bureau's "every school", from one query remembered for the
    request. Only the selector's own queryset answers this way: any ``filter``, ``order_by``,
    ``annotate`` or slice makes a new queryset that asks the database as usual.
    """

    _exists_answer = None

    def exists(self):
        if self._exists_answer is not None and self._result_cache is None:
            return self._exists_answer()
        return super().exists()


def _any_school() -> bool:
    return School.objects.exists()


def school_scope(*, user, roles=None, bureau=is_bureau) -> QuerySet[School]:
    """Every school when ``bureau(user=…)`` holds; otherwise the schools where the user has
    one of ``roles`` (any role when ``None``). The shape of every "schools for …" selector."""
    if bureau(user=user):
        scope = SchoolScope(model=School)
        scope._exists_answer = lambda: user_memo(user=user, key="any-school", compute=_any_school)
        return scope
    ids = school_ids_with(user=user, roles=roles)
    scope = SchoolScope(model=School).filter(pk__in=ids)
    scope._exists_answer = lambda: bool(ids)
    return scope


def schools_for(*, user) -> QuerySet[School]:
    """Schools whose directory entry the user may read."""
    return school_scope(user=user)


def schools_managed_by(*, user) -> QuerySet[School]:
    """Schools whose records (classes, staff, students, facilities) the user may change."""
    return school_scope(user=user, roles={Role.SCHOOL_ADMIN}, bureau=is_bureau_admin)


def user_has_back_office(*, user) -> bool:
    from .vocab import BACK_OFFICE_ROLES

    return getattr(user, "is_superuser", False) or bool(roles_of(user=user) & BACK_OFFICE_ROLES)


# --- classes and students ----------------------------------------------------------------


def _no_one(*, user) -> bool:
    return False


def _class_filter(*, user, bureau_reaches_all: bool = True) -> Q | None:
    """A Q over SchoolClass for the classes the user may see; None means all (the bureau,
    unless ``bureau_reaches_all`` is off: then only the user's own school memberships count)."""
    if bureau_reaches_all and is_bureau(user=user):
        return None
    q = Q(pk__in=[])
    for m in memberships_of(user=user):
        if m.role in SCHOOL_WIDE_ROLES:
            q |= Q(school_id=m.school_id)
        elif m.role == Role.GRADE_LEADER:
            q |= Q(school_id=m.school_id, grade=m.grade)
        elif m.role == Role.CLASS_TEACHER:
            q |= Q(school_id=m.school_id, head_teacher=user)
    return q


def classes_for(*, user) -> QuerySet[SchoolClass]:
    qs = SchoolClass.objects.select_related("school", "head_teacher")
    scope = _class_filter(user=user)
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
    scope = _class_filter(user=user, bureau_reaches_all=False)
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
    return school_scope(user=user, roles={Role.SCHOOL_ADMIN}, bureau=_no_one)


def students_managed_by(*, user) -> QuerySet[Student]:
    return Student.objects.select_related("school", "school_class__school").filter(
        school__in=student_schools_managed_by(user=user)
    )


# --- staff and facilities -----------------------------------------------------------------

STAFF_READER_ROLES = {Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER, Role.PSYCH_TEACHER}


def staff_visible_to(*, user) -> QuerySet[Membership]:
    """Memberships (staff entries) the user may read; others see only their own."""
    qs = Membership.objects.select_related("user", "school")
    if is_bureau(user=user):
        return qs
    school_ids = school_ids_with(user=user, roles=STAFF_READER_ROLES)
    return qs.filter(Q(school_id__in=school_ids) | Q(user=user))


def staff_managed_by(*, user) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("user", "school")
    if is_bureau_admin(user=user):
        return qs
    return qs.filter(school__in=schools_managed_by(user=user))


def staff_may_manage(*, user, membership) -> bool:
    """``membership`` is in ``staff_managed_by(user=…)``, answered from the memberships in
    hand (no query): listings ask it once per row."""
    if is_bureau_admin(user=user):
        return True
    return membership.school_id in school_ids_with(user=user, roles={Role.SCHOOL_ADMIN})


def facilities_for(*, user) -> QuerySet[Facility]:
    return Facility.objects.select_related("school").filter(school__in=schools_for(user=user))


def facilities_managed_by(*, user) -> QuerySet[Facility]:
    return Facility.objects.select_related("school").filter(
        school__in=schools_managed_by(user=user)
    )


# --- bureau views ----------------------------------------------------------------------------


def schools_without_psych_teacher(*, user, on=None) -> QuerySet[School]:
    """Schools with no active full- or part-time psychology teacher (R-10)."""
    day = on or timezone.localdate()
    active_psych = Membership.objects.active(day).filter(
        school=OuterRef("pk"), role=Role.PSYCH_TEACHER
    )
    return schools_for(user=user).annotate(has_psych=Exists(active_psych)).filter(has_psych=False)


def access_log_for(*, user) -> QuerySet[AccessLog]:
    """Access-log lines: the bureau (admins and auditors) reads them all."""
    if is_bureau(user=user):
        return AccessLog.objects.select_related("user", "school")
    return AccessLog.objects.none()


def access_log_older_than(*, before) -> QuerySet[AccessLog]:
    """Lines past their retention period (``manage.py retention``)."""
    return AccessLog.objects.filter(at__lt=before)


def students_due_for_deletion(*, left_before) -> QuerySet[Student]:
    """Students archived (no longer 在读) who left before ``left_before``."""
    return Student.objects.filter(is_active=False, left_on__lt=left_before)


def may_export_access_log(*, user) -> bool:
    """Exporting the access log is the auditor's task (design.md: bureau auditor)."""
    return Role.BUREAU_AUDITOR in roles_of(user=user)


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

PUPIL_READER_ROLES = SCHOOL_WIDE_ROLES | {Role.GRADE_LEADER, Role.CLASS_TEACHER}


def may_manage_school_records(*, user) -> bool:
    """Bureau admins and school admins change classes, staff, students and facilities."""
    return is_bureau_admin(user=user) or Role.SCHOOL_ADMIN in roles_of(user=user)


def may_read_school_records(*, user) -> bool:
    """The school directory entry, facilities and staff list: bureau and school-wide roles."""
    return is_bureau(user=user) or bool(roles_of(user=user) & SCHOOL_WIDE_ROLES)


def may_read_pupils(*, user) -> bool:
    """Classes: also grade leaders (own grade) and class teachers (own class)."""
    return is_bureau(user=user) or bool(roles_of(user=user) & PUPIL_READER_ROLES)


def may_read_students(*, user) -> bool:
    """Students' records: the school's own staff in reach (``students_visible_to``), never
    the bureau, which sees students only as counts. Menu entry and pages ask this."""
    return bool(roles_of(user=user) & PUPIL_READER_ROLES)


def may_manage_students(*, user) -> bool:
    """Adding, changing and importing students: school admins, for their own school."""
    return Role.SCHOOL_ADMIN in roles_of(user=user)


def schools_readable_by(*, user) -> QuerySet[School]:
    """Schools whose directory entry and facilities the user reads in the back office."""
    return school_scope(user=user, roles=SCHOOL_WIDE_ROLES)


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

"""Who may do what: the capability table, and the one place that answers it.

design.md's role table, written down once. Each capability names the roles that hold it and
how far each role reaches (its school, its grade, its own class, what it wrote itself, the
serious cases of its school), what the bureau may do (nothing, read every school, administer
every school, or the auditor's own tasks) and whether members of a temporary counselling
group reach the student of their case.

Menus, views, templates (``{% can %}``), selectors, exports and search ask:

- ``can(user=…, cap=…)`` — does the user hold the capability at all (menus, buttons)?
- ``can(user=…, cap=…, obj=…)`` — may they use it on this object (its school, grade, class)?
- ``school_ids_for(user=…, cap=…)`` — the schools where a membership grants it;
- ``schools_for(user=…, cap=…)`` — the schools it reaches, every school for the bureau;
- ``scoped(qs, user=…, cap=…)`` — a queryset limited to what the capability reaches.

App selectors keep their domain filters (a leader reads only 重点/危机 warnings, a concern's
author reads it only while they teach the class); which roles hold what lives only here.

Superusers are treated as a bureau administrator, everywhere: they hold what the bureau
admin holds and nothing the bureau may not see (students' records are the schools').
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from .models import Membership, School
from .vocab import BUREAU_ROLES, STAFF_ROLES, Role

# --- the user's memberships, remembered for the request -------------------------------------

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
    answers that menus and permission checks ask many times. ``forget_memberships`` drops it
    together with the memberships.
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


# --- the vocabulary of the table -------------------------------------------------------------


class Reach(enum.StrEnum):
    """How far a role's grant of a capability reaches within its school."""

    SCHOOL = "school"  # every record of the school
    GRADE = "grade"  # the grade the grade leader leads
    CLASS = "class"  # the classes the class teacher heads
    OWN = "own"  # what the user wrote or is the subject of
    SERIOUS = "serious"  # the school's students with an open 重点/危机 warning


class Bureau(enum.StrEnum):
    """What the bureau's roles may do with a capability."""

    NONE = "none"  # nothing (e.g. students' records: counts only, elsewhere)
    READ = "read"  # bureau admin and auditor, every school
    ADMIN = "admin"  # bureau admin only, every school
    AUDIT = "audit"  # the bureau auditor only (the access log's export)


# Which bureau levels each bureau role (and a superuser) satisfies.
_BUREAU_LEVELS = {
    Role.BUREAU_ADMIN: {Bureau.READ, Bureau.ADMIN},
    Role.BUREAU_AUDITOR: {Bureau.READ, Bureau.AUDIT},
}
_SUPERUSER_LEVELS = _BUREAU_LEVELS[Role.BUREAU_ADMIN]

assert set(_BUREAU_LEVELS) == BUREAU_ROLES


@dataclass(frozen=True)
class Capability:
    name: str
    label: str
    roles: Mapping[str, Reach] = field(default_factory=dict)
    bureau: Bureau = Bureau.NONE
    group: bool = False  # counselling-group members reach the student of their case

    def reach_of(self, role: str) -> Reach | None:
        return self.roles.get(role)


def _at(reach: Reach, *roles: str) -> dict[str, Reach]:
    return {role: reach for role in roles}


SA, SL, GL, PT, CT, T = (
    Role.SCHOOL_ADMIN,
    Role.SCHOOL_LEADER,
    Role.GRADE_LEADER,
    Role.PSYCH_TEACHER,
    Role.CLASS_TEACHER,
    Role.TEACHER,
)
_EVERY_STAFF = STAFF_ROLES
_SCHOOL_WIDE = (SA, SL, PT)
_PUPIL_READERS = {**_at(Reach.SCHOOL, *_SCHOOL_WIDE), GL: Reach.GRADE, CT: Reach.CLASS}


def _cap(name, label, roles=None, *, bureau=Bureau.NONE, group=False) -> Capability:
    return Capability(name=name, label=label, roles=dict(roles or {}), bureau=bureau, group=group)


_TABLE = [
    # --- the back office and the learner area ---
    _cap(
        "portal.backoffice",
        "进入管理后台",
        _at(Reach.SCHOOL, *(set(_EVERY_STAFF) - {T})),
        bureau=Bureau.READ,
        group=True,
    ),
    _cap("portal.content.edit_all", "编辑全站内容", bureau=Bureau.ADMIN),
    _cap(
        "portal.content.edit_school", "编辑本校栏目", _at(Reach.SCHOOL, SA, SL), bureau=Bureau.ADMIN
    ),
    _cap("resources.private.read", "读取学校内部文件", bureau=Bureau.READ),
    # --- school records ---
    _cap(
        "schools.school.read", "查看学校信息", _at(Reach.SCHOOL, *_SCHOOL_WIDE), bureau=Bureau.READ
    ),
    _cap("schools.school.write", "修改学校信息", _at(Reach.SCHOOL, SA), bureau=Bureau.ADMIN),
    _cap("schools.school.add", "新增或删除学校", bureau=Bureau.ADMIN),
    _cap(
        "schools.directory.read", "学校名录", _at(Reach.SCHOOL, *_EVERY_STAFF), bureau=Bureau.READ
    ),
    _cap(
        "schools.records.write",
        "维护班级、教职工与场地",
        _at(Reach.SCHOOL, SA),
        bureau=Bureau.ADMIN,
    ),
    _cap("schools.staff.read", "查看教职工", _at(Reach.SCHOOL, *_SCHOOL_WIDE), bureau=Bureau.READ),
    _cap("schools.staff.bureau_roles", "授予市局角色", bureau=Bureau.ADMIN),
    _cap("schools.class.read", "查看班级", _PUPIL_READERS, bureau=Bureau.READ),
    _cap("schools.student.read", "查看学生名册", _PUPIL_READERS),
    _cap("schools.student.write", "维护学生名册（含导入）", _at(Reach.SCHOOL, SA)),
    _cap("schools.psychgap.read", "心理教师配备缺口", bureau=Bureau.READ),
    _cap("schools.accesslog.read", "查看访问日志", bureau=Bureau.READ),
    _cap("schools.accesslog.export", "导出访问日志", bureau=Bureau.AUDIT),
    # --- screening (R-13 … R-18) ---
    _cap(
        "screening.access",
        "心理测评菜单",
        _at(Reach.SCHOOL, SA, SL, GL, PT, CT),
        bureau=Bureau.READ,
        group=True,
    ),
    _cap(
        "screening.instrument.read",
        "查看测评量表",
        _at(Reach.SCHOOL, *_SCHOOL_WIDE),
        bureau=Bureau.READ,
    ),
    _cap("screening.instrument.write", "修改测评量表", _at(Reach.SCHOOL, PT), bureau=Bureau.ADMIN),
    _cap("screening.instrument.define", "新建本校量表", _at(Reach.SCHOOL, PT)),
    _cap("screening.round.read", "查看筛查批次", _at(Reach.SCHOOL, *_SCHOOL_WIDE)),
    _cap("screening.round.write", "管理筛查批次与知情同意", _at(Reach.SCHOOL, PT)),
    _cap(
        "screening.result.read",
        "查看测评结果与档案",
        {PT: Reach.SCHOOL, SL: Reach.SERIOUS},
        group=True,
    ),
    _cap("screening.result.write", "录入测评结果", _at(Reach.SCHOOL, PT)),
    _cap("screening.case.write", "记录个案档案", _at(Reach.SCHOOL, PT), group=True),
    _cap("screening.case.group", "组建个案辅导小组", _at(Reach.SCHOOL, PT)),
    _cap(
        "screening.warning.read",
        "查看预警",
        {PT: Reach.SCHOOL, SL: Reach.SERIOUS, GL: Reach.GRADE, CT: Reach.OWN},
        group=True,
    ),
    _cap(
        "screening.warning.read_full",
        "查看预警跟进记录",
        {PT: Reach.SCHOOL, SL: Reach.SERIOUS, GL: Reach.GRADE},
        group=True,
    ),
    _cap("screening.warning.notified", "收到危机预警通知", _at(Reach.SCHOOL, PT, SL)),
    # Working a warning (owner, due time, notes, status): the psychology teacher at the
    # school, leaders the 重点/危机 cases they see, the grade leader their grade's.
    _cap(
        "screening.warning.write",
        "处置预警",
        {PT: Reach.SCHOOL, SL: Reach.SERIOUS, GL: Reach.GRADE},
        group=True,
    ),
    _cap("screening.warning.signoff", "危机预警签字结案", {SL: Reach.SERIOUS}),
    # Told that a student of theirs needs follow-up (no level, no score).
    _cap(
        "screening.followup.notified",
        "收到学生需关注跟进的提醒",
        {CT: Reach.CLASS, GL: Reach.GRADE},
    ),
    _cap(
        "screening.concern.raise",
        "提出关注",
        {**_at(Reach.SCHOOL, SL, PT), GL: Reach.GRADE, CT: Reach.CLASS},
    ),
    _cap("screening.flags.read", "本班关注提示", _at(Reach.CLASS, CT)),
    # 关注类别名单 (留守儿童 etc. with the last home visit): the people who visit the homes.
    _cap(
        "screening.attention.read",
        "关注类别名单",
        {PT: Reach.SCHOOL, GL: Reach.GRADE, CT: Reach.CLASS},
    ),
    _cap(
        "screening.figures.read", "测评统计", _at(Reach.SCHOOL, *_SCHOOL_WIDE), bureau=Bureau.READ
    ),
    _cap("screening.figures.export", "导出全市测评统计", bureau=Bureau.READ),
    _cap("screening.accesslog.read", "查看测评访问日志", _at(Reach.SCHOOL, SL), bureau=Bureau.READ),
    # --- duty and incidents (R-19 … R-22) ---
    _cap("duty.roster.read", "查看值班表", _at(Reach.SCHOOL, *_EVERY_STAFF), bureau=Bureau.READ),
    _cap("duty.phonelist.read", "全市今日值班电话", bureau=Bureau.READ),
    _cap("duty.roster.write", "排班", _at(Reach.SCHOOL, SA, SL), bureau=Bureau.ADMIN),
    # Who may be put on duty: 领导带班 is a school leader's; 中层干部值班 a middle-level
    # cadre's — the school admin (办公室) and the grade leader (年级组长) are the middle-level
    # posts of the role vocabulary.
    _cap("duty.lead.eligible", "可担任带班领导", _at(Reach.SCHOOL, SL)),
    _cap("duty.cadre.eligible", "可担任值班干部（中层干部）", _at(Reach.SCHOOL, SA, GL)),
    _cap("duty.incident.report", "报告事件", _at(Reach.SCHOOL, *_EVERY_STAFF), bureau=Bureau.ADMIN),
    _cap(
        "duty.incident.read",
        "查看事件",
        {**_at(Reach.SCHOOL, *_SCHOOL_WIDE), **_at(Reach.OWN, GL, CT, T)},
        bureau=Bureau.READ,
    ),
    _cap("duty.incident.handle", "处置事件", _at(Reach.SCHOOL, SA, SL), bureau=Bureau.ADMIN),
    _cap(
        "duty.incident.student_names",
        "查看事件涉及学生姓名",
        _at(Reach.SCHOOL, *_SCHOOL_WIDE),
        bureau=Bureau.ADMIN,
    ),
    _cap("duty.incident.export", "导出事件", _at(Reach.SCHOOL, *_SCHOOL_WIDE), bureau=Bureau.READ),
    _cap("duty.safety.read", "查看安全检查", _at(Reach.SCHOOL, *_SCHOOL_WIDE), bureau=Bureau.READ),
    _cap("duty.safety.write", "登记安全检查", _at(Reach.SCHOOL, SA, SL), bureau=Bureau.ADMIN),
    _cap("duty.notice.receive", "接收事件通知", _at(Reach.SCHOOL, SA, SL), bureau=Bureau.ADMIN),
    # --- oversight (R-23 … R-25) ---
    _cap("oversight.campaign.manage", "发起与管理报送任务", bureau=Bureau.ADMIN),
    _cap("oversight.oversee", "全市督导", bureau=Bureau.READ),
    _cap(
        "oversight.report.edit",
        "填写学校报送",
        _at(Reach.SCHOOL, *_SCHOOL_WIDE),
        bureau=Bureau.READ,
    ),
    _cap("oversight.report.submit", "提交学校报送", _at(Reach.SCHOOL, SA, SL)),
    _cap("oversight.reminder.receive", "接收报送提醒", _at(Reach.SCHOOL, SA, SL)),
    _cap("oversight.dashboard.read", "工作看板", _at(Reach.SCHOOL, SA, SL), bureau=Bureau.READ),
    # --- courses: training hours and lessons taught (R-7 … R-12) ---
    _cap("courses.hours.earn", "参加培训、获得学时", _at(Reach.OWN, *_EVERY_STAFF)),
    _cap(
        "courses.session.read", "查看培训场次", _at(Reach.SCHOOL, *_EVERY_STAFF), bureau=Bureau.READ
    ),
    _cap("courses.session.write", "管理培训场次与考勤", _at(Reach.SCHOOL, SA), bureau=Bureau.ADMIN),
    _cap("courses.target.write", "设定学时目标", bureau=Bureau.ADMIN),
    _cap("courses.external.review", "审核校外培训", _at(Reach.SCHOOL, SA), bureau=Bureau.ADMIN),
    _cap(
        "courses.ledger.read", "查看学时台账与报表", _at(Reach.SCHOOL, SA, SL), bureau=Bureau.READ
    ),
    _cap("courses.ledger.city", "全市学时报表", bureau=Bureau.READ),
    _cap("courses.ledger.reverse", "冲销学时", _at(Reach.SCHOOL, SA), bureau=Bureau.ADMIN),
    _cap(
        "courses.lesson.record",
        "登记授课",
        {**_at(Reach.SCHOOL, *_SCHOOL_WIDE), **_at(Reach.OWN, GL, CT, T)},
    ),
    _cap(
        "courses.lesson.coverage",
        "班级课程覆盖",
        _at(Reach.SCHOOL, *_SCHOOL_WIDE),
        bureau=Bureau.READ,
    ),
    _cap("courses.lesson.rule", "设定心理健康课开课频次（本局规定）", bureau=Bureau.ADMIN),
    _cap(
        "courses.lesson.read",
        "查看授课记录与覆盖",
        {**_at(Reach.SCHOOL, *_SCHOOL_WIDE), **_at(Reach.OWN, GL, CT, T)},
        bureau=Bureau.READ,
    ),
]

CAPABILITIES: dict[str, Capability] = {c.name: c for c in _TABLE}
if len(CAPABILITIES) != len(_TABLE):  # pragma: no cover - a typo in the table above
    raise ImproperlyConfigured("a capability is listed twice")


def capability(name: str) -> Capability:
    try:
        return CAPABILITIES[name]
    except KeyError:
        raise ImproperlyConfigured(f"unknown capability {name!r}") from None


def roles_holding(cap: str, *, reach: Reach | None = None) -> set[str]:
    """School roles whose membership grants ``cap`` (e.g. to pick recipients by role)."""
    c = capability(cap)
    return {role for role, r in c.roles.items() if reach is None or r == reach}


def bureau_roles_holding(cap: str) -> set[str]:
    """Bureau roles whose grant covers ``cap`` (e.g. who at the bureau is told of an incident)."""
    level = capability(cap).bureau
    return {role for role, levels in _BUREAU_LEVELS.items() if level in levels}


# --- counselling groups (registered by screening: schools imports no feature app) ---------

_group_students: list[Callable] = []


def register_group_reach(students: Callable) -> None:
    """``students(user=…)`` → a queryset of student ids whose counselling group holds the user."""
    if students not in _group_students:
        _group_students.append(students)


def group_student_ids(*, user):
    """Student ids the user reaches as a counselling-group member (a subquery), or None."""
    if not _group_students or not getattr(user, "is_authenticated", False):
        return None
    return _group_students[0](user=user)


def _in_any_group(*, user) -> bool:
    ids = group_student_ids(user=user)
    if ids is None:
        return False
    return user_memo(user=user, key="in-case-group", compute=lambda: ids.exists())


# --- the answers ---------------------------------------------------------------------------


def bureau_covers(*, user, cap: str) -> bool:
    """The bureau's grant: every school (a superuser counts as a bureau admin)."""
    c = capability(cap)
    if c.bureau == Bureau.NONE or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False) and c.bureau in _SUPERUSER_LEVELS:
        return True
    return any(c.bureau in _BUREAU_LEVELS.get(m.role, ()) for m in memberships_of(user=user))


def grants(*, user, cap: str) -> list[tuple[Membership, Reach]]:
    """The user's memberships that grant ``cap``, each with its reach."""
    c = capability(cap)
    found = []
    for m in memberships_of(user=user):
        reach = c.roles.get(m.role)
        if reach is not None and m.school_id:
            found.append((m, reach))
    return found


def school_ids_for(*, user, cap: str, reach: Reach | set | None = None) -> set[int]:
    """Schools where one of the user's memberships grants ``cap`` (only with ``reach``
    when given). The bureau's grant is not counted here: see ``schools_for``/``scoped``."""
    wanted = {reach} if isinstance(reach, Reach) else reach
    return {m.school_id for m, r in grants(user=user, cap=cap) if wanted is None or r in wanted}


def can(*, user, cap: str, obj=None) -> bool:
    """Whether ``user`` holds ``cap`` at all, or (with ``obj``) on that object.

    An object answers with its school (``obj.school_id``, or the school itself), and, for
    grade and class reach, with its grade and class where it has them. ``SERIOUS`` and
    counselling-group reach depend on the records of a case: ask the app's selector.
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return False
    c = capability(cap)
    if obj is None:
        return user_memo(
            user=user,
            key=f"can:{cap}",
            compute=lambda: bureau_covers(user=user, cap=cap)
            or bool(grants(user=user, cap=cap))
            or (c.group and _in_any_group(user=user)),
        )
    if bureau_covers(user=user, cap=cap):
        return True
    school_id = obj.pk if isinstance(obj, School) else getattr(obj, "school_id", None)
    for m, reach in grants(user=user, cap=cap):
        if m.school_id != school_id:
            continue
        if reach == Reach.SCHOOL:
            return True
        if reach == Reach.GRADE and _grade_of(obj) == m.grade:
            return True
        if reach == Reach.CLASS and _head_teacher_of(obj) == user.pk:
            return True
        if reach == Reach.OWN and user.pk in _authors_of(obj):
            return True
    return False


def _class_of(obj):
    from .models import SchoolClass

    if isinstance(obj, SchoolClass):
        return obj
    return getattr(obj, "school_class", None)


def _grade_of(obj):
    if getattr(obj, "grade", None):
        return obj.grade
    klass = _class_of(obj)
    return getattr(klass, "grade", None)


def _head_teacher_of(obj):
    klass = _class_of(obj)
    return getattr(klass, "head_teacher_id", None)


_AUTHOR_FIELDS = ("user_id", "teacher_id", "raised_by_id", "reported_by_id", "recorded_by_id")


def _authors_of(obj) -> set[int]:
    return {getattr(obj, f) for f in _AUTHOR_FIELDS if getattr(obj, f, None)}


class SchoolScope(QuerySet):
    """The schools a capability reaches, as a queryset that already knows whether it is empty.

    Menus and permission checks ask ``scope.exists()`` several times a request. The answer
    follows from the memberships already in hand, or, for the bureau's "every school", from
    one query remembered for the request. Only the selector's own queryset answers this way:
    any ``filter``, ``order_by``, ``annotate`` or slice asks the database as usual.
    """

    _exists_answer = None

    def exists(self):
        if self._exists_answer is not None and self._result_cache is None:
            return self._exists_answer()
        return super().exists()


def _any_school() -> bool:
    return School.objects.exists()


def schools_for(*, user, cap: str, reach: Reach | set | None = None) -> QuerySet[School]:
    """Every school when the bureau's grant covers ``cap``; otherwise the schools where a
    membership grants it (with ``reach`` when given)."""
    if bureau_covers(user=user, cap=cap):
        scope = SchoolScope(model=School)
        scope._exists_answer = lambda: user_memo(user=user, key="any-school", compute=_any_school)
        return scope
    ids = school_ids_for(user=user, cap=cap, reach=reach)
    scope = SchoolScope(model=School).filter(pk__in=ids)
    scope._exists_answer = lambda: bool(ids)
    return scope


def reach_q(
    *,
    user,
    cap: str,
    school: str = "school",
    grade: str | None = None,
    head_teacher: str | None = None,
    own: tuple[str, ...] = (),
    student: str | None = None,
) -> Q | None:
    """A Q for the rows ``cap`` reaches; ``None`` means every row (the bureau's grant).

    Field paths name the model's school (``school``), grade, class head teacher, the fields
    that make a row the user's own, and the student (for counselling-group reach). A reach the
    model has no path for grants nothing; ``SERIOUS`` is the app's to add.
    """
    if bureau_covers(user=user, cap=cap):
        return None
    q = Q(pk__in=[])
    for m, reach in grants(user=user, cap=cap):
        at = Q(**{f"{school}_id": m.school_id})
        if reach == Reach.SCHOOL:
            q |= at
        elif reach == Reach.GRADE and grade:
            q |= at & Q(**{grade: m.grade})
        elif reach == Reach.CLASS and head_teacher:
            q |= at & Q(**{head_teacher: user})
        elif reach == Reach.OWN:
            for path in own:
                q |= at & Q(**{path: user})
    if capability(cap).group and student:
        ids = group_student_ids(user=user)
        if ids is not None:
            q |= Q(**{f"{student}_id__in": ids})
    return q


def scoped(qs: QuerySet, *, user, cap: str, **paths) -> QuerySet:
    """``qs`` limited to the rows ``cap`` reaches for ``user`` (paths as in ``reach_q``)."""
    q = reach_q(user=user, cap=cap, **paths)
    return qs if q is None else qs.filter(q)


# --- the bureau, as design.md's columns name it ------------------------------------------


def is_bureau(*, user) -> bool:
    """Bureau admin, auditor or superuser: reads every school (``Bureau.READ``)."""
    if getattr(user, "is_superuser", False):
        return True
    return any(m.role in BUREAU_ROLES for m in memberships_of(user=user))


def is_bureau_admin(*, user) -> bool:
    """Bureau admin or superuser: administers every school (``Bureau.ADMIN``)."""
    if getattr(user, "is_superuser", False):
        return True
    return any(Bureau.ADMIN in _BUREAU_LEVELS.get(m.role, ()) for m in memberships_of(user=user))

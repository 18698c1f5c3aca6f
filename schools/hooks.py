"""What feature apps add to a change of someone's roles, without ``schools`` importing them.

``schools`` is the ground floor: it imports no feature app. Where aligning a user's back-office
groups with their memberships (``schools.services.membership_sync_groups``, run after every
membership change, a staff import and a counselling-group change) needs another app's
knowledge, that app registers a plain function here from its ``AppConfig.ready`` and
``schools`` calls every registered function at the point where it used to call the app
directly:

``register_membership_sync(fn)`` — ``fn(*, user) -> None``
    Align the app's own groups and permissions with the user's current roles. (Resources:
    the document group of each school the user administers or leads.) Called after the
    user's back-office groups are aligned, in registration order, synchronously in the
    caller's transaction: an error propagates and the whole change rolls back, as the direct
    call did.

``register_school_role_groups(fn)`` — ``fn(*, school, roles) -> {role: [Group, …]}``
    The groups (besides the back office's) that a role at a school puts a *new* account in,
    created if need be. A staff import asks this before its transaction, so it can put new
    accounts straight into their groups in bulk instead of syncing them one by one.
    (Resources: the school's document group for its admins and leaders.)

``register_students_enrolled(fn)`` — ``fn(*, students, by=None) -> None``
    What an app keeps for every student from the day they are enrolled (screening: the
    student's archive, 一生一策 covers every student). Called by
    ``schools.services.students_enrolled`` after students are created — one added in the back
    office, an import, the demo — inside the creating transaction, with the saved students.

``register_student_links(fn)`` — ``fn(*, user, students) -> {student_id: [(label, url), …]}``
    Links an app offers beside students in the back office's student list and record
    (screening: 心理档案, only for the students whose archive the user may open). Asked once
    per page for all the students it shows.

(A plain teacher in a student's counselling group opens the back office through the
capability table: screening registers the group's reach with
``schools.access.register_group_reach``.)

Why a registry and not Django signals: one of the hooks must answer, and the house rule
keeps business logic out of signals; a registry of named, keyword-only functions is called
in a known order, is easy to find from either side, and is what ``oversight.figures`` already
does for report figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_MEMBERSHIP_SYNCS: list[Callable[..., None]] = []
_SCHOOL_ROLE_GROUPS: list[Callable[..., dict]] = []
_STUDENTS_ENROLLED: list[Callable[..., None]] = []
_STUDENT_LINKS: list[Callable[..., dict]] = []


def _register(registry: list, fn: Callable) -> Callable:
    if fn not in registry:  # AppConfig.ready may run twice (e.g. in some test runners)
        registry.append(fn)
    return fn


def register_membership_sync(fn: Callable[..., None]) -> Callable[..., None]:
    return _register(_MEMBERSHIP_SYNCS, fn)


def register_school_role_groups(fn: Callable[..., dict]) -> Callable[..., dict]:
    return _register(_SCHOOL_ROLE_GROUPS, fn)


def register_students_enrolled(fn: Callable[..., None]) -> Callable[..., None]:
    return _register(_STUDENTS_ENROLLED, fn)


def register_student_links(fn: Callable[..., dict]) -> Callable[..., dict]:
    return _register(_STUDENT_LINKS, fn)


def students_enrolled_run(*, students, by=None) -> None:
    """Let every app keep what it keeps for newly enrolled students."""
    students = [s for s in students if s.pk]
    if not students:
        return
    for enrolled in _STUDENTS_ENROLLED:
        enrolled(students=students, by=by)


def student_links(*, user, students) -> dict[int, list[tuple[str, str]]]:
    """``{student_id: [(label, url), …]}``: what every app links to beside these students."""
    students = list(students)
    links: dict[int, list[tuple[str, str]]] = {}
    if not students:
        return links
    for provider in _STUDENT_LINKS:
        for student_id, found in (provider(user=user, students=students) or {}).items():
            links.setdefault(student_id, []).extend(found)
    return links


def membership_sync_run(*, user) -> None:
    """Let every app align its own groups with the user's roles."""
    for sync in _MEMBERSHIP_SYNCS:
        sync(user=user)


def school_role_groups(*, school, roles: Iterable[str]) -> dict[str, list]:
    """``{role: [group, …]}``: the groups every app puts a new account with that role at
    ``school`` in (created if need be)."""
    roles = set(roles)
    groups: dict[str, list] = {}
    for provider in _SCHOOL_ROLE_GROUPS:
        for role, found in provider(school=school, roles=roles).items():
            groups.setdefault(role, []).extend(found)
    return groups

"""Permission policies for the schools back office: design.md's role table, via the selectors.

| record            | read                                               | change                  |
| ----------------- | -------------------------------------------------- | ----------------------- |
| school            | bureau; school admin / leader / psych teacher (own) | bureau admin; school admin edits own (no add/delete) |
| facility, staff   | bureau; school admin / leader / psych teacher (own) | bureau admin; school admin (own school) |
| class             | as above, plus grade leader (own grade) and class teacher (own class) | bureau admin; school admin (own school) |
| student           | school staff as for classes; never the bureau (counts only)        | school admin (own school) |
| access log        | bureau admin and auditor                            | nobody                  |

Registered in ``schools/wagtail_hooks.py``.
"""

from . import access, selectors
from .models import AccessLog, Facility, Membership, School, SchoolClass, Student
from .viewsets import ScopedPermissionPolicy


def _nothing(model):
    return lambda *, user: model.objects.none()


def _never(*, user):
    return False


school_policy = ScopedPermissionPolicy(
    School,
    read=selectors.schools_readable_by,
    write=selectors.schools_writable_by,
    may_read=selectors.may_read_school_records,
    may_write=lambda *, user: access.can(user=user, cap="schools.school.write"),
    may_add=selectors.may_add_schools,
    may_delete=selectors.may_add_schools,
)

facility_policy = ScopedPermissionPolicy(
    Facility,
    read=selectors.facilities_readable_by,
    write=selectors.facilities_managed_by,
    may_read=selectors.may_read_school_records,
    may_write=selectors.may_manage_school_records,
)

class_policy = ScopedPermissionPolicy(
    SchoolClass,
    read=selectors.classes_for,
    write=selectors.classes_managed_by,
    may_read=selectors.may_read_pupils,
    may_write=selectors.may_manage_school_records,
)

staff_policy = ScopedPermissionPolicy(
    Membership,
    read=selectors.staff_visible_to,
    write=selectors.staff_managed_by,
    may_read=selectors.may_read_school_records,
    may_write=selectors.may_manage_school_records,
)

student_policy = ScopedPermissionPolicy(
    Student,
    read=selectors.students_visible_to,
    write=selectors.students_managed_by,
    may_read=selectors.may_read_students,
    may_write=selectors.may_manage_students,
)

access_log_policy = ScopedPermissionPolicy(
    AccessLog,
    read=selectors.access_log_for,
    write=_nothing(AccessLog),
    may_read=lambda *, user: access.can(user=user, cap="schools.accesslog.read"),
    may_write=_never,
)

POLICIES = {
    School: school_policy,
    Facility: facility_policy,
    SchoolClass: class_policy,
    Membership: staff_policy,
    Student: student_policy,
    AccessLog: access_log_policy,
}

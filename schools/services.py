"""Writes for schools and staff (the access log's writer is ``schools.audit``)."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from . import access, hooks
from .audit import access_log_record
from .models import Membership, School
from .selectors import (
    forget_memberships,
    memberships_of,
    schools_managed_by,
    staff_may_manage,
)
from .vocab import BUREAU_ROLES, GRADE_ROLES, PSYCH_ROLES

# Wagtail permissions are group-based; a user's groups follow their active roles.
GROUP_BUREAU_EDITORS = "市局内容编辑"
GROUP_BACK_OFFICE = "后台用户"

_BUREAU_PAGE_PERMS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
_COLLECTION_PERMS = [
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
]


def _perm(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def role_groups_ensure() -> dict[str, Group]:
    """Create (idempotently) the Wagtail groups that roles map to."""
    back_office, _ = Group.objects.get_or_create(name=GROUP_BACK_OFFICE)
    back_office.permissions.add(_perm("wagtailadmin", "access_admin"))

    editors, created = Group.objects.get_or_create(name=GROUP_BUREAU_EDITORS)
    if created or not editors.permissions.exists():
        editors.permissions.add(
            _perm("wagtailadmin", "access_admin"),
            _perm("portal", "change_portalsettings"),
            _perm("wagtailsearchpromotions", "add_query"),
            _perm("wagtailsearchpromotions", "change_query"),
            _perm("wagtailsearchpromotions", "delete_query"),
        )
        root = Page.get_first_root_node()
        for codename in _BUREAU_PAGE_PERMS:
            GroupPagePermission.objects.get_or_create(
                group=editors, page=root, permission=_perm("wagtailcore", codename)
            )
        collection = Collection.get_first_root_node()
        for app_label, codename in _COLLECTION_PERMS:
            GroupCollectionPermission.objects.get_or_create(
                group=editors, collection=collection, permission=_perm(app_label, codename)
            )
    return {GROUP_BACK_OFFICE: back_office, GROUP_BUREAU_EDITORS: editors}


def membership_sync_groups(*, user) -> None:
    """Put the user in the groups their active roles call for, and out of the others; the
    apps registered in ``schools.hooks`` add their reasons and their own groups."""
    groups = role_groups_ensure()
    forget_memberships(user=user)
    roles = {m.role for m in memberships_of(user=user)}
    wanted = set()
    # A plain teacher added to a student's temporary counselling group opens the back
    # office while a member (the capability's counselling-group reach, which screening
    # registers); screening's selectors limit them to that one case.
    if access.can(user=user, cap="portal.backoffice"):
        wanted.add(groups[GROUP_BACK_OFFICE])
    if roles & access.bureau_roles_holding("portal.content.edit_all"):
        wanted.add(groups[GROUP_BUREAU_EDITORS])
    managed = set(groups.values())
    current = set(user.groups.filter(pk__in=[g.pk for g in managed]))
    for group in managed:
        if group in wanted and group not in current:
            user.groups.add(group)
        elif group not in wanted and group in current:
            user.groups.remove(group)
    # Other apps align their own groups (resources: school admins and leaders manage their
    # school's own documents, work plans and systems).
    hooks.membership_sync_run(user=user)
    # Django caches permissions on the user object.
    for attr in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def membership_save(*, membership: Membership) -> Membership:
    """Validate and save a membership, then align the user's groups."""
    membership.full_clean()
    with transaction.atomic():
        membership.save()
        membership_sync_groups(user=membership.user)
    return membership


def students_enrolled(*, students, by=None) -> None:
    """Newly created students: every app keeps what it keeps from enrolment on
    (``schools.hooks.register_students_enrolled``). Call inside the creating transaction."""
    hooks.students_enrolled_run(students=students, by=by)


def students_delete(*, student_ids) -> int:
    """Delete students whose other records are already gone (the caller holds the
    transaction), with the back office's history entries that carry their names (Wagtail's
    ModelLogEntry labels a student by name and 学号). Their access-log lines stay: they hold
    ids only and follow the log's own retention."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    from .models import Student

    ids = [str(pk) for pk in student_ids]
    ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Student), object_id__in=ids
    ).delete()
    _total, per_model = Student.objects.filter(pk__in=student_ids).delete()
    return per_model.get(Student._meta.label, 0)


# --- staff -------------------------------------------------------------------------------------


def staff_role_check(*, by, school, role: str) -> None:
    """May ``by`` give someone ``role`` at ``school``? Raises a Chinese ValidationError if not.

    Bureau roles are granted only by bureau admins (and belong to no school); everyone else
    only adds school roles at a school they manage.
    """
    if role in BUREAU_ROLES:
        if not access.can(user=by, cap="schools.staff.bureau_roles"):
            raise ValidationError({"role": "只有市局管理员可以设置市局角色。"})
        if school is not None:
            raise ValidationError({"school": "市局角色不属于任何学校，请清空“学校”。"})
        return
    if school is None:
        raise ValidationError({"school": "学校角色必须选择学校。"})
    if not schools_managed_by(user=by).filter(pk=school.pk).exists():
        raise ValidationError({"school": "您不能管理这所学校的教职工。"})


def _initial_password() -> str:
    return secrets.token_urlsafe(9)


@transaction.atomic
def staff_member_add(
    *,
    by,
    school,
    username: str,
    real_name: str,
    phone: str = "",
    email: str = "",
    role: str,
    grade: int | None = None,
    psych_employment: str = "",
    active_from=None,
    active_to=None,
) -> tuple[Membership, str | None]:
    """Give a (new or existing) user a role at a school.

    Creates the user when the username is new, with a generated initial password that is
    returned once (and never stored in clear). Returns ``(membership, password_or_None)``.
    """
    staff_role_check(by=by, school=school, role=role)
    User = get_user_model()
    username = username.strip()
    user = User.objects.filter(username=username).first()
    password = None
    if user is None:
        user = User(
            username=username,
            real_name=real_name.strip(),
            phone=phone.strip(),
            email=email.strip(),
        )
        password = _initial_password()
        user.set_password(password)
        # Field errors keep their names (username, real_name, phone) for the form.
        user.full_clean(exclude=["password"])
        user.save()
    else:
        changed = []
        if real_name.strip() and not user.real_name:
            user.real_name = real_name.strip()
            changed.append("real_name")
        if phone.strip() and not user.phone:
            user.phone = phone.strip()
            changed.append("phone")
        if email.strip() and not user.email:
            user.email = email.strip()
            changed.append("email")
        if changed:
            user.save(update_fields=changed)
    duplicate = Membership.objects.active().filter(user=user, school=school, role=role)
    if duplicate.exists():
        raise ValidationError({"role": f"用户“{username}”在该校已有此角色。"})
    membership = Membership(
        user=user,
        school=school,
        role=role,
        grade=grade if role in GRADE_ROLES else None,
        psych_employment=psych_employment if role in PSYCH_ROLES else "",
        active_to=active_to,
    )
    if active_from:
        membership.active_from = active_from
    membership_save(membership=membership)
    return membership, password


def staff_contact_set(*, by, user, phone: str | None = None, email: str | None = None):
    """Set a staff member's mobile and/or e-mail on their staff record (the user): the one
    number duty lists, reminders and notifications use. ``by`` must keep the staff records
    of a school where the user works (``schools.records.write``)."""
    from . import access

    schools = Membership.objects.active().filter(user=user).values_list("school_id", flat=True)
    if not any(
        access.can(user=by, cap="schools.records.write", obj=School(pk=pk))
        for pk in set(schools)
        if pk
    ):
        raise ValidationError("您不能修改这位教职工的联系方式。")
    changed = []
    if phone is not None:
        user.phone = phone.strip()
        changed.append("phone")
    if email is not None:
        user.email = email.strip()
        changed.append("email")
    user.full_clean(exclude=[f.name for f in user._meta.fields if f.name not in changed])
    user.save(update_fields=changed)
    return user


def staff_member_update(*, by, membership: Membership) -> Membership:
    """Save changes to a membership after checking ``by`` may grant its role at its school."""
    staff_role_check(by=by, school=membership.school, role=membership.role)
    if membership.role not in GRADE_ROLES:
        membership.grade = None
    if membership.role not in PSYCH_ROLES:
        membership.psych_employment = ""
    return membership_save(membership=membership)


@transaction.atomic
def staff_password_reset(*, by, membership, request=None) -> str:
    """A school admin gives a colleague of their school a new temporary password, returned
    once (never stored in clear). The colleague's sessions end (Django's session hash
    changes with the password). Logged in the access log.

    Refused: a staff entry ``by`` does not manage, one's own account (use 修改密码),
    bureau accounts and superusers, and a colleague who also works at a school ``by``
    does not manage (the password opens that school too).
    """
    if not staff_may_manage(user=by, membership=membership):
        raise ValidationError("您不能管理这名教职工的账号。")
    user = membership.user
    if user.pk == by.pk:
        raise ValidationError("不能在这里重置自己的密码，请在“修改密码”中设置。")
    if access.is_bureau(user=user):
        raise ValidationError("市局账号的密码请联系市局管理员重置。")
    managed = set(schools_managed_by(user=by).values_list("pk", flat=True))
    elsewhere = Membership.objects.active().filter(user=user).exclude(school_id__in=managed)
    if not access.bureau_covers(user=by, cap="schools.records.write") and elsewhere.exists():
        raise ValidationError("该教职工还在其他学校任职，请联系市局管理员重置密码。")
    password = _initial_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    access_log_record(
        request=request,
        user=by,
        action="password-reset",
        object_type="accounts.user",
        object_id=user.pk,
        school=membership.school,
    )
    return password

"""Writes for schools, staff and the access log."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from .models import AccessLog, Membership
from .selectors import forget_memberships, memberships_of
from .vocab import BACK_OFFICE_ROLES, Role

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
    """Put the user in the groups their active roles call for, and out of the others."""
    groups = role_groups_ensure()
    forget_memberships(user=user)
    roles = {m.role for m in memberships_of(user=user)}
    wanted = set()
    if roles & BACK_OFFICE_ROLES:
        wanted.add(groups[GROUP_BACK_OFFICE])
    if Role.BUREAU_ADMIN in roles:
        wanted.add(groups[GROUP_BUREAU_EDITORS])
    managed = set(groups.values())
    current = set(user.groups.filter(pk__in=[g.pk for g in managed]))
    for group in managed:
        if group in wanted and group not in current:
            user.groups.add(group)
        elif group not in wanted and group in current:
            user.groups.remove(group)
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


def access_log_record(
    *,
    request=None,
    user=None,
    action: str,
    object_type: str,
    object_id="",
    school=None,
    allowed: bool = True,
) -> AccessLog:
    """Write one access-log line. Holds ids only, never record content."""
    if request is not None:
        user = user or (request.user if request.user.is_authenticated else None)
        path = request.path[:300]
        ip = request.META.get("REMOTE_ADDR") or None
    else:
        path, ip = "", None
    return AccessLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action[:50],
        object_type=object_type[:50],
        object_id=str(object_id)[:50],
        school=school if getattr(school, "pk", None) else None,
        allowed=allowed,
        path=path,
        ip=ip,
    )

"""Reads for accounts: a user's notifications; failed logins per address."""

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from .models import Notification


def login_failures_from(*, address: str, now=None) -> int:
    """Failed logins from ``address`` across all usernames within the axes cool-off.

    Read from axes' AccessAttempt (one row per username, address and browser): failures that
    a later successful login of the same username cleared (``AXES_RESET_ON_SUCCESS``) do not
    count, so a school's typos followed by the right password never add up.
    """
    from axes.models import AccessAttempt

    since = (now or timezone.now()) - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def notifications_of(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notifications_unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at=None).count()

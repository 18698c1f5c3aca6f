"""Writes for accounts: notifications (消息)."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


# --- login records ----------------------------------------------------------------------------


def login_records_older_than(*, before) -> int:
    """How many of axes' login records (successful logins, failed-login log) predate
    ``before``."""
    from axes.models import AccessFailureLog
    from axes.models import AccessLog as LoginLog

    return (
        LoginLog.objects.filter(attempt_time__lt=before).count()
        + AccessFailureLog.objects.filter(attempt_time__lt=before).count()
    )


def login_records_prune(*, before) -> int:
    """Delete axes' login records older than ``before`` (same retention as the access log)."""
    from axes.models import AccessFailureLog
    from axes.models import AccessLog as LoginLog

    with transaction.atomic():
        logins, _ = LoginLog.objects.filter(attempt_time__lt=before).delete()
        failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=before).delete()
    return logins + failures


# --- the device cookie: browsers that have signed in before -------------------------------------

DEVICE_SALT = "xinyu.accounts.device"
DEVICE_USERS_KEPT = 30  # a staff-room computer is shared by a school's teachers


def _device_tag(username: str) -> str:
    """A keyed digest of the username: the cookie names no one in clear."""
    from django.utils.crypto import salted_hmac

    return salted_hmac(DEVICE_SALT, username or "").hexdigest()[:20]


def _device_tags(request) -> list[str]:
    raw = request.COOKIES.get(settings.XINYU_DEVICE_COOKIE_NAME)
    if not raw:
        return []
    try:
        tags = signing.loads(
            raw, salt=DEVICE_SALT, max_age=settings.XINYU_DEVICE_COOKIE_DAYS * 86400
        )
    except signing.BadSignature:  # forged, altered or expired
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def device_known(*, request, username) -> bool:
    """Has this browser signed in as ``username`` before (a valid, unexpired device cookie)?"""
    return bool(username) and _device_tag(username) in _device_tags(request)


def device_mark(*, request, username) -> None:
    """Remember on the request that ``username`` signed in; ``DeviceCookieMiddleware`` sets
    the cookie on the response (a login's own view has no say over its cookies)."""
    tag = _device_tag(username)
    tags = [tag] + [t for t in _device_tags(request) if t != tag]
    request.xinyu_device_cookie = signing.dumps(tags[:DEVICE_USERS_KEPT], salt=DEVICE_SALT)


def notification_send(
    *, recipient, kind: str, title: str, body: str = "", link: str = "", email: bool = True
) -> Notification:
    """Leave a message for ``recipient`` in the learner area; mail it too when they have an
    e-mail address on file (after the surrounding transaction commits, so a rolled-back
    decision never mails)."""
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title[:200], body=body, link=link[:300]
    )
    if email and recipient.email:
        pk = notification.pk
        transaction.on_commit(lambda: notification_mail(pk=pk))
    return notification


def notification_mail(*, pk: int) -> bool:
    """Mail one notification (once). A failure is logged by id only, never its content."""
    notification = (
        Notification.objects.select_related("recipient").filter(pk=pk, emailed_at=None).first()
    )
    if notification is None or not notification.recipient.email:
        return False
    site = settings.WAGTAIL_SITE_NAME
    text = render_to_string(
        "accounts/email/notification.txt",
        {
            "n": notification,
            "site_name": site,
            "url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
            + (notification.link or "/me/notifications/"),
        },
    )
    try:
        send_mail(f"{site}：{notification.title}", text, None, [notification.recipient.email])
    except (OSError, smtplib.SMTPException):  # the message stays in the learner area
        logger.warning("notification mail failed: id=%s", pk)
        return False
    Notification.objects.filter(pk=pk).update(emailed_at=timezone.now())
    return True


def notification_mark_read(*, user, pk: int | None = None) -> int:
    """Mark one of ``user``'s notifications read (or all of them when ``pk`` is None)."""
    qs = Notification.objects.filter(recipient=user, read_at=None)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())

"""Submit once: every create form carries a one-time key, so a double submit stores once.

A form that creates something renders ``{% submit_key "lessons.new" %}`` (``portal_tags``):
a hidden field holding a fresh key, signed for that user and that form and valid for
:data:`KEY_MAX_AGE`. Its view runs the write through :func:`submit_once`, which claims the
key by inserting a :class:`~portal.models.SubmitToken` row (its key is unique) **in the same
transaction as the write**, and keeps on the row where the submit led (its redirect and its
message).

A second submit with the same key — a double click, a resent request, a second tab of the
same page — is sent to the first result and stores nothing:

* after the first has committed, :func:`submitted_before` finds the row before the form is
  even validated;
* while the first is still writing, its insert waits for the first transaction (SQLite: the
  write lock taken at ``BEGIN IMMEDIATE``; PostgreSQL: the unique index), then fails; the
  row it then reads says where the first submit led.

A submit whose write fails (a form error) rolls its claim back with it: the key stays good
for the corrected form. A POST without any key (a script, a page rendered before this
existed) is processed as before; a tampered or expired key is refused with a message and the
form comes back with a fresh key.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone

#: The hidden field's name.
FIELD = "submit_key"
#: How long a rendered form's key is accepted.
KEY_MAX_AGE = datetime.timedelta(days=3)
#: Claimed keys are kept longer than a key lives, so an old key can never be claimed twice.
KEEP = KEY_MAX_AGE + datetime.timedelta(days=1)

EXPIRED = "这个页面打开太久，已经失效：请检查填写的内容，再提交一次。"
REPEATED = "这份表单刚才已经提交过（可能点了两次“提交”），没有重复保存。"


class KeyExpired(ValidationError):
    """The posted key is tampered with, for another user or form, or too old."""

    def __init__(self):
        super().__init__(EXPIRED, code="submit_key")


@dataclass(frozen=True)
class Submitted:
    """Where a submit led: ``first`` is False for a repeat that stored nothing."""

    url: str
    message: str
    first: bool


def _signer(*, request, form: str) -> signing.TimestampSigner:
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else 0
    return signing.TimestampSigner(salt=f"portal.idempotency:{form}:{user_id}")


def key_new(*, request, form: str) -> str:
    """A fresh key for one rendering of ``form`` to this user."""
    return _signer(request=request, form=form).sign(secrets.token_urlsafe(18))


def _posted(request, form: str) -> str | None:
    """The claim of the posted key: ``None`` when there is none; ValidationError when it is
    tampered with, for another user or form, or older than :data:`KEY_MAX_AGE`."""
    value = request.POST.get(FIELD, "") if request.method == "POST" else ""
    if not value:
        return None
    try:
        return _signer(request=request, form=form).unsign(value, max_age=KEY_MAX_AGE)
    except signing.BadSignature:
        raise KeyExpired() from None


def key_for_page(*, request, form: str) -> str:
    """The key a page renders: the posted one while it is still good (a form shown again
    with its errors keeps its key), else a fresh one."""
    try:
        if _posted(request, form):
            return request.POST[FIELD]
    except KeyExpired:
        pass
    return key_new(request=request, form=form)


def _outcome(token) -> Submitted:
    return Submitted(url=token.url, message=token.message, first=False)


def submitted_before(request, *, form: str) -> Submitted | None:
    """The first result when the posted key was already used (no lock, no write)."""
    from .models import SubmitToken

    try:
        key = _posted(request, form)
    except KeyExpired:
        return None
    if key is None:
        return None
    token = SubmitToken.objects.filter(key=key, form=form).first()
    return _outcome(token) if token is not None else None


def submit_once(
    request, *, form: str, create: Callable[[], tuple[str, str] | None]
) -> Submitted | None:
    """Run ``create`` once per key of ``form``.

    ``create()`` writes and returns ``(url, message)`` — where to send the user and what to
    tell them — or ``None`` when it stored nothing (it put errors on its form). Returns the
    outcome (``first`` True: this submit stored it; False: an earlier submit with this key
    did, and nothing was written now), or ``None`` when ``create`` stored nothing.
    Raises :class:`KeyExpired` (a ValidationError) for a key that is no longer good.
    """
    from .models import SubmitToken

    key = _posted(request, form)
    if key is None:
        result = create()
        return Submitted(url=result[0], message=result[1], first=True) if result else None
    user = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                # Waits here while another submit of this key is writing, then fails.
                token = SubmitToken.objects.create(key=key, form=form, user=user, url="")
        except IntegrityError:
            token = SubmitToken.objects.filter(key=key, form=form).first()
            if token is None:
                raise
            return _outcome(token)
        result = create()
        if result is None:
            transaction.set_rollback(True)
            return None
        token.url, token.message = result[0], result[1][:300]
        token.save(update_fields=["url", "message"])
        SubmitToken.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return Submitted(url=token.url, message=token.message, first=True)


def submit_form_once(request, *, form, name: str, create):
    """``submit_once`` for a view with one Django form: the redirect to the result when this
    or an earlier submit stored it; ``None`` when nothing was stored (the reason is on
    ``form``, including a key that is no longer good)."""
    try:
        outcome = submit_once(request, form=name, create=create)
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return None
    return submitted_response(request, outcome) if outcome is not None else None


def submitted_response(request, outcome: Submitted):
    """Redirect to the result; a repeat says nothing was stored again."""
    if outcome.first:
        if outcome.message:
            messages.success(request, outcome.message)
    else:
        messages.info(request, f"{outcome.message} {REPEATED}" if outcome.message else REPEATED)
    return redirect(outcome.url)

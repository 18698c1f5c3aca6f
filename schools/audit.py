"""The access log's writer, the client's address, and the admin gate's denial line (R-25).

One module for what leaves a trace of who touched which protected record:

- ``access_log_record`` writes one line (ids only, never record content) and
  ``access_log_prune`` deletes old ones; the ``AccessLog`` model stays in ``schools.models``
  and the log's readers (``access_log_for`` …) in ``schools.selectors``;
- ``client_ip`` is the client's address, as the access log and the login lockout
  (django-axes, ``AXES_CLIENT_IP_CALLABLE``) see it;
- ``AdminGateDenialMiddleware`` writes the denial line that Wagtail's admin gate would
  otherwise leave unwritten.

**The client's address.** Without a reverse proxy it is the connection's address
(``REMOTE_ADDR``). Behind ``XINYU_PROXY_COUNT`` trusted proxies, every request reaches the
portal from the nearest proxy; each proxy appends the address it was connected from to
``X-Forwarded-For``, so the real client is the ``XINYU_PROXY_COUNT``-th entry from the
right. Entries further left were written by the client and are never believed.
"""

import ipaddress

from django.conf import settings
from django.db import transaction

from .models import AccessLog

# --- the client's address ----------------------------------------------------------------------


def client_ip(request) -> str | None:
    """The client's address (see the module doc); ``None`` when the request has none."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.XINYU_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        # The request did not come through every proxy (or the header was dropped):
        # nothing in it can be trusted.
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


# --- writing the log -----------------------------------------------------------------------------


# Object types whose object id is a student's id: their lines name the student too.
STUDENT_OBJECT_TYPES = frozenset({"schools.student", "screening.archive", "screening.result"})


def _pk_of(value):
    value = getattr(value, "pk", value)
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def access_log_record(
    *,
    request=None,
    user=None,
    action: str,
    object_type: str,
    object_id="",
    school=None,
    student=None,
    count: int | None = None,
    allowed: bool = True,
) -> AccessLog:
    """Write one access-log line. Holds ids only, never record content.

    ``school`` and ``student`` may be instances or ids; a line whose object is a student
    (``STUDENT_OBJECT_TYPES``) names the student without being told. ``count`` is how many
    records a listing showed or an export wrote.
    """
    line = _log_line(
        request=request,
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        school=school,
        student=student,
        count=count,
        allowed=allowed,
    )
    line.save(force_insert=True)
    return line


def access_log_records(lines: list[dict]) -> None:
    """Write many access-log lines at once (``access_log_record``'s keywords per line, in
    batches): a background export that names thousands of records logs each of them
    without a query per line."""
    AccessLog.objects.bulk_create([_log_line(**kw) for kw in lines], batch_size=500)


def _log_line(
    *,
    request=None,
    user=None,
    action: str,
    object_type: str,
    object_id="",
    school=None,
    student=None,
    count: int | None = None,
    allowed: bool = True,
) -> AccessLog:
    if request is not None:
        user = user or (request.user if request.user.is_authenticated else None)
        path = request.path[:300]
        ip = client_ip(request)
    else:
        path, ip = "", None
    if student is None and object_type in STUDENT_OBJECT_TYPES:
        student = object_id
    return AccessLog(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action[:50],
        object_type=object_type[:50],
        object_id=str(object_id)[:50],
        school_id=_pk_of(school),
        student_pk=_pk_of(student),
        count=count,
        allowed=allowed,
        path=path,
        ip=ip,
    )


def access_log_prune(*, before, batch: int = 5000, progress=None) -> int:
    """Delete the access-log lines older than ``before``, ``batch`` lines per transaction
    (a long prune never holds the write lock for long); ``progress(done)`` after each."""
    from .selectors import access_log_older_than

    done = 0
    while True:
        ids = list(
            access_log_older_than(before=before).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        with transaction.atomic():
            deleted, _ = AccessLog.objects.filter(pk__in=ids).delete()
        done += deleted
        if progress:
            progress(done)


# --- the admin gate ------------------------------------------------------------------------------


class AdminGateDenialMiddleware:
    """One access-log line when Wagtail's admin gate turns a signed-in user away from a
    student or incident record URL (``RECORDS_ADMIN_PREFIXES``: screening, the student roll,
    incident reports).

    Wagtail wraps every admin URL in ``require_admin_access``, which redirects a user without
    ``wagtailadmin.access_admin`` (e.g. a plain teacher just removed from a counselling
    group) to the login page before any records view runs, so the view's own denial line
    never comes. This writes that line: the user, action "denied", the URL's student id (or
    object id) and path — no record content. Anonymous visitors (the login redirect) and
    users the gate lets through (whose views log their own denials) leave nothing here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(settings.RECORDS_ADMIN_PREFIXES):
            return None
        user = request.user
        # The gate's own test (wagtail.admin.auth.require_admin_access); the permission
        # answer is cached on the user, so the gate asks the database no second time.
        if user.is_anonymous or user.has_perms(["wagtailadmin.access_admin"]):
            return None
        match = request.resolver_match
        view_name = match.view_name if match else ""
        object_id = view_kwargs.get("student_id", view_kwargs.get("pk", ""))
        if "student_id" in view_kwargs:
            student = view_kwargs["student_id"]
        elif view_name.startswith(settings.RECORDS_ADMIN_STUDENT_VIEWS):
            student = view_kwargs.get("pk")
        else:
            student = None
        access_log_record(
            request=request,
            action="denied",
            object_type=view_name.replace(":", ".") if view_name else "admin",
            object_id=object_id,
            student=student,
            allowed=False,
        )
        return None

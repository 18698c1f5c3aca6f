from django.conf import settings
from django.utils.cache import patch_cache_control
from django.utils.functional import empty

from schools.services import access_log_record


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response.

    Public pages get a strict policy (no inline script); the Wagtail admin, which still
    ships some inline script, gets its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.CSP_ADMIN_PREFIXES):
            policy = settings.CSP_ADMIN
        else:
            policy = settings.CSP_PUBLIC
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        return response


class PersonalDataNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user.

    Whatever a signed-in user is sent may hold personal data (their hours, evidence, a
    student's record, a school's internal file), so neither the browser nor a proxy may keep
    it. One rule for every view; only a response its view marked ``public`` (an image
    rendition) is left as it is. Anonymous pages hold no personal data, except those whose
    views say ``never_cache`` themselves (certificate check).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # No session cookie and a user nothing loaded (a login would have replaced it):
        # nobody is signed in, and the user need not be loaded to say so.
        if (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
            and getattr(user, "_wrapped", None) is empty
        ):
            return response
        if user is not None and user.is_authenticated:
            current = response.headers.get("Cache-Control", "")
            if "public" not in [part.strip() for part in current.split(",")]:
                patch_cache_control(response, private=True, no_store=True)
        return response


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

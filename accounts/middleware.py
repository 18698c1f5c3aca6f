from django.conf import settings


class StaffIdleTimeoutMiddleware:
    """Staff sessions (anyone who may open the back office) expire after idle minutes.

    The session's expiry is pushed forward on each request, so it ends only after
    ``STAFF_SESSION_IDLE_SECONDS`` without a request. Other users keep the default age.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is signed in: the user is not even loaded.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.has_perm("wagtailadmin.access_admin")
        ):
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)


class DeviceCookieMiddleware:
    """After a successful login, the signed device cookie (``accounts.services.device_mark``):
    a browser that has signed in as a user may still sign in as that user from an address
    whose failed logins passed the limit (``accounts.backends``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = getattr(request, "xinyu_device_cookie", None)
        if value:
            response.set_cookie(
                settings.XINYU_DEVICE_COOKIE_NAME,
                value,
                max_age=settings.XINYU_DEVICE_COOKIE_DAYS * 86400,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

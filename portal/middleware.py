import time
from contextlib import ExitStack

from django.conf import settings
from django.db import connections
from django.utils.cache import patch_cache_control
from django.utils.functional import empty


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


# --- answers instead of a server error or a killed worker -------------------------------------


def unavailable_response(*, title: str, message: str, retry_after: int | None = None):
    """The portal's own 503 page (rendered without the request: nothing of it leaks, and no
    database query is needed)."""
    from django.shortcuts import render

    response = render(None, "503.html", {"title": title, "message": message}, status=503)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


class UploadNotSavedMiddleware:
    """An upload the storage could not write (``portal.storage.UploadNotSaved``) that no view
    turned into a form error — e.g. a back-office document whose disk filled up mid-write —
    is a 503 page saying so, not a server error. Its transaction has rolled back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .storage import UploadNotSaved

        if isinstance(exception, UploadNotSaved):
            return unavailable_response(title="文件没有保存", message=str(exception))
        return None


class RequestDeadline(BaseException):
    """Raised in a request that ran past ``XINYU_REQUEST_DEADLINE``.

    A BaseException, like the KeyboardInterrupt it resembles, so that no ``except
    Exception`` on the way swallows it; every ``transaction.atomic`` it passes rolls back.
    """


class RequestDeadlineMiddleware:
    """End a request that runs too long with the portal's 503 page, before gunicorn's
    ``--timeout`` kills the worker (which would leave the visitor a dropped connection or a
    proxy's bare English error page).

    ``XINYU_REQUEST_DEADLINE`` seconds (keep it a few seconds under gunicorn's ``--timeout``;
    ``make run`` sets both); 0 switches it off. It works where requests run on the process's
    main thread, as in gunicorn's default sync workers: an interval timer (SIGALRM) raises
    :class:`RequestDeadline` in the view, whose transactions roll back. In threaded servers
    (``runserver``, gthread workers), or when another timer is already running, it stands
    aside. It is the last middleware, so the 503 still passes through the others (security
    headers, ``no-store``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import signal
        import threading

        seconds = float(getattr(settings, "XINYU_REQUEST_DEADLINE", 0) or 0)
        if (
            seconds <= 0
            or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0
        ):
            return self.get_response(request)
        armed = [True]

        def expired(signum, frame):
            if armed[0]:
                armed[0] = False
                raise RequestDeadline

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return self.get_response(request)
        except RequestDeadline:
            import logging

            from django.db import connections

            logging.getLogger(__name__).error(
                "request stopped after %s s (XINYU_REQUEST_DEADLINE): %s %s",
                seconds,
                request.method,
                request.path,
            )
            # A query may have been cut off half-way: at the end of the request Django then
            # checks each connection and replaces one that is no longer usable.
            for connection in connections.all(initialized_only=True):
                connection.errors_occurred = True
            return unavailable_response(
                title="请求处理时间过长",
                message=(
                    "很抱歉，系统处理这个请求用时过长，已经停止处理，没有保存任何内容。"
                    "请稍后再试；如果是导入或导出大量数据，请分批进行。"
                ),
                retry_after=30,
            )
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


# --- measuring only -----------------------------------------------------------------------------


class QueryCountHeaderMiddleware:
    """``X-Query-Count`` and ``X-Query-Time-Ms`` on every response: the SQL queries the request
    ran (through every middleware and the view) and the time they took.

    For measuring only (``bench/province.py``): the settings put it first in the stack when
    ``XINYU_QUERY_COUNT_HEADER=1`` and never otherwise. A streamed response's queries made
    while it streams are not counted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count, seconds = 0, 0.0

        def counted(execute, sql, params, many, context):
            nonlocal count, seconds
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                count += 1
                seconds += time.perf_counter() - started

        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counted))
            response = self.get_response(request)
        response.headers["X-Query-Count"] = str(count)
        response.headers["X-Query-Time-Ms"] = f"{seconds * 1000:.1f}"
        return response

from django.conf import settings


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

"""The client's IP address, as the access log and the login lockout (django-axes) see it.

Without a reverse proxy it is the connection's address (``REMOTE_ADDR``). Behind
``XINYU_PROXY_COUNT`` trusted proxies, every request reaches the portal from the nearest
proxy; each proxy appends the address it was connected from to ``X-Forwarded-For``, so the
real client is the ``XINYU_PROXY_COUNT``-th entry from the right. Entries further left were
written by the client and are never believed.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
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

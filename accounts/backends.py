"""The login guard: django-axes' lock per username and address, plus a limit per address
across usernames (password spraying) that spares browsers known to their user.

Axes locks a username at one address after ``AXES_FAILURE_LIMIT`` failures. A sprayer tries
few passwords against many usernames, which that lock never sees. So failures are also
counted per address across all usernames (``accounts.selectors.login_failures_from``, within
``AXES_COOLOFF_TIME``); above ``XINYU_LOGIN_ADDRESS_FAILURE_LIMIT`` a login from that address
is refused *before* its password is checked (the guess teaches the sprayer nothing; like any
attempt during an axes lockout it is recorded, so the block lasts while the guessing goes
on), unless the browser carries a device cookie showing it has signed in as that user before
(``accounts.services.device_known``): a teacher behind the school's one NAT address still
signs in with the right password from their own browser.
"""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings

from schools.audit import client_ip

from .selectors import login_failures_from
from .services import device_known


class LoginGuardBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if (
            request is not None
            and getattr(settings, "AXES_ENABLED", True)
            and address_over_limit(request)
            and not device_known(request=request, username=username)
        ):
            # Axes' middleware answers with the lockout page, which reads the second flag
            # for its message.
            request.axes_locked_out = True
            request.xinyu_address_locked = True
            raise AxesBackendPermissionDenied("too many failed logins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


def address_over_limit(request) -> bool:
    address = client_ip(request)
    if not address:
        return False
    limit = settings.XINYU_LOGIN_ADDRESS_FAILURE_LIMIT
    return login_failures_from(address=address) >= limit

"""Tokens for links that set a password.

A password-reset e-mail is valid for ``PASSWORD_RESET_TIMEOUT`` (one hour). A first-login
link of an imported account is handed on by the school's admin, often the next day, so it
stays valid for three days; like a reset link it is spent once a password is set (the
token covers the password hash).
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

FIRST_LOGIN_DAYS = 3


class FirstLoginTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "xinyu.accounts.first-login"
    valid_seconds = FIRST_LOGIN_DAYS * 24 * 3600

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if self._num_seconds(self._now()) - ts > self.valid_seconds:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


first_login_tokens = FirstLoginTokenGenerator()

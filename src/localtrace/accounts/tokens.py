"""The one-off links that set a staff password: a reset lasts 2 hours, an invitation days.

A link works once: its token is made from the account's password and last sign-in, which setting the password
changes. An invitation goes to someone who may not read it the same morning, and a new account has no password
to reset, so only an administrator could send another; it lasts LOCALTRACE_INVITATION_DAYS instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator


class _Earlier(PasswordResetTokenGenerator):
    """Checks a token as if it were `by` earlier: a token up to PASSWORD_RESET_TIMEOUT + `by` old passes."""

    def __init__(self, by: dt.timedelta) -> None:
        super().__init__()
        self.by = by

    def _now(self) -> dt.datetime:
        return super()._now() - self.by


class SetPasswordTokens(PasswordResetTokenGenerator):
    def check_token(self, user: Any, token: str | None) -> bool:
        if super().check_token(user, token):
            return True
        invited = user is not None and user.last_login is None and not user.has_usable_password()
        longer = dt.timedelta(days=settings.LOCALTRACE_INVITATION_DAYS) - dt.timedelta(
            seconds=settings.PASSWORD_RESET_TIMEOUT
        )
        return invited and longer > dt.timedelta(0) and _Earlier(longer).check_token(user, token)


set_password_tokens = SetPasswordTokens()

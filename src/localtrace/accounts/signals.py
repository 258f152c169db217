"""Sign-in events that Django raises outside our views go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from localtrace.audit.services import Action, record


@receiver(user_logged_out)
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.SIGN_OUT, request=request, actor=user)


@receiver(user_login_failed)
def _sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Django has already masked the password. The username is kept only when it is an account's: people type
    # their password into the username box, and this trail is append-only.
    from localtrace.accounts.models import User

    typed = str(credentials.get("username", ""))[:150]
    known = User.objects.filter(username__iexact=typed).exists() if typed else False
    record(Action.SIGN_IN_FAILED, request=request, detail={"username": typed if known else "(no such account)"})

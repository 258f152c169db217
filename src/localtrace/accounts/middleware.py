"""Session guards: no staff page without a second factor, and sign-out after inactivity."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django_otp import DEVICE_ID_SESSION_KEY

from localtrace.accounts.mfa import confirmed_device, has_second_factor


def second_factor_optional(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view a signed-in user may open before giving their second factor."""
    view.second_factor_optional = True  # type: ignore[attr-defined]
    return view


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read before anything looks at request.user: django-otp drops the key of a device that no longer exists
        # when it first loads the user, and then this session would look as if it had never given a code.
        request.gave_second_factor = bool(request.session.get(DEVICE_ID_SESSION_KEY))  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        if getattr(request, "gave_second_factor", False) and not request.user.is_verified():  # type: ignore[attr-defined,union-attr]
            # This session gave a code from a device that no longer exists: an administrator reset their second
            # factor (a lost phone, or a suspected takeover). It ends here, or whoever holds it could enrol a new
            # device without the password.
            logout(request)
            return redirect("accounts:sign-in")
        if not getattr(view_func, "login_required", True) or getattr(view_func, "second_factor_optional", False):
            return None
        if has_second_factor(request):
            return None
        if confirmed_device(request.user) is None:
            return redirect("accounts:set-up-authenticator")
        return redirect("accounts:code")


def touch_interval() -> int:
    """How stale the stored "last seen" may get before a request writes it again.

    Writing it on every request would make every page save the session (an UPDATE and a commit); once a
    minute is enough for a half-hour time-out. The page's countdown starts from the stored time, so the
    warning still comes before the server's decision.
    """
    return min(60, settings.SESSION_IDLE_SECONDS // 10)


def seconds_left(request: HttpRequest) -> int:
    """Seconds until the server signs this session out for inactivity, counted from the stored last-seen time."""
    last_seen = request.session.get(IdleTimeoutMiddleware.SESSION_KEY)
    idle = settings.SESSION_IDLE_SECONDS
    return idle if last_seen is None else max(1, idle - (int(time.time()) - int(last_seen)))


def touch(request: HttpRequest) -> None:
    """Record activity now (the inactivity warning's "Stay signed in" always does)."""
    request.session[IdleTimeoutMiddleware.SESSION_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Sign a user out after SESSION_IDLE_SECONDS without a request; the page warns first."""

    SESSION_KEY = "localtrace_last_seen"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.SESSION_KEY)
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_SECONDS:
                logout(request)
                if request.headers.get("X-Requested-With") == "fetch":
                    return JsonResponse({"status": "signed out"}, status=401)
                return redirect("/signed-out/?reason=inactive")
            if last_seen is None or now - int(last_seen) >= touch_interval():
                touch(request)
        return self.get_response(request)

"""Values every page needs: service and organisation names, demo flag, navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from localtrace.accounts.middleware import seconds_left
from localtrace.config.navigation import navigation_for


def service(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "service_name": settings.SERVICE_NAME,
        "organisation_name": settings.ORGANISATION_NAME,
        "demo_mode": settings.DEMO,
        "navigation": navigation_for(request) if signed_in else None,
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS if signed_in else None,
        # Counted from the stored last-seen time, which a request renews only once a minute.
        "session_seconds_left": seconds_left(request) if signed_in else None,
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }

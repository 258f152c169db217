"""Pages every visitor shares: the role-aware home page, the footer pages, errors and health."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from localtrace.accounts.access import scope_for
from localtrace.accounts.home import home_sections
from localtrace.accounts.middleware import touch


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    return render(
        request,
        "core/home.html",
        {"sections": home_sections(request.user, scope), "now": timezone.now()},
    )


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html", {"retention_days": settings.LOCALTRACE_RETENTION_DAYS})


@login_not_required
def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "core/cookies.html", {"cookies": cookies_set(public=False)})


def cookies_set(*, public: bool) -> list[tuple[str, str, str]]:
    """Every cookie the service sets, as (name, purpose, when it expires), in the active language.

    The session's purpose is put for the reader: staff are signed in, the public have confirmed a date of birth.
    """
    idle = settings.PORTAL_IDLE_MINUTES if public else settings.SESSION_IDLE_SECONDS // 60
    year = _("1 year")
    return [
        (
            "sessionid",
            _("Remembers that you have confirmed your date of birth, and keeps your answers until you send them")
            if public
            else "Keeps you signed in",
            _(
                "After %(idle_minutes)s minutes without using the service, when you sign out, and at most after "
                "%(session_hours)s hours"
            )
            % {"idle_minutes": idle, "session_hours": settings.SESSION_COOKIE_AGE // 3600},
        ),
        ("csrftoken", _("Stops other websites sending forms in your name"), year),
        (
            settings.LANGUAGE_COOKIE_NAME,
            _("Remembers the language you chose for the self-service pages (English or Welsh), set only when you "
              "choose one"),
            year,
        ),
    ]  # fmt: skip


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """The inactivity warning's "Stay signed in": renew the session now, however recently it was renewed."""
    touch(request)
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"status": "ok"})
    return redirect("core:home")


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "core/errors/400.html", 400)


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "core/errors/403.html", 403)


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "core/errors/404.html", 404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request context: the failure may lie in a context processor.
    from django.template import loader

    return HttpResponse(loader.get_template("core/errors/500.html").render(), status=500)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, "core/errors/csrf.html", 403)

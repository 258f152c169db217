"""What every public self-service page shares: no sign-in, the person's language, the link held in the session.

The token appears only in the path of the first request (`portal:open`); from then on the session
carries the link's id, and every page sends `Referrer-Policy: same-origin` (the token's own URL: `no-referrer`) and `Cache-Control: no-store`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache

from localtrace.audit.services import client_ip
from localtrace.portal import services
from localtrace.portal.models import PortalLink

LINK_KEY = "portal_link"
CONFIRMED_KEY = "portal_confirmed"
ANSWERS_KEY = "portal_answers"
SEEN_KEY = "portal_seen_at"  # when a page of the person's own data was last shown (seconds since the epoch)
# Every key a person's pages keep in the session starts with this, so all of them can be forgotten at once.
SESSION_PREFIX = "portal_"


def forget_person(request: HttpRequest) -> None:
    """Drop everything the last person's pages kept: one phone may open several household members' links.

    The session's key changes too, so anyone who saw the old cookie holds nothing.
    """
    for key in [key for key in request.session.keys() if key.startswith(SESSION_PREFIX)]:  # noqa: SIM118 (no __iter__)
        del request.session[key]
    request.session.cycle_key()


def kept_for(request: HttpRequest, key: str, link: PortalLink) -> Any:
    """What a page kept in the session under `key` for this link (see `keep_for`), or None."""
    kept = request.session.get(key)
    return kept.get("value") if isinstance(kept, dict) and kept.get("link") == link.pk else None


def keep_for(request: HttpRequest, key: str, link: PortalLink, value: Any) -> None:
    request.session[key] = {"link": link.pk, "value": value}


def language_for(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else "en"


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for members of the public: no sign-in, their language, nothing cached or leaked by referrer."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = language_for(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        # Same-origin: our own token-free pages may see where a form came from (Chromium sends "Origin: null"
        # on a form POST under no-referrer, and CSRF checks need it); no other site ever sees a referrer.
        response.setdefault("Referrer-Policy", "same-origin")
        response["Content-Language"] = language
        return response

    return login_not_required(never_cache(wrapped))


def _guesses_key(request: HttpRequest) -> str:
    return f"portal-guesses:{client_ip(request) or 'unknown'}"


def rate_limited(request: HttpRequest) -> bool:
    """True when this client address has made too many wrong guesses this hour: a link that does not work,
    or a date of birth that does not match.

    Only wrong guesses count: many households behind one mobile network's shared address open their real
    links, and those must not use up the allowance of the next person.
    """
    return int(cache.get(_guesses_key(request), 0)) >= settings.PORTAL_GUESSES_PER_HOUR


def count_wrong_guess(request: HttpRequest) -> None:
    key = _guesses_key(request)
    cache.add(key, 0, timeout=60 * 60)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=60 * 60)


def not_working(request: HttpRequest) -> HttpResponse:
    """The one plain page for every link that does not work: it says nothing about why or whose."""
    return render(request, "portal/not_working.html", status=404)


def session_link(request: HttpRequest) -> PortalLink | None:
    return services.usable(request.session.get(LINK_KEY))


def person_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page with the person's own data: only with a usable link whose date of birth was confirmed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        link = session_link(request)
        if link is None:
            return not_working(request)
        if request.session.get(CONFIRMED_KEY) != link.pk:
            return redirect("portal:date-of-birth")
        now = time.time()
        seen = float(request.session.get(SEEN_KEY, 0) or now)
        if now - seen > settings.PORTAL_IDLE_MINUTES * 60:
            # Left unattended (a household's shared phone): who holds it now confirms their date of birth
            # again. Answers in progress stay, kept under the link.
            del request.session[CONFIRMED_KEY]
            request.session.pop(SEEN_KEY, None)
            return redirect("portal:date-of-birth")
        if now - seen >= 60 or SEEN_KEY not in request.session:  # a session write a minute, not one a page
            request.session[SEEN_KEY] = now
        return view(request, link, *args, **kwargs)

    return public_page(wrapped)

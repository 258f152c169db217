"""The footer pages (accessibility, privacy, cookies) for members of the public: the staff pages' text, in the
public pages' layout and the language they chose, so a Welsh reader is not sent to English pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from localtrace.core.views import cookies_set
from localtrace.portal.views.base import public_page


def _about(request: HttpRequest, page: str, title: str, **extra: Any) -> HttpResponse:
    context = {
        "about": f"core/includes/about_{page}.html",
        "title": title,
        "public": True,
        # What the public know the service as, not the software's name.
        "service_name": _("Test, trace and isolate"),
        **extra,
    }
    return render(request, "portal/about.html", context)


@public_page
def accessibility(request: HttpRequest) -> HttpResponse:
    return _about(request, "accessibility", _("Accessibility statement"))


@public_page
def privacy(request: HttpRequest) -> HttpResponse:
    return _about(request, "privacy", _("Privacy notice"), retention_days=settings.LOCALTRACE_RETENTION_DAYS)


@public_page
def cookies(request: HttpRequest) -> HttpResponse:
    return _about(request, "cookies", _("Cookies"), cookies=cookies_set(public=True))

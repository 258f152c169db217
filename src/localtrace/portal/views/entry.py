"""Opening a link, confirming a date of birth, choosing a language, and the person's start page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from localtrace.audit.services import Action, record
from localtrace.core.phones import dialled
from localtrace.portal import services
from localtrace.portal.forms import DateOfBirthForm
from localtrace.portal.models import PortalLink
from localtrace.portal.views.base import (
    CONFIRMED_KEY,
    LINK_KEY,
    count_wrong_guess,
    forget_person,
    not_working,
    person_page,
    public_page,
    rate_limited,
    session_link,
)


def _no_referrer(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@public_page
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """The only URL with the token in it: swap it for the session at once and move on to a token-free page."""
    if rate_limited(request):
        return _no_referrer(not_working(request))
    link = services.find_link(token)
    if link is None:
        count_wrong_guess(request)
        return _no_referrer(not_working(request))
    # Nothing from before (another household member's answers, or anyone who saw the old cookie) carries over.
    forget_person(request)
    request.session[LINK_KEY] = link.pk
    services.opened(link, request)
    return _no_referrer(redirect("portal:date-of-birth"))


@public_page
def date_of_birth(request: HttpRequest) -> HttpResponse:
    link = session_link(request)
    if link is None:
        return not_working(request)
    if request.session.get(CONFIRMED_KEY) == link.pk:
        return redirect("portal:home")
    form = DateOfBirthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if rate_limited(request):
            return not_working(request)
        if form.is_valid():
            if services.check_date_of_birth(link, form.cleaned_data["date_of_birth"], request=request):
                request.session.cycle_key()
                request.session[CONFIRMED_KEY] = link.pk
                return redirect("portal:home")
            count_wrong_guess(request)
            if services.usable(link.pk) is None:
                request.session.pop(LINK_KEY, None)
                return not_working(request)
            message = _("The date of birth does not match our records. Check it and try again.")
            # Warned before the link locks, so the last tries are taken with care (or a call is made instead).
            left = settings.PORTAL_DOB_ATTEMPTS - link.failed_attempts
            if left == 2:
                message += " " + _("You can try twice more before this link stops working.")
            elif left == 1:
                message += " " + _("You can try once more before this link stops working.")
            form.add_error("date_of_birth", message)
    return render(request, "portal/date_of_birth.html", {"form": form})


@person_page
def home(request: HttpRequest, link: PortalLink) -> HttpResponse:
    item = link.item
    record(Action.VIEW, request=request, obj=item, area=item.area, detail={"portal": "start page"})  # type: ignore[attr-defined]
    context = {
        "link": link,
        "person": link.person,
        "is_case": bool(link.case_id),
        "isolation_ends_on": services.isolation_ends_on(item),  # type: ignore[arg-type]
        "submitted": link.submitted_at is not None,
        # The local team has finished with the case: its questions are not asked online any more.
        "case_closed": bool(link.case_id) and not item.is_open,  # type: ignore[attr-defined]
        "isolation_over": services.isolation_ends_on(item) < timezone.localdate(),  # type: ignore[arg-type]
        "team_phone": dialled(item.area.public_phone),  # type: ignore[attr-defined]
    }
    if not link.case_id:
        from localtrace.portal.views.contact import contact_context

        context.update(contact_context(link))
    return render(request, "portal/home.html", context)


@require_GET
@public_page
def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the public pages' language and remember it in a cookie; works without JavaScript."""
    target = request.GET.get("next", "")
    if not (target.startswith("/self-service/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        target = reverse("portal:start")
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 60 * 60, samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE, httponly=True,
        )  # fmt: skip
    return response


@public_page
def start(request: HttpRequest) -> HttpResponse:
    """Where a person lands without a link in their session: the plain page; with one, their next step."""
    if session_link(request) is None:
        return not_working(request)
    return redirect("portal:date-of-birth")


@public_page
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        forget_person(request)
        return render(request, "portal/signed_out.html")
    return redirect("portal:start")

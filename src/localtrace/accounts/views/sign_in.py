"""Signing in (password, then a code from an authenticator app), signing out, password reset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from localtrace.accounts import mfa
from localtrace.accounts.access import acting_user
from localtrace.accounts.forms import CodeForm, GovukPasswordResetForm, GovukSetPasswordForm, SignInForm
from localtrace.accounts.middleware import second_factor_optional
from localtrace.accounts.models import User
from localtrace.accounts.tokens import set_password_tokens
from localtrace.audit.services import Action, record

NEXT_SESSION_KEY = "localtrace_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return None


def _finish_sign_in(request: HttpRequest, method: str) -> HttpResponse:
    record(Action.SIGN_IN, request=request, detail={"second_factor": method})
    return redirect(request.session.pop(NEXT_SESSION_KEY, None) or "core:home")


@login_not_required
@sensitive_post_parameters("password")
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and mfa.has_second_factor(request):
        return redirect("core:home")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if user is not None and user.is_demo_account and not settings.DEMO:  # type: ignore[attr-defined]
            # A database loaded with the demo keeps accounts whose password is published; outside demo mode they
            # are refused like a wrong password, or anyone could sign in and enrol their own authenticator.
            record(Action.SIGN_IN_FAILED, request=request, actor=user, detail={"demo_account": True})
            user = None
        if user is None:
            if getattr(request, "axes_locked_out", False):
                return render(request, "accounts/locked_out.html", status=429)
            form.add_error(None, "The username or password is not right. Check them and try again.")
        else:
            next_url = _safe_next(request, request.GET.get("next"))
            login(request, user)
            # A fixed end, a working day away: saving the session (once a minute while in use) would otherwise
            # push a rolling expiry forward for ever, and a stolen cookie kept warm would never lapse.
            request.session.set_expiry(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))
            if next_url:
                request.session[NEXT_SESSION_KEY] = next_url
            if mfa.confirmed_device(user) is None:
                return redirect("accounts:set-up-authenticator")
            return redirect("accounts:code")
    return render(request, "accounts/sign_in.html", {"form": form})


def _second_factor_step(
    request: HttpRequest, device: TOTPDevice, *, wrong_code: str, on_verified: Callable[[], None] | None = None
) -> tuple[CodeForm, HttpResponse | None]:
    """The shared POST handling of the code and set-up pages: a code, or the demo-only skip."""
    form = CodeForm(request.POST or None)
    if request.method != "POST":
        return form, None
    if request.POST.get("action") == "skip-demo" and mfa.skip_for_demo(request):
        return form, _finish_sign_in(request, "skipped in demo")
    if form.is_valid():
        if mfa.verify(request, device, form.cleaned_data["code"]):
            if on_verified:
                on_verified()
            return form, _finish_sign_in(request, "totp")
        form.add_error("code", wrong_code)
        # Wrong codes are for the DPO to see: the password was right, so someone may have it. django-otp
        # throttles the device after each failure, so codes cannot be tried quickly.
        record(Action.SIGN_IN_FAILED, request=request, detail={"second_factor": "wrong code"})
    return form, None


@second_factor_optional
@never_cache
def code(request: HttpRequest) -> HttpResponse:
    if mfa.has_second_factor(request):
        return redirect("core:home")
    device = mfa.confirmed_device(request.user)
    if device is None:
        return redirect("accounts:set-up-authenticator")
    form, done = _second_factor_step(
        request,
        device,
        wrong_code="The security code is not right or has expired. Enter the code showing in your app now.",
    )
    return done or render(
        request, "accounts/code.html", {"form": form, "demo_skip": mfa.demo_skip_allowed(request.user)}
    )


@second_factor_optional
@never_cache
def set_up_authenticator(request: HttpRequest) -> HttpResponse:
    if mfa.confirmed_device(request.user) is not None:
        return redirect("accounts:code")
    device = mfa.enrolment_device(request.user)

    def enrolled() -> None:
        record(Action.MFA_ENROLLED, request=request, obj=acting_user(request))
        messages.success(request, "Two-factor authentication is set up. You will need your app each time you sign in.")

    form, done = _second_factor_step(
        request,
        device,
        wrong_code="The security code is not right. Scan the QR code again, or check the key you typed, "
        "then enter the code showing in your app now.",
        on_verified=enrolled,
    )
    return done or render(
        request,
        "accounts/set_up_authenticator.html",
        {
            "form": form,
            "qr_svg": mfa.qr_code_svg(device),
            "secret_key": mfa.secret_key(device),
            "demo_skip": mfa.demo_skip_allowed(request.user),
        },
    )


@require_POST
@second_factor_optional
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:signed-out")


@login_not_required
def signed_out(request: HttpRequest) -> HttpResponse:
    inactive = request.GET.get("reason") == "inactive"
    return render(request, "accounts/signed_out.html", {"inactive": inactive})


_public = method_decorator([login_not_required, never_cache], name="dispatch")


@_public
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = GovukPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    extra_email_context = {"purpose": "password_reset"}
    success_url = reverse_lazy("accounts:password-reset-sent")


@_public
class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


@_public
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = GovukSetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")
    token_generator = set_password_tokens  # an invitation's link lasts days, a reset's 2 hours

    def get_user(self, uidb64: str) -> User | None:  # type: ignore[override]
        # Django's own view finds the account whether or not it is active, and the link's token does not change
        # when an administrator deactivates someone: a link sent before would still set a password for an
        # account that has been closed. A deactivated account's link simply no longer works.
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        record(Action.PASSWORD_CHANGED, request=self.request, actor=form.user, obj=form.user)
        return response


@_public
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"

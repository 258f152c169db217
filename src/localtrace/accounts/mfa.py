"""Second factor: TOTP devices, enrolment by QR code, and the demo-only skip."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_SKIP_SESSION_KEY = "localtrace_demo_second_factor_skipped"


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_second_factor(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if getattr(user, "is_verified", lambda: False)():
        return True
    return bool(demo_skip_allowed(user) and request.session.get(DEMO_SKIP_SESSION_KEY))


def demo_skip_allowed(user: Any) -> bool:
    """Only demo accounts, and only while the whole service runs in demo mode."""
    return bool(settings.DEMO and getattr(user, "is_demo_account", False))


def skip_for_demo(request: HttpRequest) -> bool:
    if not demo_skip_allowed(request.user):
        return False
    request.session[DEMO_SKIP_SESSION_KEY] = True
    return True


def enrolment_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being set up, made once so a reload shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=5, title="QR code for your authenticator app")


def secret_key(device: TOTPDevice) -> str:
    """The shared secret in base32, in groups of four, for typing into an app by hand."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def verify(request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Check a 6-digit code (django-otp throttles repeated failures) and mark the session verified."""
    token = "".join(token.split())
    if not token.isdigit() or not device.verify_token(token):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    otp_login(request, device)
    return True

"""Security headers, error pages, the role-aware home page and the demo banner."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.personas import World


def test_pages_carry_a_strict_content_security_policy(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("tracer_a").get(reverse("core:home"))
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'nonce="{nonce}"'.encode() in response.content
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_no_inline_styles_or_scripts_without_a_nonce(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    content = client_for("admin").get(reverse("core:home")).content.decode()
    assert " style=" not in content
    for tag in re.findall(r"<script[^>]*>", content):
        assert "nonce=" in tag or "src=" in tag, tag


@pytest.mark.django_db
def test_an_unknown_page_gets_the_service_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"govuk-template" in response.content


@pytest.mark.parametrize(
    "persona, heading",
    [
        ("tracer_a", "Your work"),
        ("area_lead_a", "Your area"),
        ("lead_a", "Teams you lead"),
        ("surge_active", "Areas you are helping now"),
        ("surge_idle", "No area has given your team access"),
        ("dpo", "Audit trail"),
        ("admin", "Administration"),
    ],
)
def test_each_role_lands_on_a_home_page_that_fits_it(world: World, client_for, persona: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(persona).get(reverse("core:home"))
    assert heading.encode() in response.content


def test_navigation_offers_only_what_the_role_may_open(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer_page = client_for("tracer_a").get(reverse("core:home")).content
    assert reverse("accounts:user-list").encode() not in tracer_page
    assert reverse("audit:event-list").encode() not in tracer_page
    admin_page = client_for("admin").get(reverse("core:home")).content
    assert reverse("accounts:user-list").encode() in admin_page
    dpo_page = client_for("dpo").get(reverse("core:home")).content
    assert reverse("audit:event-list").encode() in dpo_page


@override_settings(DEMO=True)
def test_demo_mode_shows_a_banner_on_every_page(world: World, client: Client) -> None:
    assert b"Demo \xe2\x80\x94 synthetic data" in client.get(reverse("accounts:sign-in")).content


def test_no_demo_banner_outside_demo_mode(world: World, client: Client) -> None:
    assert b"synthetic data" not in client.get(reverse("accounts:sign-in")).content


def test_a_portal_links_token_never_reaches_a_log_line() -> None:
    import io
    import logging

    token = "Zq3-xY_9a8b7c6d5e4f3g2h1"
    from localtrace.core.middleware import PortalTokenLogFilter

    # The handler settings.LOGGING gave the logger (pytest adds its own capturing handlers beside it).
    console = next(
        handler
        for handler in logging.getLogger("django.server").handlers
        if any(isinstance(f, PortalTokenLogFilter) for f in handler.filters)
    )
    stream = io.StringIO()
    console.setStream(stream)  # type: ignore[attr-defined]
    try:
        logging.getLogger("django.server").info('"%s" %s %s', f"GET /p/{token}/ HTTP/1.1", 302, 0)
        logging.getLogger("django.request").error("Internal Server Error: /p/%s/", token)
    finally:
        console.setStream(__import__("sys").stderr)  # type: ignore[attr-defined]
    logged = stream.getvalue()
    # Both lines are written (the request log is not lost), and neither holds the token.
    assert '"GET /p/[link]/ HTTP/1.1" 302 0' in logged and "Internal Server Error: /p/[link]/" in logged
    assert token not in logged


def test_a_password_reset_token_never_reaches_a_log_line() -> None:
    import logging

    from localtrace.core.middleware import PortalTokenLogFilter

    def logged(path: str) -> str:
        line = logging.LogRecord(
            "django.server", logging.INFO, __file__, 1, '"%s" %s %s', (f"GET {path} HTTP/1.1", 302, 0), None
        )
        PortalTokenLogFilter().filter(line)
        return line.getMessage()

    assert logged("/password-reset/Mg/cz4kq2-3b1f0e9d8c7a6b5c4d3e2f1a0b9c8d7/") == (
        '"GET /password-reset/Mg/[token]/ HTTP/1.1" 302 0'
    )
    # The page it redirects to carries no token, and stays readable in the log.
    assert logged("/password-reset/Mg/set-password/") == '"GET /password-reset/Mg/set-password/ HTTP/1.1" 302 0'


def test_a_page_with_errors_says_error_once_in_its_title(world, client_for) -> None:  # type: ignore[no-untyped-def]
    import re

    page = client_for("tracer_a").post("/people/find/", {"query": ""}).content.decode()
    (title,) = re.findall(r"<title>([^<]*)</title>", page)
    assert title.startswith("Error: Find a person") and title.count("Error:") == 1

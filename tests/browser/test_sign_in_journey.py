"""Signing in with a TOTP code, landing on the role's home page, signing out — checked with axe."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from localtrace.accounts.models import User
from localtrace.areas.models import Membership, Role
from tests.browser.conftest import PASSWORD, Visit, code_for_key
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def set_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save()
    return user


def test_an_administrator_signs_in_with_a_code_sees_their_home_and_signs_out(world: World, visit: Visit) -> None:
    admin = set_password(world.users["admin"])
    device = TOTPDevice.objects.get(user=admin)
    page = visit.page

    visit.goto("/")
    assert page.url.endswith("/sign-in/?next=/")
    visit.check_accessibility()
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url("**/sign-in/code/")
    visit.check_accessibility()
    page.get_by_label("Security code").fill(code_for_key(device.bin_key))
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(visit.base_url + "/")
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    visit.check_accessibility()

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    visit.check_accessibility()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signed-out/")
    expect(page.get_by_role("heading", name="You have been signed out")).to_be_visible()
    visit.check_accessibility()
    visit.goto("/")
    assert "/sign-in/" in page.url


def test_a_new_tracer_sets_up_their_authenticator_from_the_key_and_lands_on_their_work(
    world: World, visit: Visit
) -> None:
    tracer = User.objects.create(username="newtracer", full_name="Nia Ap Rhys", email="nia@staff.example.org")
    set_password(tracer)
    Membership.objects.create(user=tracer, team=world.team_a, role=Role.TRACER)
    page = visit.page

    visit.goto("/sign-in/")
    page.get_by_label("Username").fill("newtracer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/set-up-authenticator/")
    expect(page.locator(".lt-qr svg")).to_be_visible()
    visit.check_accessibility()

    # Someone who cannot scan reads the key instead; so do we.
    page.get_by_text("I cannot scan the QR code").click()
    key_text = page.locator("#secret-key").inner_text().replace(" ", "")
    import base64

    key = base64.b32decode(key_text + "=" * (-len(key_text) % 8))
    page.get_by_label("Security code").fill(code_for_key(key))
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(visit.base_url + "/")
    expect(page.get_by_text("Two-factor authentication is set up")).to_be_visible()
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    expect(page.get_by_role("link", name="Northshire").first).to_be_visible()
    visit.check_accessibility()

    page.get_by_role("link", name="Northshire").first.click()
    expect(page.get_by_role("heading", name="Northshire")).to_be_visible()
    visit.check_accessibility()

"""The inactivity warning appears before the time-out and "Stay signed in" keeps the session."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visit, sign_in
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_warning_offers_to_stay_signed_in_and_then_the_session_ends(world: World, visit: Visit, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_IDLE_SECONDS = 8
    settings.SESSION_WARNING_SECONDS = 6
    sign_in(visit, world.users["tracer_a"])
    page = visit.page

    warning = page.get_by_text("You'll be signed out soon")
    expect(warning).to_be_hidden()
    warning.wait_for(state="visible", timeout=10_000)
    visit.check_accessibility()
    page.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden", timeout=5_000)
    assert page.url == visit.base_url + "/"

    # Left alone, the page takes the person to the signed-out page, and the server agrees.
    page.wait_for_url("**/signed-out/?reason=inactive", timeout=15_000)
    expect(page.get_by_text("had not done anything for a while")).to_be_visible()
    visit.goto("/")
    assert "/sign-in/" in page.url

"""An administrator adds a laboratory, creates its token, sees it once and revokes it; every page passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from localtrace.results.models import SubmitterToken
from tests.browser.conftest import Visit, sign_in
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_issues_and_revokes_a_token(world: World, visit: Visit) -> None:
    sign_in(visit, world.users["admin"])
    page = visit.page

    visit.follow(page.get_by_role("link", name="Submitters"))
    visit.check_accessibility()
    page.get_by_role("link", name="Add a submitter").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    visit.check_accessibility()
    page.get_by_label("Source code").fill("LAB-EAST")
    page.get_by_label("Name of the laboratory or testing provider").fill("East laboratory")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="East laboratory")).to_be_visible()
    visit.check_accessibility()

    visit.follow(page.get_by_role("link", name="Create a token"))
    visit.check_accessibility()
    page.get_by_label("What is this token for?").fill("East LIMS")
    page.get_by_role("button", name="Create the token").click()
    expect(page.get_by_text("It will not be shown again")).to_be_visible()
    secret = page.locator("#api-token").inner_text()
    assert secret.startswith("lt_") and secret not in page.url
    visit.check_accessibility()

    visit.follow(page.get_by_role("link", name="I have copied the token"))
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    visit.check_accessibility()
    assert SubmitterToken.objects.get().revoked_at is not None


def test_the_api_documentation_page_passes_axe(world: World, visit: Visit) -> None:
    visit.goto("/api/docs")
    expect(visit.page.get_by_role("heading", name="localtrace API")).to_be_visible()
    visit.check_accessibility()

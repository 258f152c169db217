"""A tracer takes a call and finds the caller's case from the number they rang from."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visit, sign_in
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_tracer_finds_a_case_by_phone_number_and_opens_it(world: World, visit: Visit) -> None:
    sign_in(visit, world.users["tracer_a"])
    page = visit.page
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find").click()
    page.get_by_role("heading", name="Find a person").wait_for()
    visit.check_accessibility()

    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Enter a name, a phone number").wait_for()
    visit.check_accessibility()

    page.get_by_label("Name, phone number, NHS number, email address or reference").fill("07911 123456")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="1 record found")).to_be_visible()
    # The search was posted: nothing the tracer typed is in the address.
    assert "07911" not in page.url and "query" not in page.url
    visit.check_accessibility()

    page.get_by_role("link", name=f"Case {world.case_a.reference}").click()
    page.get_by_role("heading", name="Gwen Morgan-Davies").wait_for()

"""A tracer's working day in the browser: next case, a failed call, the interview, contacts; the lead sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visit, sign_in
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page: Any, field: str, day: dt.date) -> None:
    page.locator(f"#id_{field}_0").fill(str(day.day))
    page.locator(f"#id_{field}_1").fill(str(day.month))
    page.locator(f"#id_{field}_2").fill(str(day.year))


def add_contact(visit: Visit, kind_label: str, given: str, family: str, last: dt.date, *, another: bool) -> None:
    page = visit.page
    page.get_by_label(kind_label).check()
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    fill_date(page, "last_exposure", last)
    page.get_by_role("button", name="Save and add another" if another else "Save", exact=True).click()
    # The same form comes back after "Save and add another"; wait for the banner before filling it again.
    expect(page.get_by_text(f"{given} {family} added.")).to_be_visible()


def lead_counts(lead: Visit) -> str:
    lead.goto("/team/")
    return lead.page.get_by_role("row", name="Contacts").inner_text()


def test_a_tracer_works_a_case_from_the_queue_to_its_contacts(
    world: World, visit: Visit, browser: Any, live_server: Any
) -> None:
    lead_context = browser.new_context(viewport={"width": 1280, "height": 900})
    lead = Visit(lead_context.new_page(), live_server.url)
    sign_in(lead, world.users["lead_a"])
    before = lead_counts(lead)
    lead.check_accessibility()

    sign_in(visit, world.users["tracer_a"])
    page = visit.page
    visit.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cases"))
    visit.check_accessibility()
    page.get_by_role("button", name="Get the next case").click()
    page.get_by_role("heading", name="Gwen Morgan-Davies").wait_for()
    visit.check_accessibility()

    # The first call is not answered: the ladder moves on to the self-service link.
    page.get_by_label("Phone call").check()
    page.get_by_label("No answer").check()
    page.get_by_role("button", name="Record the attempt").click()
    page.get_by_text("Phone call: no answer").first.wait_for()
    expect(page.get_by_text("Next step: send the self-service link")).to_be_visible()

    # Later the call is answered and the interview done (the attempt form stays open until then).
    page.get_by_label("Phone call").check()
    page.get_by_label("Answered").check()
    page.get_by_role("button", name="Record the attempt").click()
    visit.follow(page.get_by_role("link", name="Confirm identity"))
    visit.check_accessibility()
    page.get_by_text("I have checked their full name, date of birth and address").click()
    page.get_by_role("button", name="Continue").click()

    visit.follow(page.get_by_role("link", name="Symptoms and isolation dates"))
    visit.check_accessibility()
    # The onset question belongs to "Yes" and appears under it once chosen.
    expect(page.get_by_role("group", name="When did the symptoms start?")).to_be_hidden()
    page.get_by_label("Yes").check()
    expect(page.get_by_role("group", name="When did the symptoms start?")).to_be_visible()
    visit.check_accessibility()
    onset = dt.date.today() - dt.timedelta(days=3)
    fill_date(page, "onset_date", onset)
    page.get_by_role("button", name="Save and work out the dates").click()
    ends = onset + dt.timedelta(days=10)
    expect(page.get_by_text(f"Isolate until the end of {ends:%A} {ends.day} {ends:%B}").first).to_be_visible()

    visit.follow(page.get_by_role("link", name="Household members (1)"))
    visit.check_accessibility()
    today = dt.date.today()
    add_contact(visit, "Lives with them", "Mali", "Morgan-Davies", today, another=True)
    add_contact(visit, "Lives with them", "Ifan", "Morgan-Davies", today, another=False)
    page.get_by_role("link", name="Other close contacts (0)").click()
    add_contact(visit, "Face to face, under 1 metre", "Dafydd", "Hughes", today - dt.timedelta(days=1), another=False)
    expect(page.get_by_role("link", name="Household members (3)")).to_be_visible()
    expect(page.get_by_role("link", name="Other close contacts (1)")).to_be_visible()
    visit.check_accessibility()

    # Where might they have caught it? A place in the backward window.
    visit.follow(page.get_by_role("link", name="Places they went (0)"))
    visit.check_accessibility()
    page.get_by_label("Name of the place").fill("The Crown")
    page.get_by_label("Pub, restaurant, café or hotel").check()
    fill_date(page, "visited_on", onset - dt.timedelta(days=4))
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("May have caught it there").wait_for()  # the form page loads htmx; wait for the next page

    page.get_by_role("link", name="Outcome").click()
    page.get_by_label("Interview completed and advice given").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("closed.", exact=False)).to_be_visible()  # the queue, after the save has landed

    # The contacts are waiting in the contact queue.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Contacts").click()
    expect(page.locator("tbody tr")).to_have_count(4)  # the world's partner and the three named now
    visit.check_accessibility()

    after = lead_counts(lead)
    assert after != before
    lead.check_accessibility()
    lead_context.close()


@pytest.mark.parametrize("queue", ["/cases/", "/contacts/"])
def test_a_queue_on_a_phone_scrolls_its_table_not_the_page(
    world: World, browser: Any, live_server: Any, queue: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 800})
    visit = Visit(context.new_page(), live_server.url)
    sign_in(visit, world.users["tracer_a"])
    visit.goto(queue)
    page = visit.page
    expect(page.get_by_role("region", name="queue")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    visit.check_accessibility()
    context.close()

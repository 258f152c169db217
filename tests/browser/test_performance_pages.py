"""The public transparency page in a wide and a narrow window, and an area lead's dashboard: charts drawn, axe clean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from localtrace.reports import rollup
from tests.browser.conftest import Visit, sign_in
from tests.personas import World
from tests.reports.conftest import generate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 320])
def test_the_transparency_page_reads_well_wide_and_narrow(
    world: World, browser: Any, live_server: Any, width: int
) -> None:
    generate(world, cases=30, seed=21)
    rollup.refresh()
    context = browser.new_context(viewport={"width": width, "height": 900})
    visit = Visit(context.new_page(), live_server.url)
    page = visit.page
    visit.goto("/transparency/")
    expect(page.get_by_role("heading", name="How well tracing is working")).to_be_visible()
    expect(page.get_by_text("fewer than 5").or_(page.get_by_text("withheld")).first).to_be_visible()
    page.wait_for_selector(".lt-chart__drawing svg, .lt-chart__drawing canvas")  # Vega drew the chart
    expect(page.get_by_role("link", name="CSV")).to_be_visible()
    visit.check_accessibility()
    # Nothing pushes the page sideways, even at 320 pixels.
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
    context.close()


def test_an_area_lead_opens_their_dashboard_from_the_navigation(world: World, visit: Visit) -> None:
    generate(world, cases=30, seed=22)
    rollup.refresh()
    sign_in(visit, world.users["area_lead_a"])
    page = visit.page
    visit.follow(page.get_by_role("link", name="Performance").first)
    visit.check_accessibility()
    page.get_by_role("link", name=world.area_a.name, exact=True).click()
    # The click returns once navigation commits, before the page is drawn: expect() waits for the
    # heading (a bare is_visible() did not, and a fresh-clone run on PostgreSQL caught it early).
    expect(page.get_by_role("heading", name=world.area_a.name)).to_be_visible()
    page.wait_for_selector(".lt-chart__drawing svg, .lt-chart__drawing canvas")
    visit.check_accessibility()

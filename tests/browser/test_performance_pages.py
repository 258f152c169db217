"""The public transparency page in a wide and a narrow window, and an area lead's dashboard: charts drawn, axe clean."""

from __future__ import annotations

from typing import Any

import pytest

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
    assert page.get_by_role("heading", name="How well tracing is working").is_visible()
    assert page.get_by_text("fewer than 5").first.is_visible() or page.get_by_text("withheld").first.is_visible()
    page.wait_for_selector(".lt-chart__drawing svg, .lt-chart__drawing canvas")  # Vega drew the chart
    assert page.get_by_role("link", name="CSV").is_visible()
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
    page.get_by_role("link", name="Performance").first.click()
    visit.check_accessibility()
    page.get_by_role("link", name=world.area_a.name, exact=True).click()
    # is_visible() does not wait: the click returns once navigation commits, before the page is drawn
    # (a fresh-clone run on PostgreSQL caught it early). wait_for() waits for the heading, then fails
    # after the timeout if it never comes.
    page.get_by_role("heading", name=world.area_a.name).wait_for()
    assert page.get_by_role("heading", name=world.area_a.name).is_visible()
    page.wait_for_selector(".lt-chart__drawing svg, .lt-chart__drawing canvas")
    visit.check_accessibility()

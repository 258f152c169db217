"""A tracer follows a case to its transmission chain: the drawing, the list, and the area's chains; axe-clean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visit, sign_in
from tests.cases.test_chains_pages import build_chain
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_tracer_sees_a_cases_chain_drawn_and_listed(world: World, visit: Visit) -> None:
    chain = build_chain(world)
    second, third = chain["second"], chain["third"]
    sign_in(visit, world.users["tracer_a"])
    page = visit.page
    visit.goto(f"/cases/{second.pk}/")
    page.get_by_role("link", name="See this case's chain").click()
    page.get_by_role("heading", name=f"Transmission chain of {second.reference}").wait_for()
    # The drawing appears (Cytoscape draws on canvases inside it) beside the list.
    drawing = page.locator(".lt-chain-graph__drawing")
    drawing.locator("canvas").first.wait_for()
    assert drawing.bounding_box()["height"] >= 300  # type: ignore[index]
    expect(page.get_by_text(f"Possible: {second.reference} went to The Crown")).to_be_visible()
    visit.check_accessibility()

    page.get_by_role("link", name="all chains").click()
    page.get_by_role("heading", name="Transmission chains").wait_for()
    page.locator("[data-chart-spec] canvas").first.wait_for()
    expect(page.get_by_role("link", name=f"Chain from {world.case_a.reference}", exact=True)).to_be_visible()
    visit.check_accessibility()
    page.get_by_role("link", name=f"Chain from {world.case_a.reference}", exact=True).click()
    page.get_by_role("heading", name=f"Transmission chain of {world.case_a.reference}").wait_for()
    expect(page.locator(f"#chain-{third.reference}")).to_be_visible()


def test_the_chain_page_is_whole_without_javascript(world: World, browser: Any, live_server: Any) -> None:
    chain = build_chain(world)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    visit = Visit(context.new_page(), live_server.url)
    visit.page.set_default_timeout(20_000)
    try:
        # Signing in needs no JavaScript either.
        sign_in(visit, world.users["tracer_a"])
        page = visit.page
        visit.goto(f"/cases/{chain['first'].pk}/chain/")
        # No drawing without JavaScript, and the list says everything.
        expect(page.locator(".lt-chain-graph")).to_be_hidden()
        listed = page.locator(f"#chain-{chain['second'].reference}")
        assert "Named as a contact (lives with them" in listed.inner_text()
        expect(page.locator(f"#chain-{chain['third'].reference}")).to_be_visible()
        assert "Possible: " in page.locator(f"#chain-{chain['third'].reference}").inner_text()
        # axe runs on timers, which do not fire with JavaScript off; the first test checks this page with it.
    finally:
        context.close()


def test_a_wide_generation_wraps_instead_of_shrinking_the_drawing(world: World, visit: Visit) -> None:
    chain = build_chain(world)
    sign_in(visit, world.users["tracer_a"])
    visit.goto(f"/cases/{chain['first'].pk}/chain/")
    # The layout the page uses, given 30 first cases and 4 they infected, in a drawing 1,020 px wide (8 a row).
    layout = visit.page.evaluate(
        """async () => {
            const { layoutByGeneration } = await import('/static/localtrace/chains.mjs')
            const nodes = [...Array(30).keys()].map((i) => ({ id: `a${i}`, generation: 0 }))
              .concat([...Array(4).keys()].map((i) => ({ id: `b${i}`, generation: 1 })))
            const edges = [{ source: 'a29', target: 'b0' }, { source: 'a0', target: 'b1' }]
            return layoutByGeneration(nodes, edges, 1020)
        }"""
    )
    positions = layout["positions"]
    first_rows = sorted({p["y"] for key, p in positions.items() if key.startswith("a")})
    assert len(first_rows) == 4  # 30 cases, 8 a row
    assert all(sum(1 for p in positions.values() if p["y"] == y) <= 8 for y in first_rows)
    second_rows = {p["y"] for key, p in positions.items() if key.startswith("b")}
    assert len(second_rows) == 1 and min(second_rows) > max(first_rows)
    # Each case sits under the side its infector is on.
    assert positions["b1"]["x"] < positions["b0"]["x"]

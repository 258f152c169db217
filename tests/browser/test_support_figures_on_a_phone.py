"""The area lead's support figures fit a 375 px phone and pass axe."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from localtrace.support.services import close_request, record_attempt, record_needs
from tests.browser.conftest import Visit, sign_in
from tests.browser.test_pages_on_a_phone import wider_than_the_screen
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_support_figures_fit_a_phone(world: World, browser: Any, live_server: Any) -> None:
    asked = timezone.now() - dt.timedelta(hours=30)
    officer = world.users["support_a"]
    food, *_ = record_needs(world.case_a, ["food", "money", "wellbeing"], urgent=True, consent=True, at=asked)
    record_attempt(food, channel="phone", outcome="spoke", actor=officer, at=asked + dt.timedelta(hours=3))
    close_request(food, outcome="resolved", actor=officer)

    context = browser.new_context(viewport={"width": 375, "height": 740})
    visit = Visit(context.new_page(), live_server.url)
    sign_in(visit, world.users["area_lead_a"])
    visit.goto("/support/")
    visit.page.get_by_role("link", name="Support figures").click()
    visit.page.get_by_role("heading", name=world.area_a.name).wait_for()
    visit.check_accessibility()
    assert not wider_than_the_screen(visit.page)
    visit.page.get_by_label("The last 13 weeks").check()
    visit.page.get_by_role("button", name="Show").click()
    visit.page.wait_for_url("**/support/figures/?period=91")
    visit.check_accessibility()
    assert not wider_than_the_screen(visit.page)
    context.close()

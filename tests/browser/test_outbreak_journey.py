"""A team lead goes from a cluster alert to an outbreak with a note; a tracer meets the register as they type."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from localtrace.config import policy
from localtrace.places.clusters import store
from localtrace.places.detection import Rule, detect_on_database
from tests.browser.conftest import Visit, sign_in
from tests.personas import World
from tests.places.helpers import new_case, new_setting
from tests.places.helpers import visit as add_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_lead_promotes_a_cluster_alert_to_an_outbreak_and_adds_a_note(world: World, visit: Visit) -> None:
    crown = new_setting(world, "The Crown")
    for n in range(3):
        add_visit(new_case(world, address=f"{n} High St"), crown, dt.date(2020, 11, 12 + n))
    rule = Rule()
    store(detect_on_database(rule, dt.date(2020, 11, 1), dt.date(2020, 11, 20)), rule)

    sign_in(visit, world.users["lead_a"])
    page = visit.page
    expect(page.get_by_role("link", name="1 new cluster to review")).to_be_visible()
    visit.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Clusters (1)"))
    visit.check_accessibility()
    page.locator("tbody").get_by_role("link", name=re.compile("The Crown")).click()
    page.get_by_text("3 cases from 3 households visited The Crown, 12–14 Nov").first.wait_for()
    visit.check_accessibility()
    page.get_by_label("Name of the outbreak").fill("The Crown, November")
    page.get_by_role("button", name="Open outbreak").click()
    page.get_by_role("heading", name="The Crown, November").wait_for()
    expect(page.get_by_text("Outbreak opened from cluster")).to_be_visible()
    visit.check_accessibility()

    page.get_by_role("link", name="Add an action or note").click()
    page.get_by_label("Note", exact=True).check()
    page.get_by_label("What is it?").fill("Landlord will share the booking list")
    page.get_by_role("button", name="Add").click()
    page.get_by_text("Note added.").wait_for()
    expect(page.get_by_text("Note: Landlord will share the booking list")).to_be_visible()
    visit.check_accessibility()


def test_a_tracer_is_offered_the_register_as_they_type_a_place(world: World, visit: Visit) -> None:
    new_setting(world, "The Crown Inn")
    sign_in(visit, world.users["tracer_a"])
    page = visit.page
    visit.goto(f"/cases/{world.case_a.pk}/places/add/")
    page.get_by_label("Name of the place").press_sequentially("crown", delay=50)
    option = page.get_by_label("The Crown Inn, FX1 2AB (Pub, restaurant, café or hotel)")
    option.wait_for()
    visit.check_accessibility()
    option.check()
    day: Any = policy.backward_window(world.case_a.anchor_date).first
    page.locator("#id_visited_on_0").fill(str(day.day))
    page.locator("#id_visited_on_1").fill(str(day.month))
    page.locator("#id_visited_on_2").fill(str(day.year))
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("The Crown Inn added").wait_for()

"""A team lead works the possible-duplicate queue in the browser: compare, link, undo, keep apart."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from localtrace.people.models import DuplicateReview, Person
from tests.browser.conftest import Visit, sign_in
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pair(world: World, given: str, family: str, other_family: str) -> DuplicateReview:
    first = Person.objects.create(given_name=given, family_name=family, date_of_birth=dt.date(1986, 3, 9),
                                  postcode="FX1 1AB", phone="+447911123456")  # fmt: skip
    second = Person.objects.create(given_name=given, family_name=other_family, date_of_birth=dt.date(1986, 3, 9),
                                   postcode="FX1 1AB", phone="+447911123456")  # fmt: skip
    return DuplicateReview.objects.create(
        first=first, second=second, area=world.area_a, match_probability=0.93, match_weight=3.7,
        levels={"given_name": "exact", "family_name": "Jaro-Winkler ≥ 0.92", "date_of_birth": "exact"},
    )  # fmt: skip


def test_a_lead_links_a_pair_undoes_it_and_keeps_another_apart(world: World, visit: Visit) -> None:
    linked = pair(world, "Anna", "Kowalczyk", "Kowalcyzk")
    apart = pair(world, "Huw", "Jenkins", "Jenkinson")
    sign_in(visit, world.users["lead_a"])
    page = visit.page
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Duplicates").click()
    page.get_by_role("heading", name="Possible duplicates").wait_for()
    visit.check_accessibility()

    page.get_by_role("link", name=f"Compare pair {linked.pk}").click()
    page.get_by_role("heading", name=f"Compare pair {linked.pk}").wait_for()
    expect(page.get_by_role("row", name="Family name").get_by_text("Different")).to_be_visible()
    expect(page.get_by_role("row", name="Given name").get_by_text("Same")).to_be_visible()
    visit.check_accessibility()

    # No answer: the error summary, and nothing changes.
    page.get_by_role("button", name="Save decision").click()
    page.get_by_role("link", name="Select whether these records are the same person").wait_for()
    visit.check_accessibility()

    page.get_by_label("Yes, link them").check()
    page.get_by_role("button", name="Save decision").click()
    page.get_by_text("Linked:").first.wait_for()
    visit.check_accessibility()
    assert Person.objects.get(pk=linked.second_id).merged_into_id == linked.first_id

    page.get_by_role("button", name="Undo the link").click()
    page.get_by_text("Link undone").wait_for()
    assert Person.objects.get(pk=linked.second_id).merged_into_id is None

    visit.goto(f"/people/duplicates/{apart.pk}/")
    page.get_by_label("No, keep them apart").check()
    page.get_by_role("button", name="Save decision").click()
    page.get_by_text("Kept apart.").wait_for()
    visit.check_accessibility()
    apart.refresh_from_db()
    assert apart.status == DuplicateReview.Status.KEPT_APART

"""'Told to isolate': the household only when the tracer says so, never someone another tracer is working on, and once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from localtrace.cases.models import Status
from localtrace.contacts.models import Contact
from tests.contacts.helpers import household_member, one_held_by_the_lead_and_one_free, one_mine_and_one_lapsed, said
from tests.personas import World

pytestmark = pytest.mark.django_db


def status_of(contact: Contact) -> str:
    return Contact.objects.get(pk=contact.pk).status


def test_the_household_box_is_not_ticked_by_default(world: World, client_for: Callable[[str], Client]) -> None:
    household_member(world)
    page = client_for("tracer_a").get(reverse("contacts:contact-detail", args=[world.contact_a.pk])).content.decode()
    box = page[page.index('id="whole-household-complete"') - 100 : page.index('for="whole-household-complete"')]
    assert "checked" not in box


def test_without_the_box_only_the_contact_is_completed(world: World, client_for: Callable[[str], Client]) -> None:
    other = household_member(world)
    response = client_for("tracer_a").post(reverse("contacts:complete", args=[world.contact_a.pk]))
    assert status_of(world.contact_a) == Status.COMPLETED
    assert status_of(other) == Status.NEW
    assert "1 contact told to isolate and completed." in said(response)


def test_a_household_member_someone_else_holds_is_left_to_them_and_named(
    world: World, client_for: Callable[[str], Client]
) -> None:
    held, free = one_held_by_the_lead_and_one_free(world)
    response = client_for("tracer_a").post(
        reverse("contacts:complete", args=[world.contact_a.pk]), {"whole_household": "yes"}
    )
    assert status_of(world.contact_a) == Status.COMPLETED and status_of(free) == Status.COMPLETED
    assert status_of(held) == Status.NEW
    message = said(response)
    assert "2 contacts told to isolate and completed." in message
    assert f"Mali Morgan-Davies ({held.reference}), held by {world.users['lead_a'].full_name}" in message
    assert "someone else is working on it" in message


def test_household_members_the_tracer_holds_or_whose_hold_lapsed_are_completed(
    world: World, client_for: Callable[[str], Client]
) -> None:
    mine, lapsed = one_mine_and_one_lapsed(world)
    client_for("tracer_a").post(reverse("contacts:complete", args=[world.contact_a.pk]), {"whole_household": "yes"})
    assert {status_of(c) for c in (world.contact_a, mine, lapsed)} == {Status.COMPLETED}


def test_telling_a_closed_contact_again_says_so_and_changes_nothing(
    world: World, client_for: Callable[[str], Client]
) -> None:
    other = household_member(world)
    tracer = client_for("tracer_a")
    url = reverse("contacts:complete", args=[world.contact_a.pk])
    tracer.post(url, follow=True)  # its message shown
    events = world.contact_a.events.count()
    response = tracer.post(url, {"whole_household": "yes"})
    assert response["Location"] == reverse("contacts:contact-detail", args=[world.contact_a.pk])
    message = said(response)
    assert f"{world.contact_a.reference} is already closed: nothing was changed." in message
    assert "told to isolate and completed" not in message
    assert world.contact_a.events.count() == events
    assert status_of(other) == Status.NEW

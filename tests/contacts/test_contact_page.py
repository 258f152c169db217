"""The contact page tells the tracer what happens next, as the case page does: who is working on the contact,
the ladder's next step and when, or that they were reached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.models import Attempt
from localtrace.contacts.models import Contact
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_after_get_next_the_contact_page_says_you_are_working_on_it(
    world: World, client_for: Callable[[str], Client]
) -> None:
    Contact.objects.filter(pk=world.contact_a.pk).update(claimed_by=world.users["tracer_a"], claimed_at=timezone.now())
    page = client_for("tracer_a").get(f"/contacts/{world.contact_a.pk}/").content.decode()
    assert "You are working on this contact." in page


def test_the_contact_page_names_whoever_else_is_working_on_it(
    world: World, client_for: Callable[[str], Client]
) -> None:
    lead = world.users["lead_a"]
    Contact.objects.filter(pk=world.contact_a.pk).update(claimed_by=lead, claimed_at=timezone.now())
    page = client_for("tracer_a").get(f"/contacts/{world.contact_a.pk}/").content.decode()
    assert f"{lead.full_name} is working on this contact." in page
    assert "You are working on this contact." not in page


def test_after_a_failed_attempt_the_page_still_says_the_next_step_and_when(
    world: World, client_for: Callable[[str], Client]
) -> None:
    later_call = next(i for i, s in enumerate(ladder.ladder()) if i > 0 and s.kind == ladder.CALL)
    due = timezone.localtime(timezone.now() + dt.timedelta(hours=4)).replace(hour=15, minute=30)
    Contact.objects.filter(pk=world.contact_a.pk).update(ladder_step=later_call, next_step_at=due)
    Attempt.objects.create(
        contact=world.contact_a, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.NO_ANSWER,
        made_by=world.users["tracer_a"],
    )  # fmt: skip
    page = client_for("tracer_a").get(f"/contacts/{world.contact_a.pk}/").content.decode()
    assert f"Next step: {str(ladder.DESCRIPTIONS[ladder.CALL]).lower()}, from 15:30 on" in page


def test_a_reached_contact_page_says_the_ladder_has_stopped(world: World, client_for: Callable[[str], Client]) -> None:
    Contact.objects.filter(pk=world.contact_a.pk).update(reached_at=timezone.now())
    page = client_for("tracer_a").get(f"/contacts/{world.contact_a.pk}/").content.decode()
    assert "the ladder has stopped" in page and "Next step:" not in page


@pytest.mark.parametrize("page", ["symptoms", "transfer"])
def test_a_contacts_own_pages_lead_back_to_the_contact_by_its_reference(
    world: World, client_for: Callable[[str], Client], page: str
) -> None:
    contact = world.contact_a
    html = client_for("tracer_a").get(f"/contacts/{contact.pk}/{page}/").content.decode()
    assert f'<a href="/contacts/{contact.pk}/" class="govuk-back-link">Back to {contact.reference}</a>' in html

"""Recording an attempt: once per submission, and for the household only where nobody else is working."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.cases import investigation, ladder
from localtrace.cases.investigation import InvestigationError, record_attempt
from localtrace.cases.models import Attempt, Status
from localtrace.contacts.models import Contact
from localtrace.people.models import Person
from tests.contacts.helpers import household_member, one_held_by_the_lead_and_one_free, one_mine_and_one_lapsed, said
from tests.personas import World

pytestmark = pytest.mark.django_db


def callable_contact(world: World) -> Contact:
    """The persona's partner, with a phone number, waiting for the ladder's first call."""
    Person.objects.filter(pk=world.contact_a.person_id).update(phone="+447911123470")
    Contact.objects.filter(pk=world.contact_a.pk).update(ladder_step=0)
    return Contact.objects.get(pk=world.contact_a.pk)


def test_a_double_click_on_record_the_attempt_records_it_once_and_moves_the_ladder_one_step(
    world: World, client_for: Callable[[str], Client]
) -> None:
    contact = callable_contact(world)
    tracer = client_for("tracer_a")
    url = reverse("contacts:attempt", args=[contact.pk])
    for _ in range(2):
        assert tracer.post(url, {"channel": "phone", "outcome": "no_answer"}).status_code == 302
    contact = Contact.objects.get(pk=contact.pk)
    assert contact.attempts.count() == 1
    assert ladder.step(contact.ladder_step).kind == ladder.LINK  # the link is sent, not skipped
    assert contact.events.filter(kind="attempt").count() == 1


def test_the_same_attempt_again_is_returned_and_changes_nothing(world: World) -> None:
    contact, tracer = callable_contact(world), world.users["tracer_a"]
    first = record_attempt(contact, channel="phone", outcome="no_answer", actor=tracer)
    stored = Contact.objects.get(pk=contact.pk)
    again = record_attempt(Contact.objects.get(pk=contact.pk), channel="phone", outcome="no_answer", actor=tracer)
    assert again == first
    now = Contact.objects.get(pk=contact.pk)
    assert (now.ladder_step, now.next_step_at, now.status) == (stored.ladder_step, stored.next_step_at, stored.status)


@pytest.mark.parametrize(
    "second",
    [
        {"outcome": "voicemail"},  # another outcome
        {"actor": "lead_a"},  # another tracer
        {"later": dt.timedelta(seconds=31)},  # a call made again after half a minute
    ],
    ids=["another outcome", "another user", "half a minute later"],
)
def test_an_attempt_that_differs_is_a_new_attempt(world: World, second: dict[str, Any]) -> None:
    contact, tracer = callable_contact(world), world.users["tracer_a"]
    start = timezone.now()
    record_attempt(contact, channel="phone", outcome="no_answer", actor=tracer, at=start)
    record_attempt(
        Contact.objects.get(pk=contact.pk),
        channel="phone",
        outcome=second.get("outcome", "no_answer"),
        actor=world.users[second.get("actor", "tracer_a")],
        at=start + second.get("later", dt.timedelta(seconds=1)),
    )
    assert Contact.objects.get(pk=contact.pk).attempts.count() == 2


def test_the_same_attempt_after_another_one_is_a_new_attempt(world: World) -> None:
    contact, tracer = callable_contact(world), world.users["tracer_a"]
    for outcome in ("no_answer", "voicemail", "no_answer"):
        record_attempt(Contact.objects.get(pk=contact.pk), channel="phone", outcome=outcome, actor=tracer)
    assert Contact.objects.get(pk=contact.pk).attempts.count() == 3


def test_the_attempt_buttons_cannot_be_pressed_twice(world: World, client_for: Callable[[str], Client]) -> None:
    tracer = client_for("tracer_a")
    for page, action in (
        (reverse("contacts:contact-detail", args=[world.contact_a.pk]), reverse("contacts:attempt", args=[world.contact_a.pk])),
        (reverse("cases:case-detail", args=[world.case_a.pk]), reverse("cases:attempt", args=[world.case_a.pk])),
    ):  # fmt: skip
        html = tracer.get(page).content.decode()
        form = html[html.index(f'action="{action}"') : html.index("</form>", html.index(f'action="{action}"'))]
        assert '<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">' \
            "Record the attempt</button>" in form, page  # fmt: skip


def test_the_same_for_everyone_leaves_a_member_someone_else_holds_to_them_and_names_them(
    world: World, client_for: Callable[[str], Client]
) -> None:
    held, free = one_held_by_the_lead_and_one_free(world)
    response = client_for("tracer_a").post(
        reverse("contacts:attempt", args=[world.contact_a.pk]),
        {"channel": "phone", "outcome": "answered", "whole_household": "yes"},
    )
    assert Contact.objects.get(pk=held.pk).status == Status.NEW and not held.attempts.exists()
    assert Contact.objects.get(pk=held.pk).claimed_by == world.users["lead_a"]
    assert Contact.objects.get(pk=free.pk).status == Status.REACHED
    assert Contact.objects.get(pk=world.contact_a.pk).status == Status.REACHED
    assert said(response) == (
        f"Attempt recorded for 2 people. Not recorded, because someone else is working on it: Mali Morgan-Davies "
        f"({held.reference}), held by Lead A. Leave it to them."
    )


def test_the_same_for_everyone_takes_a_member_the_user_holds_or_whose_hold_lapsed(
    world: World, client_for: Callable[[str], Client]
) -> None:
    mine, lapsed = one_mine_and_one_lapsed(world)
    response = client_for("tracer_a").post(
        reverse("contacts:attempt", args=[world.contact_a.pk]),
        {"channel": "phone", "outcome": "answered", "whole_household": "yes"},
    )
    assert said(response) == "Attempt recorded for 3 people."
    assert {c.status for c in Contact.objects.filter(pk__in=[mine.pk, lapsed.pk])} == {Status.REACHED}


def test_the_same_for_everyone_records_all_of_them_or_none(
    world: World, client_for: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = household_member(world, "Mali")
    real = investigation.record_attempt

    def refusing_the_second(item: Any, **kwargs: Any) -> Attempt:
        if item.pk == other.pk:
            raise InvestigationError("This contact is closed.")
        return real(item, **kwargs)

    monkeypatch.setattr(investigation, "record_attempt", refusing_the_second)
    response = client_for("tracer_a").post(
        reverse("contacts:attempt", args=[world.contact_a.pk]),
        {"channel": "phone", "outcome": "answered", "whole_household": "yes"},
    )
    assert said(response) == "This contact is closed."
    assert not Attempt.objects.exists()
    assert Contact.objects.get(pk=world.contact_a.pk).status == Status.NEW

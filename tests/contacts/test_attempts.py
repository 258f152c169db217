"""Recording an attempt: once per submission, and for the household only where nobody else is working."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.audit.models import AuditEvent
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
    # The refusal is the form's error, in the page's error summary, with the answers as sent.
    assert response.status_code == 200 and said(response) == ""
    html = response.content.decode()
    assert "There is a problem" in error_summary(html) and "This contact is closed." in error_summary(html)
    assert checked(html, "channel", "phone") and checked(html, "outcome", "answered")
    assert 'id="whole-household-attempt" name="whole_household" type="checkbox" value="yes" checked' in html
    assert not Attempt.objects.exists()
    assert Contact.objects.get(pk=world.contact_a.pk).status == Status.NEW


# A form sent with mistakes: the contact's page again, as the case page's form does, not a banner and a blank form.


def error_summary(html: str) -> str:
    start = html.index('<div class="govuk-error-summary"')
    return html[start : html.index("</ul>", start)]


def checked(html: str, name: str, value: str) -> bool:
    """Whether the radio button for `value` of question `name` is the one chosen."""
    return re.search(rf'<input[^>]* name="{name}"[^>]* value="{value}" checked[ >]', html) is not None


def title(html: str) -> str:
    return html[html.index("<title>") + len("<title>") : html.index("</title>")]


def test_an_empty_attempt_shows_the_contact_page_again_with_the_problems_and_records_nothing(
    world: World, client_for: Callable[[str], Client]
) -> None:
    contact = callable_contact(world)
    views_before = AuditEvent.objects.filter(action="view", object_id=str(contact.pk)).count()
    response = client_for("tracer_a").post(reverse("contacts:attempt", args=[contact.pk]), {})
    assert response.status_code == 200 and said(response) == ""
    html = response.content.decode()
    assert title(html).startswith(f"Error: {contact.reference} – ")
    summary = error_summary(html)
    assert '<a href="#id_channel_0">Choose how you tried to reach them</a>' in summary
    assert '<a href="#id_outcome_0">Choose what happened</a>' in summary
    assert '<p id="id_channel-error" class="govuk-error-message">' in html
    assert '<p id="id_outcome-error" class="govuk-error-message">' in html
    assert 'id="id_channel_0"' in html and 'id="id_outcome_0"' in html  # what the summary links to
    assert contact.person.full_name in html  # the contact's page, not a page of its own
    assert not Attempt.objects.exists()
    assert Contact.objects.get(pk=contact.pk).ladder_step == contact.ladder_step
    # Shown again, it is a read of their record, as the page it used to send the tracer back to was.
    assert AuditEvent.objects.filter(action="view", object_id=str(contact.pk)).count() == views_before + 1


def test_a_doorstep_outcome_for_a_phone_call_is_an_error_on_the_outcome_and_keeps_what_was_typed(
    world: World, client_for: Callable[[str], Client]
) -> None:
    contact = callable_contact(world)
    response = client_for("tracer_a").post(
        reverse("contacts:attempt", args=[contact.pk]),
        {"channel": "phone", "outcome": "nobody_home", "note": "Rang twice"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert title(html).startswith("Error: ")
    problem = "“Nobody at home” does not happen on a phone call. Choose what happened"
    assert f'<a href="#id_outcome_0">{problem}</a>' in error_summary(html)
    assert (
        f'<p id="id_outcome-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {problem}</p>'
        in html
    )
    assert "id_channel-error" not in html
    assert checked(html, "channel", "phone") and checked(html, "outcome", "nobody_home")
    assert '<input type="text" name="note" value="Rang twice"' in html
    assert not Attempt.objects.exists()
    assert not contact.events.filter(kind="attempt").exists()


def test_an_attempt_sent_whole_is_still_recorded_and_goes_back_to_the_contact_page(
    world: World, client_for: Callable[[str], Client]
) -> None:
    contact = callable_contact(world)
    response = client_for("tracer_a").post(
        reverse("contacts:attempt", args=[contact.pk]),
        {"channel": "phone", "outcome": "no_answer", "note": "Rang twice"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("contacts:contact-detail", args=[contact.pk])
    assert said(response) == "Attempt recorded for 1 person."
    (made,) = Attempt.objects.filter(contact=contact)
    assert (made.channel, made.outcome, made.note) == ("phone", "no_answer", "Rang twice")
    page = client_for("tracer_a").get(response["Location"]).content.decode()
    assert "govuk-error-summary" not in page and not title(page).startswith("Error: ")

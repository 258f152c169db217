"""A contact whose person tests positive (after being named, or before) is closed as having become a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.cases.escalation import advance_due
from localtrace.cases.investigation import complete
from localtrace.cases.models import Case, Status
from localtrace.cases.services import close_contact_now_a_case
from localtrace.contacts.models import Contact
from localtrace.messaging.models import Message
from localtrace.people.models import Person
from tests.cases.test_source_links import days_ago, intake, name, name_siân, positive
from tests.personas import World, make_case


def today() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return timezone.localdate()


def test_a_named_contact_who_tests_positive_leaves_the_queue_as_having_become_a_case(world: World) -> None:
    contact = name_siân(world, world.case_a, days_ago(1))
    # Held by a tracer, with the ladder's next step waiting and a text waiting to go.
    Contact.objects.filter(pk=contact.pk).update(
        status=Status.IN_PROGRESS, ladder_step=2, next_step_at=timezone.now() + dt.timedelta(hours=4),
        claimed_by=world.users["tracer_a"], claimed_at=timezone.now(),
    )  # fmt: skip
    waiting = Message.objects.create(
        channel=Message.Channel.SMS, recipient="+447911123456", body="Your link", person_id=contact.person_id,
        contact=contact, area=world.area_a,
    )  # fmt: skip

    new_case = intake(specimen_date=today().isoformat(), result_date=today().isoformat())

    assert new_case.person_id == contact.person_id
    contact.refresh_from_db()
    assert contact.status == Status.BECAME_CASE and not contact.is_open
    assert contact.get_status_display() == "Became a case"
    assert contact.closed_at is not None and contact.next_step_at is None
    assert contact.claimed_by is None
    assert contact.outcome_note == f"Tested positive: now case {new_case.reference}"
    assert contact.events.get(kind="became_case").summary == (
        f"Tested positive: now case {new_case.reference}. No longer followed up as a contact: their isolation and "
        "advice are the case's."
    )
    waiting.refresh_from_db()
    assert waiting.status == Message.Status.WITHHELD
    # The ladder has stopped: days later, nothing more happens to them.
    events = contact.events.count()
    advance_due(at=timezone.now() + dt.timedelta(days=3))
    contact.refresh_from_db()
    assert contact.status == Status.BECAME_CASE
    assert contact.events.count() == events


def test_naming_someone_who_is_already_a_case_closes_the_new_contact(world: World) -> None:
    # As in the demo (K1354): ill before they met, so not infected by the case that named them, but a case.
    already = positive(world, "Owain", specimen=days_ago(1), onset=days_ago(3))
    contact = name(world, world.case_a, already.person, days_ago(3))
    already.refresh_from_db()
    assert already.source_contact is None
    contact.refresh_from_db()
    assert contact.status == Status.BECAME_CASE
    assert list(contact.events.values_list("kind", flat=True)) == ["named", "became_case"]
    assert contact.events.get(kind="became_case").summary.startswith(f"Tested positive: now case {already.reference}.")
    assert contact.events.get(kind="became_case").actor == world.users["tracer_a"]


def test_naming_someone_who_tested_positive_after_they_met_links_and_closes_the_contact(world: World) -> None:
    later = positive(world, "Owain", specimen=days_ago(1))
    contact = name(world, world.case_a, later.person, days_ago(3))
    later.refresh_from_db()
    assert later.source_contact == contact
    contact.refresh_from_db()
    assert contact.status == Status.BECAME_CASE
    assert contact.outcome_note == f"Tested positive: now case {later.reference}"


def test_a_contact_already_told_to_isolate_hears_of_the_case_but_stays_completed(world: World) -> None:
    contact = name_siân(world, world.case_a, days_ago(1))
    complete(contact, actor=world.users["tracer_a"], summary="Told to isolate")
    new_case = intake(specimen_date=today().isoformat(), result_date=today().isoformat())
    contact.refresh_from_db()
    assert contact.status == Status.COMPLETED
    assert contact.events.get(kind="became_case").summary == f"Tested positive: now case {new_case.reference}."


def test_someone_whose_isolation_as_a_case_ended_before_they_met_is_followed_up_as_a_contact(world: World) -> None:
    long_ago = positive(world, "Owain", specimen=days_ago(20))
    contact = name(world, world.case_a, long_ago.person, days_ago(3))
    assert contact.person_id == long_ago.person_id
    contact.refresh_from_db()
    assert contact.is_open
    assert not contact.events.filter(kind="became_case").exists()


def test_a_contact_hears_of_their_case_once(world: World) -> None:
    later = positive(world, "Owain", specimen=days_ago(1))
    contact = name(world, world.case_a, later.person, days_ago(3))
    assert not close_contact_now_a_case(contact, later)
    assert contact.events.filter(kind="became_case").count() == 1


def test_the_contact_page_says_they_are_a_case_now_and_links_to_the_case(
    world: World, client_for: Callable[[str], Client]
) -> None:
    already = positive(world, "Owain", specimen=days_ago(1), onset=days_ago(3))
    contact = name(world, world.case_a, already.person, days_ago(3))
    html = client_for("tracer_a").get(reverse("contacts:contact-detail", args=[contact.pk])).content.decode()
    link = reverse("cases:case-detail", args=[already.pk])
    assert (
        f'They tested positive: now case <a class="govuk-notification-banner__link" href="{link}">{already.reference}</a>'
        in html
    )
    assert "this contact record is closed" in html
    assert "Became a case" in html
    assert f"Tested positive: now case {already.reference}." in html  # the timeline
    # No contact's advice, and nothing left to do for them as a contact.
    assert 'govuk-!-font-weight-bold">Isolate until' not in html
    assert reverse("contacts:attempt", args=[contact.pk]) not in html


def test_a_case_in_another_area_is_named_on_the_contact_page_without_a_link(
    world: World, client_for: Callable[[str], Client]
) -> None:
    elsewhere, _ = make_case(world.area_b, world.submission, specimen_id="IN-B")
    Person.objects.filter(pk=elsewhere.person_id).update(
        given_name="Owain", date_of_birth=dt.date(1990, 6, 1), match_key=Person.key_for("Owain", "Morgan-Davies")
    )
    Case.objects.filter(pk=elsewhere.pk).update(specimen_date=days_ago(1))
    contact = name(world, world.case_a, elsewhere.person, days_ago(3))
    assert contact.area_id == world.area_a.pk
    html = client_for("tracer_a").get(reverse("contacts:contact-detail", args=[contact.pk])).content.decode()
    assert f"They tested positive: now case {elsewhere.reference}." in html
    assert reverse("cases:case-detail", args=[elsewhere.pk]) not in html


def test_naming_someone_who_is_already_a_case_says_so_and_gives_no_contacts_isolation(
    world: World, client_for: Callable[[str], Client]
) -> None:
    already = positive(world, "Owain", specimen=days_ago(1), onset=days_ago(3))
    person, met = already.person, days_ago(3)
    response = client_for("tracer_a").post(
        reverse("cases:contact-add", args=[world.case_a.pk]),
        {"kind": "close", "given_name": person.given_name, "family_name": person.family_name,
         "date_of_birth_0": person.date_of_birth.day, "date_of_birth_1": person.date_of_birth.month,
         "date_of_birth_2": person.date_of_birth.year, "postcode": person.postcode,
         "last_exposure_0": met.day, "last_exposure_1": met.month, "last_exposure_2": met.year},
    )  # fmt: skip
    contact = Contact.objects.get(case=world.case_a, person=person)
    assert contact.status == Status.BECAME_CASE
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert f"They are already case {already.reference}: the case's isolation dates and advice apply" in said
    assert "must isolate" not in said

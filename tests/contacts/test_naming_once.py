"""A contact is named once: Save pressed twice, or two submits that overlap, do not make two contacts and two people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.cases.investigation import InvestigationError
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.people.models import Person
from tests.personas import World, build_world
from tests.support.test_at_the_same_moment import while_the_first_is_open


def owain(**details: object) -> dict[str, object]:
    today = timezone.localdate()
    return {"kind": "close", "given_name": "Owain", "family_name": "Pugh", "last_exposure_0": today.day,
            "last_exposure_1": today.month, "last_exposure_2": today.year, **details}  # fmt: skip


def named_owain(world: World, **details: object) -> Contact:
    return name_contact(
        world.case_a,
        NamedContact("Owain", "Pugh", "close", timezone.localdate(), **details),  # type: ignore[arg-type]
        actor=world.users["tracer_a"],
    )


@pytest.mark.django_db
def test_saving_the_same_contact_twice_names_them_once(world: World, client_for: Callable[[str], Client]) -> None:
    tracer = client_for("tracer_a")
    url = reverse("cases:contact-add", args=[world.case_a.pk])
    assert tracer.post(url, owain()).status_code == 302
    again = tracer.post(url, owain())
    assert again.status_code == 200
    first = Contact.objects.get(case=world.case_a, person__family_name="Pugh")
    assert f"Owain Pugh is already a contact of this case ({first.reference})" in again.content.decode()
    assert Person.objects.filter(family_name="Pugh").count() == 1


@pytest.mark.django_db
def test_a_namesake_is_refused_whatever_the_case_of_the_letters_and_the_spaces(world: World) -> None:
    named_owain(world, phone="07911 123470")
    with pytest.raises(InvestigationError, match="already a contact of this case"):
        name_contact(world.case_a, NamedContact(" owain ", "PUGH", "close", timezone.localdate()),
                     actor=world.users["tracer_a"])  # fmt: skip
    assert Contact.objects.filter(case=world.case_a, person__family_name="Pugh").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "first, second",
    [
        ({"phone": "07911 123470"}, {"phone": "07911 123471"}),
        ({"date_of_birth": dt.date(1962, 5, 1)}, {"date_of_birth": dt.date(1994, 8, 20)}),
    ],
    ids=["another phone number", "another date of birth"],
)
def test_someone_of_the_same_name_told_apart_by_a_phone_number_or_a_date_of_birth_is_named(
    world: World, first: dict[str, object], second: dict[str, object]
) -> None:
    named_owain(world, **first)
    named_owain(world, **second)  # a father and son, say
    assert Contact.objects.filter(case=world.case_a, person__family_name="Pugh").count() == 2


@pytest.mark.django_db
def test_the_naming_form_cannot_be_sent_twice_by_a_double_click(
    world: World, client_for: Callable[[str], Client]
) -> None:
    url = reverse("cases:contact-add", args=[world.case_a.pk])
    page = client_for("tracer_a").get(url).content.decode()
    start = page.index(f'<form method="post" action="{url}"')
    form = page[start : page.index("</form>", start)]
    buttons = form.split("<button")[1:]
    assert len(buttons) == 2  # "Save" and "Save and add another"
    assert all('data-prevent-double-click="true"' in button for button in buttons)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_submits_name_one_contact() -> None:
    world = build_world()

    def submit() -> Contact:
        return named_owain(world, phone="07911 123470")

    # The second waits for the first's lock on the case, then finds the contact it named.
    outcome = while_the_first_is_open(submit, submit)

    assert Contact.objects.filter(case=world.case_a, person__family_name="Pugh").count() == 1
    assert Person.objects.filter(family_name="Pugh").count() == 1
    assert isinstance(outcome.get("error"), InvestigationError), outcome
    assert "already a contact of this case" in str(outcome["error"])

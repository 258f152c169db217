"""A named contact's phone number is checked and stored as E.164, as intake and the portal store it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.cases.investigation import InvestigationError
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.people.search import find
from tests.personas import World

pytestmark = pytest.mark.django_db


def add_contact(client: Client, world: World, phone: str) -> tuple[int, str]:
    today = timezone.localdate()
    response = client.post(
        reverse("cases:contact-add", args=[world.case_a.pk]),
        {"kind": "close", "given_name": "Owain", "family_name": "Pugh", "phone": phone,
         "last_exposure_0": today.day, "last_exposure_1": today.month, "last_exposure_2": today.year},
    )  # fmt: skip
    return response.status_code, response.content.decode()


def test_a_phone_number_typed_with_spaces_is_stored_as_e164_and_found_by_any_form_of_it(
    world: World, client_for: Callable[[str], Client]
) -> None:
    status, _ = add_contact(client_for("tracer_a"), world, "07911 123 470")
    assert status == 302
    contact = Contact.objects.get(case=world.case_a, person__family_name="Pugh")
    assert contact.person.phone == "+447911123470"
    for typed in ("+447911123470", "07911 123470"):
        assert contact.reference in [f.item.reference for f in find(world.users["tracer_a"], typed)], typed


def test_a_phone_number_that_is_not_one_is_a_field_error_and_saves_nothing(
    world: World, client_for: Callable[[str], Client]
) -> None:
    status, page = add_contact(client_for("tracer_a"), world, "abc")
    assert status == 200
    assert "Enter a phone number, like 07123 456789" in page and 'href="#id_phone"' in page
    assert not Contact.objects.filter(person__family_name="Pugh").exists()


def test_naming_a_contact_by_any_door_refuses_a_phone_number_that_is_not_one(world: World) -> None:
    with pytest.raises(InvestigationError, match="Enter a phone number"):
        name_contact(
            world.case_a,
            NamedContact("Owain", "Pugh", "close", timezone.localdate() - dt.timedelta(days=1), phone="07911 555123"),
            actor=world.users["tracer_a"],
        )
    assert not Contact.objects.filter(person__family_name="Pugh").exists()
    contact = name_contact(
        world.case_a,
        NamedContact("Owain", "Pugh", "close", timezone.localdate(), phone="+44 (0)7911 123470"),
        actor=world.users["tracer_a"],
    )
    assert contact.person.phone == "+447911123470"

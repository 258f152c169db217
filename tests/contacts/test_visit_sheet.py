"""A contact on the ladder's doorstep step gets a printable visit sheet, as a case does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.cases import ladder
from localtrace.contacts.models import Contact
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_a_contact_at_the_doorstep_step_has_a_visit_sheet_in_a_contacts_words(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    contact = world.contact_a
    doorstep = next(i for i, s in enumerate(ladder.ladder()) if s.kind == ladder.DOORSTEP)
    Contact.objects.filter(pk=contact.pk).update(ladder_step=doorstep)
    contact.person.phone = "+447723714500"
    contact.person.save()
    client = client_for("tracer_a")
    sheet_url = reverse("contacts:visit-sheet", args=[contact.pk])
    page = client.get(reverse("contacts:contact-detail", args=[contact.pk])).content.decode()
    assert f'href="{sheet_url}">Print the visit sheet</a>' in page
    sheet = client.get(sheet_url).content.decode()
    assert f"Doorstep visit: contact {contact.reference}" in sheet
    assert "were close to someone who tested positive (do not say who)" in sheet and "they tested positive" not in sheet
    assert "Check the phone number we hold, 07723 714500" in sheet  # not "ask for a phone number"
    assert "Record it on the contact afterwards" in sheet
    assert AuditEvent.objects.filter(
        action="export", object_type="contacts.contact", object_id=str(contact.pk)
    ).exists()


def test_a_contact_not_yet_at_the_doorstep_step_is_offered_no_sheet(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("tracer_a").get(reverse("contacts:contact-detail", args=[world.contact_a.pk])).content.decode()
    assert "Print the visit sheet" not in page

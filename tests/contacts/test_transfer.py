"""Transferring a contact to the area where they live, as a case is transferred."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from localtrace.cases.models import Transfer
from localtrace.contacts.models import Contact
from tests.personas import World

pytestmark = pytest.mark.django_db


def transfer_url(world: World) -> str:
    return reverse("contacts:transfer", args=[world.contact_a.pk])


@pytest.mark.parametrize("persona", ["tracer_a", "lead_a"])
def test_a_tracer_or_team_lead_transfers_a_contact_and_the_sending_area_loses_access(
    world: World, client_for: Callable[[str], Client], persona: str
) -> None:
    client = client_for(persona)
    response = client.post(transfer_url(world), {"to_area": world.area_b.pk, "reason": "Lives in Southmoor"})
    assert response.status_code == 302 and response["Location"] == reverse("contacts:queue")
    contact = Contact.objects.get(pk=world.contact_a.pk)
    assert contact.area == world.area_b and contact.claimed_by is None
    moved = Transfer.objects.get(contact=contact)
    assert (moved.from_area, moved.to_area, moved.transferred_by) == (world.area_a, world.area_b, world.users[persona])
    assert client.get(reverse("contacts:contact-detail", args=[contact.pk])).status_code == 404
    page = client_for("tracer_b").get(reverse("contacts:contact-detail", args=[contact.pk])).content.decode()
    assert "Transferred from Northshire to Southmoor: Lives in Southmoor" in page


@pytest.mark.parametrize("persona", ["tracer_b", "surge_idle", "support_a"])
def test_someone_outside_the_contacts_area_gets_not_found_and_nothing_changes(
    world: World, client_for: Callable[[str], Client], persona: str
) -> None:
    client = client_for(persona)
    assert client.get(transfer_url(world)).status_code == 404
    response = client.post(transfer_url(world), {"to_area": world.area_b.pk, "reason": "Lives in Southmoor"})
    assert response.status_code == 404
    assert Contact.objects.get(pk=world.contact_a.pk).area == world.area_a
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    "data, error",
    [
        ({"to_area": "", "reason": "Moved"}, "Choose the area to transfer to"),
        ({"reason": "Moved"}, "Choose the area to transfer to"),
        ({"to_area": "own", "reason": "Moved"}, "Select a valid choice"),  # the area that owns it
        ({"to_area": "district", "reason": "Moved"}, "Select a valid choice"),  # not an upper-tier council
        ({"to_area": "999999", "reason": "Moved"}, "Select a valid choice"),
        ({"to_area": "other", "reason": ""}, "Enter why it is being transferred"),
    ],
    ids=["no area", "area missing", "same area", "a district", "no such area", "no reason"],
)
def test_a_transfer_with_bad_answers_changes_nothing(
    world: World, client_for: Callable[[str], Client], data: dict[str, str], error: str
) -> None:
    areas = {"own": world.area_a.pk, "district": world.district_b.pk, "other": world.area_b.pk}
    posted = {key: str(areas.get(value, value)) for key, value in data.items()}
    response = client_for("tracer_a").post(transfer_url(world), posted)
    assert response.status_code == 200 and error in response.content.decode()
    assert Contact.objects.get(pk=world.contact_a.pk).area == world.area_a
    assert not Transfer.objects.exists()
    assert not world.contact_a.events.filter(kind="transferred").exists()


def test_the_contact_page_links_to_the_transfer_while_the_contact_is_open(
    world: World, client_for: Callable[[str], Client]
) -> None:
    page = client_for("tracer_a").get(reverse("contacts:contact-detail", args=[world.contact_a.pk]))
    assert f'href="{transfer_url(world)}">Transfer to another area</a>' in page.content.decode()
    form = client_for("tracer_a").get(transfer_url(world)).content.decode()
    assert "Transfer to another area" in form and "Southmoor" in form
    assert f'<option value="{world.area_a.pk}"' not in form  # not the area that owns it


def test_opening_the_transfer_page_which_shows_their_name_is_audited_as_a_read(
    world: World, client_for: Callable[[str], Client]
) -> None:
    from localtrace.audit.models import AuditEvent

    page = client_for("tracer_a").get(transfer_url(world)).content.decode()
    assert world.contact_a.person.full_name in page
    viewed = AuditEvent.objects.get(
        action="view", object_type="contacts.contact", object_id=str(world.contact_a.pk), detail__page="transfer"
    )
    assert viewed.actor == world.users["tracer_a"] and viewed.area == world.area_a

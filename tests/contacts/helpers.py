"""Shared by the contact tests: household members of the personas' case, and what a page told the user."""

from __future__ import annotations

import datetime as dt

from django.contrib.messages import get_messages
from django.utils import timezone

from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from tests.personas import World


def household_member(world: World, given_name: str = "Mali") -> Contact:
    """Someone else in the home of the personas' case, named today."""
    return name_contact(
        world.case_a,
        NamedContact(given_name, "Morgan-Davies", "household", timezone.localdate()),
        actor=world.users["tracer_a"],
    )


def one_held_by_the_lead_and_one_free(world: World) -> tuple[Contact, Contact]:
    """Two more household members: Mali, whom the team lead holds now, and Ifan, whom nobody holds."""
    held, free = household_member(world, "Mali"), household_member(world, "Ifan")
    Contact.objects.filter(pk=held.pk).update(claimed_by=world.users["lead_a"], claimed_at=timezone.now())
    return held, free


def one_mine_and_one_lapsed(world: World) -> tuple[Contact, Contact]:
    """Two more household members: Mali, whom tracer A holds, and Ifan, whose hold by the team lead has lapsed."""
    from localtrace.cases.models import claim_lapses_after

    mine, lapsed = household_member(world, "Mali"), household_member(world, "Ifan")
    Contact.objects.filter(pk=mine.pk).update(claimed_by=world.users["tracer_a"], claimed_at=timezone.now())
    Contact.objects.filter(pk=lapsed.pk).update(
        claimed_by=world.users["lead_a"], claimed_at=timezone.now() - claim_lapses_after() - dt.timedelta(minutes=1)
    )
    return mine, lapsed


def said(response) -> str:  # type: ignore[no-untyped-def]
    """The flash messages the response set, as one text."""
    return " ".join(str(m) for m in get_messages(response.wsgi_request))

"""Isolation notes: issued to the person through their link, verified by staff by reference."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.http import HttpRequest

from localtrace.audit.services import Action, record
from localtrace.cases.events import note as timeline_note
from localtrace.config import policy
from localtrace.contacts.services import case_they_became
from localtrace.portal.models import IsolationNote, PortalLink

# No 0/O, 1/I/L: a reference is read out over the phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"N-{chars[:4]}-{chars[4:]}"


def normalise_reference(text: str) -> str:
    compact = "".join(c for c in text.upper() if c.isalnum())
    compact = compact.removeprefix("N")
    return f"N-{compact[:4]}-{compact[4:]}" if len(compact) == 8 else ""


@transaction.atomic
def issue_note(link: PortalLink, *, request: HttpRequest) -> IsolationNote:
    """The note for the link's current isolation dates; the same note again while they have not changed."""
    item = link.item
    if link.case_id:
        case = link.case
        first, last = case.anchor_date, policy.case_isolation_ends_on(case.anchor_date)  # type: ignore[union-attr]
    else:
        contact = link.contact
        first, last = contact.last_exposure, contact.isolation_ends_on  # type: ignore[union-attr]
        became = case_they_became(contact)  # type: ignore[arg-type]
        if became is not None:
            # They isolated as a contact, then as a case: the note covers both, to the case's last day, so an
            # employer is not told they were due back while their isolation as a case still ran.
            last = max(last, policy.case_isolation_ends_on(became.anchor_date))
    existing = IsolationNote.objects.filter(link=link, isolate_from=first, isolate_until=last).first()
    if existing is not None:
        record(Action.EXPORT, request=request, obj=existing, area=item.area, detail={"portal": "isolation note"})  # type: ignore[attr-defined]
        return existing
    reference = new_reference()
    while IsolationNote.objects.filter(reference=reference).exists():
        reference = new_reference()
    note = IsolationNote.objects.create(
        reference=reference, link=link, person=link.person, case=link.case, contact=link.contact,
        isolate_from=first, isolate_until=last,
    )  # fmt: skip
    record(Action.CREATE, request=request, obj=note, area=item.area, detail={"portal": "isolation note"})  # type: ignore[attr-defined]
    timeline_note(item, "isolation_note", f"Isolation note {reference} issued online", request=request)
    return note

"""Correcting a person's details: a tracer learns a new number on a call, a misspelt name, a new address.

One person has one set of details, whichever case or contact record a tracer opens, so a change reaches
every record of theirs. The change is written to the timeline of the record it was made from (the names
of the fields, not their values) and to the audit trail. A form opened before someone else's change is
refused rather than allowed to overwrite it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from localtrace.audit.services import Action, record
from localtrace.people.models import Person

# Field → how the timeline names it.
FIELDS = {
    "given_name": "given name",
    "family_name": "family name",
    "date_of_birth": "date of birth",
    "address_line_1": "address",
    "postcode": "postcode",
    "phone": "phone number",
    "email": "e-mail address",
    "preferred_language": "language for messages",
}


class DetailsError(Exception):
    """A change that cannot be made; the message says why in plain English."""


def fingerprint(person: Person) -> str:
    """A digest of the details as a form showed them, to tell whether they changed since."""
    text = "\x1f".join(str(getattr(person, name) or "") for name in FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def change_details(
    person: Person,
    details: dict[str, Any],
    *,
    seen: str,
    item: Any,
    request: HttpRequest | None = None,
    actor: Any = None,
) -> list[str]:
    """Save the details that differ, and say which (their timeline names). `seen` is the form's fingerprint."""
    from localtrace.cases.events import note

    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        if current.erased_at is not None:
            raise DetailsError("Their details were erased at the end of the retention period; they cannot be changed.")
        if fingerprint(current) != seen:
            raise DetailsError(
                "Someone else changed these details since you opened this page. Check them as they are now, "
                "then make your change again."
            )
        changed = [name for name in FIELDS if name in details and details[name] != getattr(current, name)]
        if not changed:
            return []
        for name in changed:
            setattr(current, name, details[name])
        current.save()  # save() rebuilds the matching keys from the new names, date of birth and postcode
        labels = [FIELDS[name] for name in changed]
        note(item, "details_changed", "Details changed: " + ", ".join(labels), request=request, actor=actor)
        # The audit trail holds which fields changed, never their values.
        record(Action.CHANGE, request=request, actor=actor, obj=current, area=item.area, detail={"fields": changed})
    person.refresh_from_db()
    return labels

"""Finding someone's case or contact record: a call comes in, a GP rings, a person calls back a missed number.

A tracer types what they were told: a reference (C123, K45), an NHS number, a phone number, an e-mail
address, or a name (with a date of birth, a single name is enough). Every lookup is an equality on an
indexed column, so a search costs the same however many people the store holds. Only cases and contacts
the user may see come back, through the access module: a person with no record in the user's areas is
not found at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from localtrace.people.models import Person
from localtrace.people.names import name_key

# Records a search shows at most, the newest first.
MAX_RECORDS = 50

_REFERENCE = re.compile(r"^\s*([CK])\s*(\d{1,12})\s*$", re.IGNORECASE)
_DIGITS_AND_SPACES = re.compile(r"^[\d\s]+$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{6,}$")


class SearchError(ValueError):
    """The words cannot be searched for; the message says what to type instead."""


@dataclass(frozen=True)
class Found:
    item: Any  # a Case or a Contact
    kind: str  # "case" or "contact"
    why: str

    @property
    def person(self) -> Person:
        return self.item.person  # type: ignore[no-any-return]


def _name_keys(words: list[str]) -> list[str]:
    """ "given|family" keys for every way of splitting the words in two, in either order."""
    keys = []
    for split in range(1, len(words)):
        first, last = name_key(" ".join(words[:split])), name_key(" ".join(words[split:]))
        if first and last:
            keys += [f"{first}|{last}", f"{last}|{first}"]
    return keys


def people_matching(text: str, date_of_birth: dt.date | None) -> tuple[Q, str]:
    """The condition on Person for what was typed, and how it was read."""
    from localtrace.results.validation import nhs_number_is_valid, normalise_phone

    text = " ".join(text.split())
    if not text:
        raise SearchError("Enter a name, a phone number, an NHS number, an e-mail address or a reference")
    digits = text.replace(" ", "")
    if _DIGITS_AND_SPACES.match(text) and len(digits) == 10 and nhs_number_is_valid(digits):
        return Q(nhs_number=digits), "NHS number"
    if "@" in text:
        return Q(email=text.lower()), "e-mail address"
    if _PHONE_LIKE.match(text):
        # A number typed in full international form is looked up as typed, even where the numbering plan
        # does not know it (stored numbers came through the same check, but plans change).
        compact = re.sub(r"[\s().-]", "", text)
        phone = normalise_phone(text) or (compact if compact.startswith("+") else "")
        if not phone:
            raise SearchError(f"“{text}” is not a phone number or an NHS number we recognise")
        return Q(phone=phone), "phone number"
    words = text.split(" ")
    condition = Q(pk__in=[])
    if len(words) >= 2:
        keys = _name_keys(words)
        condition |= Q(match_key__in=keys, **({"date_of_birth": date_of_birth} if date_of_birth else {}))
    elif date_of_birth is None:
        raise SearchError("Enter their full name, or a name and their date of birth")
    if date_of_birth is not None:
        # Any run of the words may be one name: "St John", "Morgan Davies".
        runs = {
            name_key(" ".join(words[i:j])) for i in range(len(words)) for j in range(i + 1, min(len(words), i + 4) + 1)
        }
        parts = sorted(k for k in runs if k)
        born = date_of_birth.isoformat()
        condition |= Q(block_family_dob__in=[f"{p}|{born}" for p in parts])
        condition |= Q(block_given_dob__in=[f"{p}|{born}" for p in parts])
    return condition, "name and date of birth" if date_of_birth else "name"


def find(user: Any, text: str, date_of_birth: dt.date | None = None) -> list[Found]:
    """The user's visible cases and contacts for what was typed, newest first."""
    from localtrace.accounts.access import scoped
    from localtrace.cases.models import Case
    from localtrace.contacts.models import Contact

    reference = _REFERENCE.match(text or "")
    if reference:
        letter, number = reference.group(1).upper(), int(reference.group(2))
        model, kind = (Case, "case") if letter == "C" else (Contact, "contact")
        items = scoped(user, f"{kind}.view", model.objects.filter(pk=number).select_related("person", "area"))
        return [Found(item, kind, "reference") for item in items]
    condition, why = people_matching(text, date_of_birth)
    # One query per kind of record, the people as a subquery: a common name held by thousands across the
    # country still finds the few in the user's areas, which a capped list of people first might drop.
    people = Person.objects.filter(condition, erased_at__isnull=True, merged_into__isnull=True).values("pk")
    cases = scoped(user, "case.view", Case.objects.filter(person_id__in=people).select_related("person", "area"))
    contacts = scoped(
        user, "contact.view", Contact.objects.filter(person_id__in=people).select_related("person", "area")
    )
    found = [Found(c, "case", why) for c in cases.order_by("-pk")[:MAX_RECORDS]]
    found += [Found(c, "contact", why) for c in contacts.order_by("-pk")[:MAX_RECORDS]]
    found.sort(key=lambda f: f.item.opened_at if f.kind == "case" else f.item.named_at, reverse=True)
    return found[:MAX_RECORDS]

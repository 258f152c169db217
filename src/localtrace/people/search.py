"""Finding someone's case or contact record: a call comes in, a GP rings, a person calls back a missed number.

A tracer types what they were told: a reference (C123, K45), an NHS number, a phone number, an email
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
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{6,}$")
# "07911 123456 ext 12", "x12": the extension is not part of the number.
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x)\s*\d+\s*$", re.IGNORECASE)


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


def _identifier(text: str) -> tuple[Q, str] | None:
    """An NHS number, an email address or a phone number, when that is what was typed."""
    from localtrace.results.validation import nhs_number_is_valid, normalise_phone

    if "@" in text:
        return Q(email=text.replace(" ", "").lower()), "email address"
    number = _EXTENSION.sub("", text)
    if not _PHONE_LIKE.match(number):
        return None
    digits = re.sub(r"[\s-]", "", number)
    # A number typed in full international form is looked up as typed, even where the numbering plan
    # does not know it (stored numbers came through the same check, but plans change).
    compact = re.sub(r"[\s().-]", "", number)
    phone = normalise_phone(number) or (compact if compact.startswith("+") else "")
    if digits.isdigit() and len(digits) == 10 and nhs_number_is_valid(digits):
        # Ten digits can be both: an NHS number, or a number without its leading 0 or country code.
        return (Q(nhs_number=digits) | Q(phone=phone) if phone else Q(nhs_number=digits)), "NHS number"
    if not phone:
        raise SearchError("That is not a phone number or an NHS number we recognise")
    return Q(phone=phone), "phone number"


def people_matching(text: str, date_of_birth: dt.date | None) -> tuple[Q, str]:
    """The condition on Person for what was typed, and how it was read."""
    text = " ".join(text.split())
    if not text:
        raise SearchError("Enter a name, a phone number, an NHS number, an email address or a reference")
    identified = _identifier(text)
    if identified is not None:
        condition, why = identified
        if date_of_birth is not None:
            # A date of birth narrows it to people born that day, or whose date of birth is not known.
            condition &= Q(date_of_birth=date_of_birth) | Q(date_of_birth__isnull=True)
        return condition, why
    if any(ch.isdigit() for ch in text):
        raise SearchError("Type a name without numbers, or a phone number or NHS number on its own")
    words = text.split(" ")
    whole = name_key(text)
    if not whole:
        raise SearchError("Enter their name in letters")
    if len(words) == 1 and date_of_birth is None:
        raise SearchError("Enter their full name, or a name and their date of birth")
    condition = Q(pk__in=[])
    if len(words) >= 2:
        born_on = {"date_of_birth": date_of_birth} if date_of_birth else {}
        condition |= Q(match_key__in=_name_keys(words), **born_on)
    if date_of_birth is not None:
        # The whole of what was typed as one name ("Gwen", "St John", "Morgan Davies") with the date of birth:
        # never a part of it alone, which would bring in strangers who share one word and a birthday.
        key = f"{whole}|{date_of_birth.isoformat()}"
        condition |= Q(block_family_dob=key) | Q(block_given_dob=key)
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

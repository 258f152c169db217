"""Finding the person a record belongs to. Every caller goes through `find_or_create_people`.

Rules, in order: the same valid NHS number is the same person; otherwise the same
normalised name, date of birth and postcode; otherwise a new person. (Probabilistic
matching will replace the middle rule behind this same function.)
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from localtrace.core.bulk import insert_returning_ids
from localtrace.people.models import Person


@dataclass(frozen=True)
class PersonRecord:
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    sex: str = Person.Sex.UNKNOWN
    address_line_1: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    preferred_language: str = "en"

    @functools.cached_property
    def exact_key(self) -> tuple[str, dt.date | None, str]:
        return (Person.key_for(self.given_name, self.family_name), self.date_of_birth, self.postcode)


PERSON_COLUMNS = (
    "nhs_number", "given_name", "family_name", "date_of_birth", "sex", "address_line_1", "postcode",
    "phone", "email", "preferred_language", "match_key", "created_at",
)  # fmt: skip


def find_or_create_people(records: Sequence[PersonRecord]) -> list[int]:
    """The id of each record's person, in order; records of one person within the batch share it.

    A fixed number of queries per batch whatever its size (two lookups, one insert per 500 new people).
    """
    by_nhs: dict[str, int] = {}
    nhs_numbers = {r.nhs_number for r in records if r.nhs_number}
    if nhs_numbers:
        for pk, nhs_number in (
            Person.objects.filter(nhs_number__in=nhs_numbers).order_by("pk").values_list("pk", "nhs_number")
        ):
            by_nhs.setdefault(nhs_number, pk)

    by_key: dict[tuple[str, dt.date | None, str], tuple[int, str]] = {}
    wanted = {r.exact_key for r in records if not (r.nhs_number and r.nhs_number in by_nhs)}
    if wanted:
        keys = {w[0] for w in wanted}
        for pk, match_key, born, postcode, nhs_number in (
            Person.objects.filter(match_key__in=keys)
            .order_by("pk")
            .values_list("pk", "match_key", "date_of_birth", "postcode", "nhs_number")
        ):
            if (match_key, born, postcode) in wanted:
                by_key.setdefault((match_key, born, postcode), (pk, nhs_number))

    now = timezone.now()
    ids: list[int | None] = []
    new_rows: list[tuple[object, ...]] = []
    new_slots: dict[int, list[int]] = {}  # index in new_rows → positions in `ids` waiting for it
    pending_nhs: dict[str, int] = {}
    pending_key: dict[tuple[str, dt.date | None, str], int] = {}
    for record in records:
        found: int | None = by_nhs.get(record.nhs_number) if record.nhs_number else None
        if found is None:
            candidate = by_key.get(record.exact_key)
            # An exact demographic match with a different NHS number is a different person.
            if candidate is not None and (not record.nhs_number or candidate[1] in ("", record.nhs_number)):
                found = candidate[0]
                if record.nhs_number and not candidate[1]:
                    Person.objects.filter(pk=found).update(nhs_number=record.nhs_number)
                    by_nhs[record.nhs_number] = found
                    by_key[record.exact_key] = (found, record.nhs_number)
        if found is not None:
            ids.append(found)
            continue
        slot = pending_nhs.get(record.nhs_number) if record.nhs_number else None
        if slot is None:
            slot = pending_key.get(record.exact_key)
        if slot is None:
            slot = len(new_rows)
            new_rows.append(
                (
                    record.nhs_number, record.given_name, record.family_name, record.date_of_birth, record.sex,
                    record.address_line_1, record.postcode, record.phone, record.email, record.preferred_language,
                    record.exact_key[0], now,
                )
            )  # fmt: skip
            if record.nhs_number:
                pending_nhs[record.nhs_number] = slot
            pending_key.setdefault(record.exact_key, slot)
        new_slots.setdefault(slot, []).append(len(ids))
        ids.append(None)
    new_ids = insert_returning_ids(Person, PERSON_COLUMNS, new_rows)
    for slot, positions in new_slots.items():
        for position in positions:
            ids[position] = new_ids[slot]
    if None in ids:
        raise RuntimeError("A record was left without a person.")
    return [pk for pk in ids if pk is not None]


def find_or_create_person(record: PersonRecord) -> Person:
    return Person.objects.get(pk=find_or_create_people([record])[0])

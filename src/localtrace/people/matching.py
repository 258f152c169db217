"""Finding the person a record belongs to. Every caller goes through `find_or_create_people`.

Rules, in order: the same valid NHS number is the same person; otherwise the same
normalised name, date of birth and postcode; otherwise a new person. (Probabilistic
matching will replace the middle rule behind this same function.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

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

    @property
    def exact_key(self) -> tuple[str, dt.date | None, str]:
        return (Person.key_for(self.given_name, self.family_name), self.date_of_birth, self.postcode)


def find_or_create_people(records: Sequence[PersonRecord]) -> list[Person]:
    """One Person per record, in order; records of one person within the batch share it.

    Runs a fixed number of queries per batch whatever its size (two lookups, one insert).
    """
    by_nhs: dict[str, Person] = {}
    nhs_numbers = {r.nhs_number for r in records if r.nhs_number}
    if nhs_numbers:
        for known in Person.objects.filter(nhs_number__in=nhs_numbers).order_by("pk"):
            by_nhs.setdefault(known.nhs_number, known)

    by_key: dict[tuple[str, dt.date | None, str], Person] = {}
    wanted = {r.exact_key for r in records if not (r.nhs_number and r.nhs_number in by_nhs)}
    if wanted:
        keys = {w[0] for w in wanted}
        for known in Person.objects.filter(match_key__in=keys).order_by("pk"):
            key = (known.match_key, known.date_of_birth, known.postcode)
            if key in wanted:
                by_key.setdefault(key, known)

    people: list[Person] = []
    new_people: list[Person] = []
    for record in records:
        person: Person | None = by_nhs.get(record.nhs_number) if record.nhs_number else None
        if person is None:
            candidate = by_key.get(record.exact_key)
            # An exact demographic match with a different NHS number is a different person.
            if candidate is not None and (not record.nhs_number or candidate.nhs_number in ("", record.nhs_number)):
                person = candidate
                if record.nhs_number and not candidate.nhs_number:
                    candidate.nhs_number = record.nhs_number
                    Person.objects.filter(pk=candidate.pk).update(nhs_number=record.nhs_number)
                    by_nhs[record.nhs_number] = candidate
        if person is None:
            person = Person(
                nhs_number=record.nhs_number,
                given_name=record.given_name,
                family_name=record.family_name,
                date_of_birth=record.date_of_birth,
                sex=record.sex,
                address_line_1=record.address_line_1,
                postcode=record.postcode,
                phone=record.phone,
                email=record.email,
                preferred_language=record.preferred_language,
                match_key=Person.key_for(record.given_name, record.family_name),
            )
            new_people.append(person)
            if record.nhs_number:
                by_nhs[record.nhs_number] = person
            by_key.setdefault(record.exact_key, person)
        people.append(person)
    if new_people:
        Person.objects.bulk_create(new_people, batch_size=1000)
    return people


def find_or_create_person(record: PersonRecord) -> Person:
    return find_or_create_people([record])[0]

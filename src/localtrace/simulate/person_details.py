"""Turns a person's numeric record into the text a laboratory would hold: names, address,
phone, email, date of birth."""

from __future__ import annotations

from functools import lru_cache

from localtrace.simulate import constants as c
from localtrace.simulate.faults import ascii_fold
from localtrace.simulate.geography import Geography
from localtrace.simulate.names import NameBook
from localtrace.simulate.places import Places
from localtrace.simulate.population import COMMUNAL, Population
from localtrace.simulate.timeline import iso_from_ordinal

SEX_TEXT = ("female", "male", "other")


@lru_cache(maxsize=4096)
def _mailbox_word(name: str) -> str:
    folded = ascii_fold(name).lower()
    return "".join(ch for ch in folded if ch.isalnum() or ch == "-")


class PersonDetails:
    """Text forms of people's details, computed on demand so nothing large is held."""

    def __init__(self, population: Population, places: Places, geography: Geography, names: NameBook) -> None:
        self.population = population
        self.places = places
        self.geography = geography
        self.names = names
        self.communal_name = dict(zip(population.communal_households.tolist(), population.communal_names, strict=True))
        self.district_codes = [district.code for district in geography.districts]

    def given_name(self, person: int) -> str:
        return self.names.given_names[int(self.population.given_name[person])]

    def family_name(self, person: int) -> str:
        return self.names.family_names[int(self.population.family_name[person])]

    def date_of_birth(self, person: int) -> str:
        return iso_from_ordinal(int(self.population.birth_ordinal[person]))

    def sex(self, person: int) -> str:
        return SEX_TEXT[int(self.population.sex[person])]

    def nhs_number(self, person: int) -> str:
        number = int(self.population.nhs_number[person])
        return str(number) if number else ""

    def household_address(self, household: int) -> str:
        population = self.population
        if population.household_kind[household] == COMMUNAL:
            return self.communal_name[household]
        street = self.geography.street_names[
            int(self.geography.postcode_street[int(population.household_postcode[household])])
        ]
        number = int(population.household_number[household])
        flat = int(population.household_flat[household])
        return f"Flat {flat}, {number} {street}" if flat else f"{number} {street}"

    def address_line_1(self, person: int) -> str:
        return self.household_address(int(self.population.household[person]))

    def household_postcode(self, household: int) -> str:
        return self.geography.postcodes[int(self.population.household_postcode[household])]

    def postcode(self, person: int) -> str:
        return self.household_postcode(int(self.population.household[person]))

    def phone(self, person: int) -> str:
        """The mobile that reaches this person (a parent's for children)."""
        number = int(self.population.phone[int(self.population.contact_person[person])])
        return f"0{number}" if number else ""

    def own_phone(self, person: int) -> str:
        number = int(self.population.phone[person])
        return f"0{number}" if number else ""

    def email(self, person: int) -> str:
        return self.own_email(int(self.population.contact_person[person]))

    def own_email(self, person: int) -> str:
        population = self.population
        style = int(population.email_style[person])
        if style < 0:
            return ""
        given = _mailbox_word(self.given_name(person)) or "mail"
        family = _mailbox_word(self.family_name(person)) or "box"
        number = int(population.email_number[person])
        domain = c.EMAIL_DOMAINS[int(population.email_domain[person])]
        if style == 0:
            local = f"{given}.{family}"
        elif style == 1:
            local = f"{given}{family}{number}"
        elif style == 2:
            local = f"{given[0]}.{family}{number}"
        else:
            local = f"{family}.{given}{number % 10}"
        return f"{local}@{domain}"

    def language(self, person: int) -> str:
        return self.names.languages[int(self.population.language[person])]

    def care_home(self, person: int) -> bool:
        return bool(self.places.care_home_link[person])

    def occupation(self, person: int) -> str:
        return c.OCCUPATIONS[int(self.population.occupation[person])]

    def district_code(self, person: int) -> str:
        household = int(self.population.household[person])
        return self.district_codes[int(self.population.household_district[household])]

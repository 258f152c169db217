"""Blocking keys: the indexed columns that find a handful of candidate people among millions.

A record meets its candidates when any one key agrees, so a fault in one field (a typo in the
family name, a new postcode, a married name) still leaves another key to find the person by.
"""

from __future__ import annotations

import datetime as dt

from localtrace.people.names import name_key


def compact_postcode(postcode: str) -> str:
    return (postcode or "").replace(" ", "").upper()


def blocking_keys(
    given_name: str, family_name: str, date_of_birth: dt.date | str | None, postcode: str
) -> tuple[str, str, str]:
    """(family|dob, given|dob, dob|postcode); a key is "" when a part of it is missing."""
    dob = date_of_birth.isoformat() if isinstance(date_of_birth, dt.date) else (date_of_birth or "")
    given, family, compact = name_key(given_name), name_key(family_name), compact_postcode(postcode)
    return (
        f"{family}|{dob}" if family and dob else "",
        f"{given}|{dob}" if given and dob else "",
        f"{dob}|{compact}" if dob and compact else "",
    )


def given_postcode_key(given_name: str, postcode: str) -> str:
    """given|postcode: the given name within the postcode, for a record whose family name and date of birth are
    both wrong (a misspelt family name and a mistyped birthday; a married name and a new date format). Within a
    postcode a given name is rarely shared (1.2 people a key in the generator's million); a family name is shared
    by the household, whose other members would each be scored: only the batch job pairs family names so."""
    given, compact = name_key(given_name), compact_postcode(postcode)
    return f"{given}|{compact}" if given and compact else ""


def day_month_swapped(date_of_birth: dt.date | None) -> dt.date | None:
    """The date with day and month exchanged, when that is another real date."""
    if date_of_birth is None or date_of_birth.day > 12 or date_of_birth.day == date_of_birth.month:
        return None
    return date_of_birth.replace(month=date_of_birth.day, day=date_of_birth.month)

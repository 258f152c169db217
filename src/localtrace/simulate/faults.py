"""Realistic data-quality faults in results rows, each one reported so it can be checked.

A faulty row gets one fault (a given/family swap touches two fields); the caller writes
every returned fault to truth/faults.csv.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from localtrace.simulate import nhs
from localtrace.simulate.constants import RESULTS_COLUMNS

COLUMN = {name: index for index, name in enumerate(RESULTS_COLUMNS)}
DATE_FIELDS = ("date_of_birth", "specimen_date", "result_date")
NAME_FIELDS = ("given_name", "family_name")
WHITESPACE_FIELDS = ("given_name", "family_name", "address_line_1", "postcode", "nhs_number", "email")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Letters never used in the inward code: a postcode containing one is malformed.
INVALID_INWARD_LETTERS = "CIKMOV"
LOOK_ALIKE_LETTERS = "OIZEASGTBg"  # for the digits 0-9
# Kinds of fault in each family and how often each family is chosen.
FAMILIES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    (
        "postcode",
        0.16,
        (
            "postcode_missing",
            "postcode_no_space",
            "postcode_lower_case",
            "postcode_letter_for_digit",
            "postcode_truncated",
            "postcode_invalid_letter",
        ),
    ),
    ("date", 0.20, ("date_dmy", "date_dmy_short", "date_us", "date_text")),
    ("name", 0.20, ("name_typo", "name_transposed", "names_swapped", "name_ascii_folded", "name_upper_case")),
    ("nhs_number", 0.12, ("nhs_bad_check_digit", "nhs_wrong_length", "nhs_transposed", "nhs_spaced")),
    (
        "phone",
        0.14,
        ("phone_international", "phone_0044", "phone_spaced", "phone_brackets", "phone_no_leading_zero"),
    ),
    ("whitespace", 0.10, ("whitespace",)),
    ("coding", 0.08, ("sex_abbreviated", "result_capitalised")),
)
# Faults that leave an NHS number that must fail validation.
INVALID_NHS_KINDS = frozenset({"nhs_bad_check_digit", "nhs_wrong_length", "nhs_transposed"})
ROW_KINDS = ("duplicate_row", "resent_row")
FILE_KINDS = ("bom", "crlf")
T = TypeVar("T")
ALL_KINDS: tuple[str, ...] = tuple(kind for _, _, kinds in FAMILIES for kind in kinds) + ROW_KINDS + FILE_KINDS


@dataclasses.dataclass(frozen=True)
class FieldFault:
    field: str
    kind: str
    clean: str
    written: str


def ascii_fold(text: str) -> str:
    """Text with diacritics removed (Zoë -> Zoe, Łukasz -> Lukasz)."""
    special = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i", "đ": "d"})
    decomposed = unicodedata.normalize("NFKD", text.translate(special))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def format_date(iso: str, kind: str) -> str:
    date = dt.date.fromisoformat(iso)
    if kind == "date_dmy":
        return f"{date.day:02d}/{date.month:02d}/{date.year}"
    if kind == "date_dmy_short":
        return f"{date.day}/{date.month}/{date.year % 100:02d}"
    if kind == "date_us":
        return f"{date.month:02d}/{date.day:02d}/{date.year}"
    if kind == "date_text":
        return f"{date.day} {MONTHS[date.month - 1]} {date.year}"
    raise ValueError(kind)


class FaultInjector:
    """Draws faults for rows of the results file from its own random stream."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        weights = np.array([weight for _, weight, _ in FAMILIES])
        self.family_weights = weights / weights.sum()

    def _pick(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(0, len(options)))]

    def inject(self, row: list[str]) -> list[FieldFault]:
        """Apply one fault to the row in place and describe it; [] if none could apply."""
        order = self.rng.permutation(len(FAMILIES))
        # Try families by weight first, then any other that applies to this row.
        first = int(self.rng.choice(len(FAMILIES), p=self.family_weights))
        for family_index in [first, *order.tolist()]:
            _, _, kinds = FAMILIES[family_index]
            faults = self._apply(row, self._pick(kinds))
            if faults:
                return faults
        return []

    def _apply(self, row: list[str], kind: str) -> list[FieldFault]:
        if kind == "names_swapped":
            given, family = row[COLUMN["given_name"]], row[COLUMN["family_name"]]
            if given == family:
                return []
            row[COLUMN["given_name"]], row[COLUMN["family_name"]] = family, given
            return [FieldFault("given_name", kind, given, family), FieldFault("family_name", kind, family, given)]
        field = self._field_for(kind)
        clean = row[COLUMN[field]]
        written = self._mutate(kind, clean, field)
        if written is None or written == clean:
            return []
        row[COLUMN[field]] = written
        return [FieldFault(field, kind, clean, written)]

    def _field_for(self, kind: str) -> str:
        if kind.startswith("postcode"):
            return "postcode"
        if kind.startswith("date"):
            return self._pick(DATE_FIELDS)
        if kind.startswith("name"):
            return self._pick(NAME_FIELDS)
        if kind.startswith("nhs"):
            return "nhs_number"
        if kind.startswith("phone"):
            return "phone"
        if kind == "whitespace":
            return self._pick(WHITESPACE_FIELDS)
        if kind == "sex_abbreviated":
            return "sex"
        return "result"

    def _mutate(self, kind: str, clean: str, field: str) -> str | None:
        if not clean:
            return None  # nothing to damage; missing values are not faults here
        rng = self.rng
        if kind == "postcode_missing":
            return ""
        if kind == "postcode_no_space":
            return clean.replace(" ", "")
        if kind == "postcode_lower_case":
            return clean.lower()
        if kind == "postcode_letter_for_digit":
            # A look-alike letter typed or scanned for a digit (O for 0, I for 1, S for 5...).
            positions = [i for i, ch in enumerate(clean) if ch.isdigit()]
            i = self._pick(positions)
            return clean[:i] + LOOK_ALIKE_LETTERS[int(clean[i])] + clean[i + 1 :]
        if kind == "postcode_truncated":
            return clean.split(" ")[0]
        if kind == "postcode_invalid_letter":
            return clean[:-1] + self._pick(INVALID_INWARD_LETTERS)
        if kind.startswith("date_"):
            if kind == "date_us":
                date = dt.date.fromisoformat(clean)
                # Only a day of 12 or less makes a US date ambiguous, which is the point.
                if date.day > 12 or date.day == date.month:
                    return None
            return format_date(clean, kind)
        if kind == "name_typo":
            return self._typo(clean)
        if kind == "name_transposed":
            pairs = [
                i
                for i in range(1, len(clean) - 1)
                if clean[i] != clean[i + 1] and clean[i].isalpha() and clean[i + 1].isalpha()
            ]
            if not pairs:
                return None
            i = self._pick(pairs)
            return clean[:i] + clean[i + 1] + clean[i] + clean[i + 2 :]
        if kind == "name_ascii_folded":
            return ascii_fold(clean)
        if kind == "name_upper_case":
            return clean.upper()
        if kind == "nhs_bad_check_digit":
            wrong = [d for d in "0123456789" if d != clean[9]]
            return clean[:9] + self._pick(wrong)
        if kind == "nhs_wrong_length":
            if rng.random() < 0.5:
                cut = int(rng.integers(0, 10))
                return clean[:cut] + clean[cut + 1 :]
            return clean + str(int(rng.integers(0, 10)))
        if kind == "nhs_transposed":
            pairs = [i for i in range(9) if clean[i] != clean[i + 1]]
            if not pairs:
                return None
            i = self._pick(pairs)
            swapped = clean[:i] + clean[i + 1] + clean[i] + clean[i + 2 :]
            return None if nhs.is_valid(swapped) else swapped
        if kind == "nhs_spaced":
            return f"{clean[:3]} {clean[3:6]} {clean[6:]}"
        if kind == "phone_international":
            return f"+44 {clean[1:5]} {clean[5:]}"
        if kind == "phone_0044":
            return f"0044{clean[1:]}"
        if kind == "phone_spaced":
            return f"{clean[:5]} {clean[5:8]} {clean[8:]}"
        if kind == "phone_brackets":
            return f"({clean[:5]}) {clean[5:]}"
        if kind == "phone_no_leading_zero":
            return clean[1:]
        if kind == "whitespace":
            return self._pick((" ", "  ", "\t")) + clean if rng.random() < 0.5 else clean + self._pick((" ", "  "))
        if kind == "sex_abbreviated":
            return {"female": "F", "male": "M"}.get(clean)
        if kind == "result_capitalised":
            return clean.upper() if rng.random() < 0.5 else clean.capitalize()
        raise ValueError(f"unknown fault kind {kind}")

    def _typo(self, clean: str) -> str | None:
        letters = [i for i, ch in enumerate(clean) if ch.isalpha()]
        if len(letters) < 3:
            return None
        i = self._pick(letters[1:])  # people rarely mistype the first letter
        action = int(self.rng.integers(0, 3))
        if action == 0:  # substitute another letter
            replacement = chr(ord("a") + int(self.rng.integers(0, 26)))
            return clean[:i] + replacement + clean[i + 1 :]
        if action == 1:  # drop a letter
            return clean[:i] + clean[i + 1 :]
        return clean[:i] + clean[i] + clean[i:]  # double a letter

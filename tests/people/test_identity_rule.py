"""The identity rule: what counts as a given name or date of birth that "plainly differs".

A slip of the keyboard is not a different name or birthday; another name, or a birthday years
away, is (twins, a father and son at one address).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given
from hypothesis import strategies as st

from localtrace.people.comparisons import one_slip
from localtrace.people.matching import linkage_row
from localtrace.people.model import current_model

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))


def row(given_name: str, born: str, *, family_name: str = "kowalczyk") -> dict[str, object]:
    return linkage_row(None, given_name, family_name, born, "FX1 1AB", "+447911123456", "")


def agrees(given_a: str, born_a: str, given_b: str, born_b: str) -> bool:
    return current_model().score(row(given_a, born_a), row(given_b, born_b)).agrees_on_identity()


@given(names, st.data())
def test_two_adjacent_letters_transposed_are_a_slip(name: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(name) - 2))
    assume(name[at] != name[at + 1])
    swapped = name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    assert one_slip(name, swapped)
    assert agrees(name, "1986-03-09", swapped, "1986-03-09")


@given(names, st.data())
def test_one_letter_dropped_is_a_slip(name: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(name) - 1))
    shorter = name[:at] + name[at + 1 :]
    assert one_slip(name, shorter)
    assert one_slip(shorter, name)
    assert agrees(name, "1986-03-09", shorter, "1986-03-09")


@given(names, st.data(), st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
def test_one_letter_changed_is_not_a_slip(name: str, data: st.DataObject, letter: str) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(name) - 1))
    assume(name[at] != letter)
    assert not one_slip(name, name[:at] + letter + name[at + 1 :])


@given(names, names)
def test_a_slip_is_symmetric_and_never_the_same_name(a: str, b: str) -> None:
    assert one_slip(a, b) == one_slip(b, a)
    assert not one_slip(a, a)


def test_a_slip_in_a_short_given_name_agrees_but_another_short_name_does_not() -> None:
    assert agrees("Sam", "1951-12-23", "Sma", "1951-12-23")
    assert agrees("Gus", "1983-08-19", "Gs", "1983-08-19")
    # Twins Mia and Lia: one letter changed is another name.
    assert not agrees("Mia", "2011-05-04", "Lia", "2011-05-04")
    assert not agrees("Anna", "1986-03-09", "Maria", "1986-03-09")


def _digit_positions(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch.isdigit()]


def _as_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@given(dates, st.data())
def test_a_mistyped_digit_in_the_date_of_birth_agrees(born: dt.date, data: st.DataObject) -> None:
    text = born.isoformat()
    at = data.draw(st.sampled_from(_digit_positions(text)))
    digit = data.draw(st.sampled_from("0123456789"))
    typo = text[:at] + digit + text[at + 1 :]
    assume(typo != text and _as_date(typo) is not None)
    assert agrees("anna", text, "anna", typo)


@given(dates, st.data())
def test_two_transposed_digits_in_the_date_of_birth_agree(born: dt.date, data: st.DataObject) -> None:
    text = born.isoformat()
    at = data.draw(st.sampled_from([i for i in _digit_positions(text) if i + 1 in _digit_positions(text)]))
    typo = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    assume(typo != text and _as_date(typo) is not None)
    assert agrees("anna", text, "anna", typo)


@given(dates)
def test_day_and_month_swapped_agree(born: dt.date) -> None:
    assume(born.day <= 12 and born.day != born.month)
    swapped = born.replace(month=born.day, day=born.month)
    assert agrees("anna", born.isoformat(), "anna", swapped.isoformat())


@given(dates, dates)
def test_a_birthday_years_away_on_another_day_is_plainly_different(father: dt.date, son: dt.date) -> None:
    """A father and son of one name: years, month and day all differ."""
    assume(abs(father.year - son.year) >= 10 and father.month != son.month and father.day != son.day)
    assume(father.day > 12 or son.day > 12 or father.day != son.month)  # not a day/month swap of a nearby date
    assert not agrees("david", father.isoformat(), "david", son.isoformat())

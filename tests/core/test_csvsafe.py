from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localtrace.core.csvsafe import csv_lines, neutralise

SIGNED_NUMBER = re.compile(r"[+-][0-9]+(\.[0-9]+)?")


@given(st.text())
def test_no_exported_cell_can_start_a_formula_unless_it_is_a_plain_signed_number(text: str) -> None:
    cell = neutralise(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or SIGNED_NUMBER.fullmatch(cell)


@pytest.mark.parametrize("number", ["+447245579682", "-3", "-1.5", "+0"])
def test_a_phone_number_or_a_negative_number_is_left_as_it_is(number: str) -> None:
    assert neutralise(number) == number


@pytest.mark.parametrize(
    "formula", ["+1+1", "-2+3+cmd|' /C calc'!A0", "+44 7700 900123", "-1.5\n=1", "=1", "@SUM(1)", "\t+1", "\r-1", "+"]
)
def test_anything_else_starting_like_a_formula_gets_the_apostrophe(formula: str) -> None:
    assert neutralise(formula) == "'" + formula


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), max_size=5))
def test_csv_output_round_trips_apart_from_the_neutralising_quote(rows: list[list[str]]) -> None:
    text = "".join(csv_lines(["a"], rows))
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == ["a"]
    assert parsed[1:] == [[neutralise(cell) for cell in row] for row in rows]

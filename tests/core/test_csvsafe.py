from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from localtrace.core.csvsafe import csv_lines, neutralise


@given(st.text())
def test_no_exported_cell_can_start_a_formula(text: str) -> None:
    assert not neutralise(text).startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), max_size=5))
def test_csv_output_round_trips_apart_from_the_neutralising_quote(rows: list[list[str]]) -> None:
    text = "".join(csv_lines(["a"], rows))
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == ["a"]
    assert parsed[1:] == [[neutralise(cell) for cell in row] for row in rows]

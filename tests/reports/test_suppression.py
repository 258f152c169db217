"""Small-number suppression: a hidden count can never be worked out from the published cells and total."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localtrace.reports.suppression import SHOWN, SMALL, SMALL_MAX, WITHHELD, rate_shown, suppress


def possible_values(values: dict[str, int], cells: dict[str, str], total: int, total_state: str) -> dict[str, set[int]]:
    """Every value each hidden cell can take, by trying every assignment a reader could imagine."""
    hidden = [k for k in values if cells[k] != SHOWN]
    published = sum(values[k] for k in values if cells[k] == SHOWN)
    ranges = [range(1, SMALL_MAX + 1) if cells[k] == SMALL else range(SMALL_MAX + 1, total + 1) for k in hidden]
    totals = [total] if total_state == SHOWN else range(1, SMALL_MAX + 1) if total_state == SMALL else None
    seen: dict[str, set[int]] = {k: set() for k in hidden}
    for guess in itertools.product(*ranges):
        if totals is None or published + sum(guess) in totals:
            for k, v in zip(hidden, guess, strict=True):
                seen[k].add(v)
    return seen


counts = st.dictionaries(
    st.sampled_from(["A", "B", "C", "D", "E", "F"]),
    st.one_of(st.integers(0, 6), st.integers(0, 40)),
    min_size=1,
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(counts)
def test_no_hidden_cell_can_be_recovered_by_subtraction(values: dict[str, int]) -> None:
    published = suppress(values)
    total = sum(values.values())
    for key, value in values.items():
        if 1 <= value <= SMALL_MAX:
            assert published.cells[key] == SMALL  # every small count is hidden
        if published.cells[key] == WITHHELD:
            assert value > SMALL_MAX  # a withheld cell is never a small one relabelled
    for key, seen in possible_values(values, published.cells, total, published.total).items():
        assert values[key] in seen
        assert len(seen) >= 2, f"{key}={values[key]} is the only value consistent with {published}"


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    published = suppress({"A": 3, "B": 20, "C": 9, "D": 0})
    assert published.cells == {"A": SMALL, "B": SHOWN, "C": WITHHELD, "D": SHOWN}
    assert published.total == SHOWN


def test_without_a_cell_to_withhold_the_total_goes() -> None:
    # Four ones under a total of "fewer than 5": each must be 1, unless the total is withheld.
    published = suppress({"A": 1, "B": 1, "C": 1, "D": 1})
    assert set(published.cells.values()) == {SMALL}
    assert published.total == WITHHELD


def test_a_small_total_over_one_small_cell_stays() -> None:
    assert suppress({"A": 2, "B": 0}).total == SMALL


def test_nothing_small_hides_nothing() -> None:
    assert suppress({"A": 0, "B": 12, "C": 5}).cells == {"A": SHOWN, "B": SHOWN, "C": SHOWN}


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress({"A": -1})


def test_rates_need_both_counts_shown_and_ten_in_the_denominator() -> None:
    assert rate_shown(SHOWN, SHOWN, 10)
    assert not rate_shown(SHOWN, SHOWN, 9)
    assert not rate_shown(SMALL, SHOWN, 50)
    assert not rate_shown(SHOWN, WITHHELD, 50)

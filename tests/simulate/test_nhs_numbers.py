"""NHS numbers: modulus 11 check digits, generated numbers and injected invalid ones."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from localtrace.simulate import Summary, nhs
from localtrace.simulate.faults import INVALID_NHS_KINDS, FaultInjector

from .helpers import read_csv


@given(st.integers(min_value=0, max_value=10**9 - 1))
def test_a_number_built_from_its_check_digit_is_valid(stem: int) -> None:
    first_nine = f"{stem:09d}"
    check = nhs.check_digit(first_nine)
    if check is None:
        assert not any(nhs.is_valid(first_nine + str(digit)) for digit in range(10))
    else:
        assert nhs.is_valid(first_nine + str(check))


@given(
    st.integers(min_value=0, max_value=10**9 - 1),
    st.integers(min_value=0, max_value=9),
    st.integers(min_value=1, max_value=9),
)
def test_changing_any_one_digit_makes_a_valid_number_invalid(stem: int, position: int, change: int) -> None:
    first_nine = f"{stem:09d}"
    check = nhs.check_digit(first_nine)
    if check is None:
        return
    number = first_nine + str(check)
    changed = number[:position] + str((int(number[position]) + change) % 10) + number[position + 1 :]
    assert not nhs.is_valid(changed)


@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=400))
def test_every_generated_number_is_valid_distinct_and_in_the_test_range(seed: int, count: int) -> None:
    numbers = nhs.generate(np.random.default_rng(seed), count)
    assert numbers.size == count
    assert np.unique(numbers).size == count
    for number in numbers.tolist():
        assert nhs.is_valid(str(number))
        assert str(number).startswith("999")


@given(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from(sorted(INVALID_NHS_KINDS)))
def test_every_injected_invalid_number_fails_the_check(seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    number = str(nhs.generate(rng, 1)[0])
    written = FaultInjector(rng)._mutate(kind, number, "nhs_number")
    if written is not None:
        assert not nhs.is_valid(written)


def test_rejects_text_that_is_not_ten_digits() -> None:
    assert not nhs.is_valid("")
    assert not nhs.is_valid("943 476 5919")
    assert not nhs.is_valid("94347659１9")
    assert nhs.is_valid("9434765919")


def test_people_carry_valid_numbers_or_none(small_run: Summary) -> None:
    people = read_csv(small_run.paths["people"])
    numbers = [person["nhs_number"] for person in people if person["nhs_number"]]
    assert 0.9 * len(people) < len(numbers) < len(people)
    assert all(nhs.is_valid(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)


def test_invalid_numbers_in_the_results_file_fail_the_check(faulty_run: Summary) -> None:
    faults = [f for f in read_csv(faulty_run.paths["faults"]) if f["kind"] in INVALID_NHS_KINDS]
    assert faults
    for fault in faults:
        assert nhs.is_valid(fault["clean_value"])
        assert not nhs.is_valid(fault["written_value"])

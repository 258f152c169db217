"""Small-number suppression: a hidden count can never be worked out from the published cells and total."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localtrace.reports.suppression import (
    SHOWN,
    SMALL,
    SMALL_MAX,
    WITHHELD,
    PublishedTable,
    Relations,
    rate_shown,
    suppress,
    suppress_table,
)


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


# --- A whole week's table, with the relations between figures -------------------------------------------------

RECEIVED_REACHED = Relations(at_most=(("reached", "received"),))
PEOPLE = Relations(sums=(("people", ("cases", "contacts")),))


def table_possible_values(
    values: dict[str, dict[str, int]], keys: list[str], relations: Relations, published: PublishedTable
) -> dict[tuple[str | None, str], set[int]]:
    """Every value each hidden cell (row None: the total) can take, by trying every table a reader could imagine
    that agrees with the published states, the totals and the relations. Withheld cells are tried up to a few
    above the largest true count: enough to see that a cell is not pinned, and to find the true table."""
    rows = list(values)
    cap = max(SMALL_MAX + 2, *(v for row in values.values() for v in row.values())) + 3
    hidden = [(r, k) for r in rows for k in keys if published.cells[r][k] != SHOWN]
    domains = [range(1, SMALL_MAX + 1) if published.cells[r][k] == SMALL else range(SMALL_MAX + 1, cap + 1)
               for r, k in hidden]  # fmt: skip
    seen: dict[tuple[str | None, str], set[int]] = {cell: set() for cell in hidden}
    seen.update({(None, k): set() for k in keys if published.totals[k] != SHOWN})
    for guess in itertools.product(*domains):
        table = {r: dict(values[r]) for r in rows}
        for (r, k), v in zip(hidden, guess, strict=True):
            table[r][k] = v
        sums = {k: sum(table[r][k] for r in rows) for k in keys}
        if any(not _agrees(sums[k], sum(values[r][k] for r in rows), published.totals[k]) for k in keys):
            continue
        if any(table[r][part] > table[r][whole] for r in rows for part, whole in relations.at_most):
            continue
        if any(table[r][whole] != sum(table[r][p] for p in parts) for r in rows for whole, parts in relations.sums):
            continue
        if any(
            table[r][part] > sum(table[r][w] for w in wholes) for r in rows for part, wholes in relations.at_most_sum
        ):
            continue
        for (r, k), v in zip(hidden, guess, strict=True):
            seen[r, k].add(v)
        for k in keys:
            if published.totals[k] != SHOWN:
                seen[None, k].add(sums[k])
    return seen


def _agrees(guess: int, true: int, state: str) -> bool:
    if state == SHOWN:
        return guess == true
    return 1 <= guess <= SMALL_MAX if state == SMALL else guess > SMALL_MAX


def assert_nothing_pinned(values: dict[str, dict[str, int]], keys: list[str], relations: Relations) -> PublishedTable:
    published = suppress_table(values, keys, relations)
    for row, states in published.cells.items():
        for key, state in states.items():
            if 1 <= values[row][key] <= SMALL_MAX:
                assert state == SMALL
            if state == WITHHELD:
                assert values[row][key] > SMALL_MAX
    for (row, key), seen in table_possible_values(values, keys, relations, published).items():
        true = sum(values[r][key] for r in values) if row is None else values[row][key]
        assert true in seen
        assert len(seen) >= 2, f"{row or 'total'} {key}={true} is the only value consistent with {published}"
    return published


def test_reached_at_most_received_no_longer_gives_away_a_small_area() -> None:
    # The transparency review's week: Llanfeddyg received "fewer than 5" (1) and reached 0, the other area 6
    # and 6. Each figure on its own hid Llanfeddyg's 1, but reached ≤ received pinned it: 7 − 6 = 1.
    values = {"Llanfeddyg": {"received": 1, "reached": 0}, "Longsedgeshire": {"received": 6, "reached": 6}}
    alone = suppress({"L": 1, "E": 6})
    assert alone.cells == {"L": SMALL, "E": WITHHELD} and alone.total == SHOWN
    published = assert_nothing_pinned(values, ["received", "reached"], RECEIVED_REACHED)
    assert published.cells["Llanfeddyg"]["received"] == SMALL


def test_cases_plus_contacts_does_not_give_away_the_cases() -> None:
    # Llanfeddyg's 2 cases are hidden in their own figure, but people = cases + contacts: 7 − 5 = 2.
    values = {"Llanfeddyg": {"cases": 2, "contacts": 5, "people": 7},
              "Longsedgeshire": {"cases": 5, "contacts": 5, "people": 10}}  # fmt: skip
    assert suppress({"L": 2, "E": 5}).cells == {"L": SMALL, "E": WITHHELD}
    published = assert_nothing_pinned(values, ["cases", "contacts", "people"], PEOPLE)
    assert published.cells["Longsedgeshire"]["cases"] == WITHHELD or published.cells["Llanfeddyg"]["people"] != SHOWN


TOLD = Relations(at_most_sum=(("told", ("cases_reached", "contacts_reached")),))


def test_everyone_told_having_been_reached_no_longer_gives_away_a_small_area() -> None:
    # Northshire reached "fewer than 5" cases (4) and 6 contacts, and told 10 people within 24 hours. Everyone
    # told was reached (their record was completed), so at least 10 − 6 = 4 cases were reached: exactly 4.
    values = {"Northshire": {"cases_reached": 4, "contacts_reached": 6, "told": 10},
              "Southmoor": {"cases_reached": 8, "contacts_reached": 9, "told": 12}}  # fmt: skip
    assert suppress({"N": 4, "S": 8}).cells == {"N": SMALL, "S": WITHHELD}
    published = assert_nothing_pinned(values, ["cases_reached", "contacts_reached", "told"], TOLD)
    assert published.cells["Northshire"]["cases_reached"] == SMALL


told_rows = st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 12)).map(
    lambda t: {"cases_reached": t[0], "contacts_reached": t[1], "told": min(t[2], t[0] + t[1])}
)


@settings(max_examples=60, deadline=None)
@given(st.lists(told_rows, min_size=1, max_size=2))
def test_no_hidden_cell_can_be_recovered_with_a_bound_by_a_sum(rows: list[dict[str, int]]) -> None:
    values = {f"area{i}": row for i, row in enumerate(rows)}
    assert_nothing_pinned(values, ["cases_reached", "contacts_reached", "told"], TOLD)


def test_a_table_without_small_counts_is_shown_whole() -> None:
    values = {"A": {"received": 40, "reached": 38}, "B": {"received": 12, "reached": 12}}
    published = suppress_table(values, ["received", "reached"], RECEIVED_REACHED)
    assert {s for states in published.cells.values() for s in states.values()} == {SHOWN}
    assert set(published.totals.values()) == {SHOWN}


def test_a_relation_the_counts_break_is_not_used() -> None:
    # Were the counts ever to break a definition, the reader's relation would mislead, not help; the check
    # must not fail (no integer solution) and withhold the whole week.
    values = {"A": {"received": 3, "reached": 9}, "B": {"received": 30, "reached": 20}}
    published = suppress_table(values, ["received", "reached"], RECEIVED_REACHED)
    assert published.cells["B"]["reached"] == SHOWN


pairs = st.tuples(st.integers(0, 7), st.integers(0, 7)).map(lambda p: {"received": max(p), "reached": min(p)})


@settings(max_examples=150, deadline=None)
@given(st.lists(pairs, min_size=1, max_size=3))
def test_no_hidden_cell_can_be_recovered_with_the_relations(rows: list[dict[str, int]]) -> None:
    values = {f"area{i}": row for i, row in enumerate(rows)}
    assert_nothing_pinned(values, ["received", "reached"], RECEIVED_REACHED)


def test_a_table_suppressed_before_is_answered_from_memory_and_a_changed_one_is_worked_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from localtrace.reports import suppression

    worked_out = []

    def counted(*args: object) -> PublishedTable:
        worked_out.append(args)
        return real(*args)  # type: ignore[arg-type]

    real = suppression._suppress_table
    monkeypatch.setattr(suppression, "_suppress_table", counted)
    monkeypatch.setattr(suppression, "_memo", suppression.OrderedDict())
    values = {"A": {"received": 40, "reached": 3}, "B": {"received": 12, "reached": 12}}
    first = suppress_table(values, ["received", "reached"], RECEIVED_REACHED)
    first.cells["A"]["reached"] = "tampered"  # a caller changing its copy changes nobody else's
    again = suppress_table({"A": dict(values["A"]), "B": dict(values["B"])}, ["received", "reached"], RECEIVED_REACHED)
    assert len(worked_out) == 1 and again.cells["A"]["reached"] == SMALL
    values["B"]["reached"] = 11
    suppress_table(values, ["received", "reached"], RECEIVED_REACHED)
    suppress_table(values, ["received", "reached"])  # other relations: another table
    assert len(worked_out) == 3
    monkeypatch.setattr(suppression, "TABLE_MEMO", 1)
    values["B"]["reached"] = 10
    suppress_table(values, ["received", "reached"], RECEIVED_REACHED)
    assert len(suppression._memo) == 1  # the oldest are forgotten

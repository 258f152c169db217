"""Small-number suppression for published figures: the one function every public table goes through.

A group is some cells that add up to a published total (one figure, one week, every area). Rules:

* **Primary:** a count of 1 to 4 is shown as "fewer than 5" (0 is shown: it identifies nobody).
* **Secondary:** a reader knows that a "fewer than 5" cell is between 1 and 4 and that a withheld cell
  is 5 or more, and can subtract the published cells from the total. While that pins any hidden cell
  to one value, the smallest published cell of 5 or more is withheld too (and when none is left, the
  total itself). `feasible_range` is the reader's reasoning, so the check is the attack.
* **Rates** are shown only when their numerator and denominator counts are both shown (a rate and
  its denominator give back the numerator) and the denominator is at least 10.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)

SHOWN, SMALL, WITHHELD = "shown", "small", "withheld"
SMALL_MAX = 4
RATE_MIN_DENOMINATOR = 10
LABELS = {SMALL: "fewer than 5", WITHHELD: "withheld"}


@dataclass(frozen=True)
class Published:
    """One group after suppression: each cell's state, and the total's."""

    cells: dict[Any, str]
    total: str


def _bounds(value: int, state: str, total: int) -> tuple[int, int]:
    if state == SHOWN:
        return value, value
    if state == SMALL:
        return 1, SMALL_MAX
    return SMALL_MAX + 1, max(total, SMALL_MAX + 1)


def feasible_range(
    values: Mapping[K, int], states: Mapping[K, str], total: int, total_state: str
) -> dict[K, tuple[int, int]]:
    """What a reader of the published group can deduce about each hidden cell: its least and greatest value."""
    bounds = {k: _bounds(values[k], states[k], total) for k in values}
    hidden = [k for k in values if states[k] != SHOWN]
    if total_state == WITHHELD:
        return {k: bounds[k] for k in hidden}
    # The total is known exactly, or (shown as "fewer than 5") to be between 1 and 4.
    total_low, total_high = (total, total) if total_state == SHOWN else (1, SMALL_MAX)
    published = sum(values[k] for k in values if states[k] == SHOWN)
    all_low = sum(bounds[j][0] for j in hidden)
    all_high = sum(bounds[j][1] for j in hidden)
    ranges = {}
    for k in hidden:
        low, high = bounds[k]
        others_low, others_high = all_low - low, all_high - high
        ranges[k] = (
            max(low, total_low - published - others_high),
            min(high, total_high - published - others_low),
        )
    return ranges


def suppress(values: Mapping[K, int], total: int | None = None) -> Published:
    """Suppress one group of counts whose total is published (the sum of the cells unless given)."""
    if any(v < 0 for v in values.values()):
        raise ValueError("Counts cannot be negative.")
    total = sum(values.values()) if total is None else total
    states: dict[K, str] = {k: SMALL if 1 <= v <= SMALL_MAX else SHOWN for k, v in values.items()}
    total_state = SMALL if 1 <= total <= SMALL_MAX else SHOWN
    while True:
        ranges = feasible_range(values, states, total, total_state)
        if all(high > low for low, high in ranges.values()):
            break
        candidates = sorted(
            (v, i, k) for i, (k, v) in enumerate(values.items()) if states[k] == SHOWN and v > SMALL_MAX
        )
        if candidates and total_state == SHOWN:
            states[candidates[0][2]] = WITHHELD
        elif total_state != WITHHELD:
            total_state = WITHHELD
        else:
            break  # cannot happen: without a total, every hidden cell keeps its own range
    return Published(cells=dict(states), total=total_state)


def rate_shown(numerator_state: str, denominator_state: str, denominator: int | float | None) -> bool:
    return (
        numerator_state == SHOWN
        and denominator_state == SHOWN
        and denominator is not None
        and denominator >= RATE_MIN_DENOMINATOR
    )

"""Small-number suppression for published figures: the one function every public table goes through.

A group is some cells that add up to a published total (one figure, one week, every area). Rules:

* **Primary:** a count of 1 to 4 is shown as "fewer than 5" (0 is shown: it identifies nobody).
* **Secondary:** a reader knows that a "fewer than 5" cell is between 1 and 4 and that a withheld cell
  is 5 or more, and can subtract the published cells from the total. While that pins any hidden cell
  to one value, the smallest published cell of 5 or more is withheld too (and when none is left, the
  total itself). `feasible_range` is the reader's reasoning, so the check is the attack.
* **Together:** a week's groups are then checked as one table with the relations between figures
  (reached ≤ received, people = cases + contacts, told ≤ cases reached + contacts reached): while a reader
  using them could still pin a hidden cell, one more count is withheld (`suppress_table`; the reader is
  `pinned_cell`, integer programming).
* **Rates** are shown only when their numerator and denominator counts are both shown (a rate and
  its denominator give back the numerator) and the denominator is at least 10.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
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


# --- A whole table: every figure of one week, each area and the total, and what ties the figures together ---


@dataclass(frozen=True)
class Relations:
    """What every row's counts satisfy by definition, so a reader may use it: "reached" is at most "received",
    "people to tell" is cases plus contacts. Each count group is protected on its own by `suppress`; these let
    `suppress_table` check the groups together, as a reader would."""

    at_most: tuple[tuple[str, str], ...] = ()  # (part, whole): part ≤ whole
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (whole, parts): whole = the parts added up
    # (part, wholes): part ≤ the wholes added up (everyone told to isolate was reached, as a case or a contact)
    at_most_sum: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def linked(self) -> set[str]:
        linked = {k for pair in self.at_most for k in pair}
        linked |= {k for part, wholes in self.at_most_sum for k in (part, *wholes)}
        return linked | {k for whole, parts in self.sums for k in (whole, *parts)}

    def neighbours(self, key: str) -> set[str]:
        near = {b for a, b in self.at_most if a == key} | {a for a, b in self.at_most if b == key}
        for whole, parts in (*self.sums, *self.at_most_sum):
            if key == whole or key in parts:
                near |= {whole, *parts}
        return near - {key}


@dataclass(frozen=True)
class PublishedTable:
    """Each area's cell states by figure, and the total's."""

    cells: dict[Any, dict[str, str]]
    totals: dict[str, str]


# `suppress_table` is a pure function of its arguments, and from one publication to the next most weeks' tables
# are unchanged (a run recomputes the weeks it touched): a table's integer programs take a second or more at fifty
# areas, and republishing every week each minute took the rollup a minute. A process keeps the answers for the
# last TABLE_MEMO tables it suppressed (a few kilobytes each).
TABLE_MEMO = 2_000
_memo: OrderedDict[Hashable, PublishedTable] = OrderedDict()
_memo_lock = threading.Lock()


def suppress_table(
    values: Mapping[Any, Mapping[str, int]], keys: list[str], relations: Relations = Relations()
) -> PublishedTable:
    """`_suppress_table`, remembered for the same table (same rows in the same order, keys and relations)."""
    memo_key = (tuple((row, tuple(int(values[row][k]) for k in keys)) for row in values), tuple(keys), relations)
    with _memo_lock:
        known = _memo.get(memo_key)
        if known is not None:
            _memo.move_to_end(memo_key)
    if known is None:
        known = _suppress_table(values, keys, relations)
        with _memo_lock:
            _memo[memo_key] = known
            while len(_memo) > TABLE_MEMO:
                _memo.popitem(last=False)
    return PublishedTable({row: dict(states) for row, states in known.cells.items()}, dict(known.totals))


def _suppress_table(
    values: Mapping[Any, Mapping[str, int]], keys: list[str], relations: Relations = Relations()
) -> PublishedTable:
    """Suppress one week's table: each figure's group as `suppress` does, then, while a reader who also knows
    the relations between figures could pin a hidden cell to one value, withhold one more cell (the smallest
    published count of 5 or more nearest to it). The reader is `pinned_cell`: exact integer reasoning over
    every published count and relation, so the check is the attack."""
    rows = list(values)
    cells: dict[Any, dict[str, str]] = {row: {} for row in rows}
    totals: dict[str, str] = {}
    for key in keys:
        group = suppress({row: int(values[row][key]) for row in rows})
        for row in rows:
            cells[row][key] = group.cells[row]
        totals[key] = group.total
    # Only relations the true counts keep (a reader who relied on a broken one would be misled, not helped,
    # and the integer program would have no solution).
    used = Relations(
        at_most=tuple(
            (part, whole)
            for part, whole in relations.at_most
            if {part, whole} <= set(keys) and all(values[r][part] <= values[r][whole] for r in rows)
        ),
        sums=tuple(
            (whole, parts)
            for whole, parts in relations.sums
            if {whole, *parts} <= set(keys) and all(values[r][whole] == sum(values[r][p] for p in parts) for r in rows)
        ),
        at_most_sum=tuple(
            (part, wholes)
            for part, wholes in relations.at_most_sum
            if {part, *wholes} <= set(keys) and all(values[r][part] <= sum(values[r][w] for w in wholes) for r in rows)
        ),
    )
    if not rows or not used.linked():
        return PublishedTable(cells, totals)
    # Figures tied to no other are already safe on their own; the rest are checked together.
    tied = [key for key in keys if key in used.linked()]
    # Withholding only widens what a reader can imagine, so a cell found loose stays loose: check it once.
    loose: set[tuple[Any, str]] = set()
    while (pinned := pinned_cell(values, tied, used, cells, totals, loose)) is not None:
        choice = _to_withhold(pinned, values, tied, used, cells, totals)
        if choice is None:  # nothing of 5 or more is left to withhold: publish none of this week's counts
            for row in rows:
                cells[row] = {k: s if s != SHOWN else WITHHELD for k, s in cells[row].items()}
            totals = {k: s if s != SHOWN else WITHHELD for k, s in totals.items()}
            break
        row, key = choice
        if row is None:
            totals[key] = WITHHELD
        else:
            cells[row][key] = WITHHELD
    return PublishedTable(cells, totals)


def _range(state: str, value: int, ceiling: int) -> tuple[int, int]:
    """What a reader knows of one cell. A withheld count has no upper bound to them; the integer program gets
    `ceiling`, far above any true count, so that it has an optimum: a cell that can reach it is not pinned."""
    if state == SHOWN:
        return value, value
    if state == SMALL:
        return 1, SMALL_MAX
    return SMALL_MAX + 1, ceiling


def pinned_cell(
    values: Mapping[Any, Mapping[str, int]],
    keys: list[str],
    relations: Relations,
    cells: Mapping[Any, Mapping[str, str]],
    totals: Mapping[str, str],
    loose: set[tuple[Any, str]] | None = None,
) -> tuple[Any, str] | None:
    """The first hidden cell (row, key) a reader can pin to one value, or None; row None is the total.
    Cells in `loose` are known not to be pinned and are skipped; each cell found loose is added to it.

    The reader knows each shown count, that a "fewer than 5" count is 1 to 4 and a withheld one 5 or more,
    that each figure's areas add up to its total, and the relations; the least and greatest value each hidden
    cell can take under all of that are found by integer programming (HiGHS, through SciPy)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows = list(values)
    index = {(row, key): i for i, (row, key) in enumerate((r, k) for r in rows for k in keys)}
    size = len(index)
    ceiling = 2 * sum(int(v) for row in rows for v in values[row].values()) + 100
    ranges = [_range(cells[row][key], int(values[row][key]), ceiling) for row, key in index]
    bounds = Bounds([lo for lo, _ in ranges], [hi for _, hi in ranges])
    lines: list[Any] = []
    low: list[float] = []
    high: list[float] = []

    def add(line: Any, lo: float, hi: float) -> None:
        lines.append(line)
        low.append(lo)
        high.append(hi)

    for key in keys:
        line = np.zeros(size)
        for row in rows:
            line[index[row, key]] = 1
        lo, hi = _range(totals[key], sum(int(values[row][key]) for row in rows), ceiling * len(rows))
        add(line, lo, hi)
    for row in rows:
        for part, whole in relations.at_most:
            line = np.zeros(size)
            line[index[row, part]], line[index[row, whole]] = 1, -1
            add(line, -np.inf, 0)
        for whole, parts in relations.sums:
            line = np.zeros(size)
            line[index[row, whole]] = 1
            for part in parts:
                line[index[row, part]] -= 1
            add(line, 0, 0)
        for part, wholes in relations.at_most_sum:
            line = np.zeros(size)
            line[index[row, part]] = 1
            for whole in wholes:
                line[index[row, whole]] -= 1
            add(line, -np.inf, 0)
    constraints = LinearConstraint(np.array(lines), low, high)
    integrality = np.ones(size)

    def spread(line: Any, true: int) -> bool:
        """Whether the quantity can take another value than its true one: a table where it is larger, or one
        where it is smaller, exists (two feasibility problems at most; most cells need only the first)."""
        for lo, hi in ((true + 1, np.inf), (-np.inf, true - 1)):
            other = LinearConstraint(np.vstack([constraints.A, line]), [*low, lo], [*high, hi])
            found = milp(np.zeros(size), constraints=other, integrality=integrality, bounds=bounds)
            if found.status == 0:
                return True
            if found.status != 2:  # 2: no such table; anything else is a fault in the model
                raise RuntimeError(f"Suppression check failed: {found.message}")
        return False

    loose = set() if loose is None else loose
    hidden = [(row, key) for row in rows for key in keys if cells[row][key] != SHOWN]
    hidden += [(None, key) for key in keys if totals[key] != SHOWN]
    for row, key in hidden:
        if (row, key) in loose:
            continue
        line = np.zeros(size)
        for r in rows if row is None else [row]:
            line[index[r, key]] = 1
        true = sum(int(values[r][key]) for r in rows) if row is None else int(values[row][key])
        if not spread(line, true):
            return row, key
        loose.add((row, key))
    return None


def _to_withhold(
    pinned: tuple[Any, str],
    values: Mapping[Any, Mapping[str, int]],
    keys: list[str],
    relations: Relations,
    cells: Mapping[Any, Mapping[str, str]],
    totals: Mapping[str, str],
) -> tuple[Any, str] | None:
    """The published count of 5 or more to withhold next: in the pinned cell's own figure first (an area's
    before the total, as `suppress` does), then in the figures tied to it, then anywhere in the week."""
    row, key = pinned
    rows = list(values)

    def area(r: Any, k: str) -> list[tuple[int, Any, str]]:
        v = int(values[r][k])
        return [(v, r, k)] if cells[r][k] == SHOWN and v > SMALL_MAX else []

    def total(k: str) -> list[tuple[int, Any, str]]:
        v = sum(int(values[r][k]) for r in rows)
        return [(v, None, k)] if totals[k] == SHOWN and v > SMALL_MAX else []

    near = sorted(relations.neighbours(key))
    tiers = [
        [c for r in rows for c in area(r, key)],
        [c for k in near for c in (area(row, k) if row is not None else total(k))] + total(key),
        [c for k in near for r in rows for c in area(r, k)] + [c for k in near for c in total(k)],
        [c for k in keys for r in rows for c in area(r, k)] + [c for k in keys for c in total(k)],
    ]
    for tier in tiers:
        if tier:
            _, r, k = min(tier, key=lambda c: c[0])
            return r, k
    return None

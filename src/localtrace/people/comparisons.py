"""The linkage model's comparisons, written once and evaluated two ways.

Each comparison level has its SQL (run by Splink on DuckDB or Spark, for training and batch
deduplication) and a Python twin (run by the real-time matcher on a handful of candidates,
where starting a database engine per record would cost more than the whole budget). The two
agree on every level; `tests/people/test_comparisons.py` checks them against DuckDB.

Records compared here are "linkage rows": names as `name_key` (letters a–z), the date of birth
as ISO text, the postcode without its space, the phone in E.164 and the email in lower case;
missing values are None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Row = Mapping[str, Any]


def jaro_winkler(a: str, b: str) -> float:
    """Jaro–Winkler similarity (prefix scale 0.1, at most 4 letters), as DuckDB computes it."""
    len_a, len_b = len(a), len(b)
    if not len_a or not len_b:
        return 0.0
    if a == b:
        return 1.0
    window = max(max(len_a, len_b) // 2 - 1, 0)
    matched_b = [False] * len_b
    matches_a: list[str] = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len_b, i + window + 1)):
            if not matched_b[j] and b[j] == ch:
                matched_b[j] = True
                matches_a.append(ch)
                break
    m = len(matches_a)
    if not m:
        return 0.0
    matches_b = [b[j] for j in range(len_b) if matched_b[j]]
    transpositions = sum(x != y for x, y in zip(matches_a, matches_b, strict=True)) / 2
    jaro = (m / len_a + m / len_b + (m - transpositions) / m) / 3
    if jaro <= 0.7:
        return jaro
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def levenshtein(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, exact up to `limit`; anything further answers limit + 1 (banded, so fast)."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    beyond = limit + 1
    previous = [j if j <= limit else beyond for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        low, high = max(1, i - limit), min(len(b), i + limit)
        current = [beyond] * (len(b) + 1)
        current[0] = i if i <= limit else beyond
        for j in range(low, high + 1):
            cost = previous[j - 1] + (ca != b[j - 1])
            current[j] = min(cost, previous[j] + 1, current[j - 1] + 1, beyond)
        if min(current[max(0, low - 1) : high + 1]) > limit:
            return beyond
        previous = current
    return min(previous[-1], beyond)


def one_slip(a: str | None, b: str | None) -> bool:
    """True when two names differ by a single slip of the keyboard that does not change a letter:
    two adjacent letters transposed ("sma", "sam"), or one letter dropped or added ("gs", "gus").

    A changed letter is not a slip here: in a short name it is as often another name (twins Mia
    and Lia); in a longer one Jaro–Winkler already sees the typo (a level above "different").
    """
    if not a or not b or a == b:
        return False
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and a[differ[0]] == b[differ[1]]
            and a[differ[1]] == b[differ[0]]
        )
    shorter, longer = sorted((a, b), key=len)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


@dataclass(frozen=True)
class Level:
    label: str
    sql: str  # DuckDB SQL over col_l / col_r; Splink translates it for Spark
    test: Callable[[Row, Row], bool]
    is_null: bool = False
    is_else: bool = False
    term_frequency: bool = False


@dataclass(frozen=True)
class Comparison:
    name: str  # the column compared, and Splink's output column name
    description: str
    levels: tuple[Level, ...]

    def level_of(self, left: Row, right: Row) -> int:
        """Index of the first level whose condition holds (the else level always does)."""
        for index, level in enumerate(self.levels):
            if level.is_else or level.test(left, right):
                return index
        raise AssertionError("A comparison must end with an else level.")


def _null(column: str) -> Level:
    return Level(
        "missing",
        f'"{column}_l" IS NULL OR "{column}_r" IS NULL',
        lambda left, right: left[column] is None or right[column] is None,
        is_null=True,
    )


def _exact(column: str, *, term_frequency: bool = False) -> Level:
    return Level(
        "exact",
        f'"{column}_l" = "{column}_r"',
        lambda left, right: left[column] == right[column],
        term_frequency=term_frequency,
    )


def _similar(column: str, threshold: float) -> Level:
    return Level(
        f"Jaro-Winkler ≥ {threshold}",
        f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {threshold}',
        lambda left, right: jaro_winkler(left[column], right[column]) >= threshold,
    )


def _near_sql(a: str, b: str) -> str:
    distance = f'levenshtein("{a}", "{b}")'
    return f'({distance} <= 1 OR ({distance} <= 2 AND length("{a}") >= 5 AND length("{b}") >= 5))'


def _near(a: str | None, b: str | None) -> bool:
    """One letter different, or two in names of five letters or more (Levenshtein)."""
    if a is None or b is None:
        return False
    distance = levenshtein(a, b)
    return distance <= 1 or (distance <= 2 and len(a) >= 5 and len(b) >= 5)


def _swapped(column: str, other: str) -> Level:
    """Given and family names exchanged, one of them possibly misspelt as well ("Erin Delacy"/"Delcay Erin")."""
    return Level(
        "given and family names swapped",
        f'("{column}_l" = "{other}_r" AND {_near_sql(f"{other}_l", f"{column}_r")}) OR '
        f'("{other}_l" = "{column}_r" AND {_near_sql(f"{column}_l", f"{other}_r")})',
        lambda left, right: (
            (left[column] == right[other] and _near(left[other], right[column]))
            or (left[other] == right[column] and _near(left[column], right[other]))
        ),
    )


_ELSE = Level("different", "ELSE", lambda left, right: True, is_else=True)


def _name(column: str, other: str, description: str) -> Comparison:
    return Comparison(
        column,
        description,
        (
            _null(column),
            _exact(column, term_frequency=True),
            _swapped(column, other),
            _similar(column, 0.92),
            _similar(column, 0.8),
            _ELSE,
        ),
    )


def _dob_swapped(left: Row, right: Row) -> bool:
    a, b = left["date_of_birth"], right["date_of_birth"]
    return a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]


def _sector(value: str) -> str:
    return value[:-2]


def _district(value: str) -> str:
    return value[:-3]


COMPARISONS: tuple[Comparison, ...] = (
    _name("given_name", "family_name", "Given name"),
    _name("family_name", "given_name", "Family name"),
    Comparison(
        "date_of_birth",
        "Date of birth",
        (
            _null("date_of_birth"),
            _exact("date_of_birth"),
            Level(
                "day and month swapped",
                'substr("date_of_birth_l", 1, 4) = substr("date_of_birth_r", 1, 4) AND '
                'substr("date_of_birth_l", 6, 2) = substr("date_of_birth_r", 9, 2) AND '
                'substr("date_of_birth_l", 9, 2) = substr("date_of_birth_r", 6, 2)',
                _dob_swapped,
            ),
            Level(
                "one character different",
                'levenshtein("date_of_birth_l", "date_of_birth_r") <= 1',
                lambda left, right: levenshtein(left["date_of_birth"], right["date_of_birth"]) <= 1,
            ),
            Level(
                "two characters different",
                'levenshtein("date_of_birth_l", "date_of_birth_r") <= 2',
                lambda left, right: levenshtein(left["date_of_birth"], right["date_of_birth"]) <= 2,
            ),
            _ELSE,
        ),
    ),
    Comparison(
        "postcode",
        "Postcode",
        (
            _null("postcode"),
            _exact("postcode"),
            Level(
                "same sector",
                'substr("postcode_l", 1, length("postcode_l") - 2) = substr("postcode_r", 1, length("postcode_r") - 2)',
                lambda left, right: _sector(left["postcode"]) == _sector(right["postcode"]),
            ),
            Level(
                "same district",
                'substr("postcode_l", 1, length("postcode_l") - 3) = substr("postcode_r", 1, length("postcode_r") - 3)',
                lambda left, right: _district(left["postcode"]) == _district(right["postcode"]),
            ),
            _ELSE,
        ),
    ),
    Comparison("phone", "Phone", (_null("phone"), _exact("phone"), _ELSE)),
    Comparison("email", "Email", (_null("email"), _exact("email"), _ELSE)),
)

LINKAGE_COLUMNS = ("unique_id", "given_name", "family_name", "date_of_birth", "postcode", "phone", "email")
TERM_FREQUENCY_COLUMNS = tuple(c.name for c in COMPARISONS if any(level.term_frequency for level in c.levels))

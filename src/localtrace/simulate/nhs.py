"""NHS numbers: the modulus 11 check digit, and fictional numbers from the test range.

Numbers starting 999 are reserved by NHS England for testing and are never issued to
patients, so every number generated here is valid in form but belongs to no one.
"""

from __future__ import annotations

import numpy as np

TEST_RANGE_PREFIX = 999
_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)  # weights 10..2 for the first nine digits


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine leading digits, or None when no valid number has them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid(number: str) -> bool:
    """True when the text is exactly ten digits with a correct modulus 11 check digit."""
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    return check_digit(number[:9]) == int(number[9])


def _check_digits(stems: np.ndarray) -> np.ndarray:
    """Check digits for an array of nine-digit stems; -1 where no check digit exists."""
    digits = (stems[:, None] // 10 ** np.arange(8, -1, -1, dtype=np.int64)) % 10
    check = 11 - (digits @ _WEIGHTS) % 11
    check = np.where(check == 11, 0, check)
    return np.where(check == 10, -1, check)


def generate(rng: np.random.Generator, count: int) -> np.ndarray:
    """Distinct valid NHS numbers from the test ranges, as int64, in random order.

    The 999 block holds about 909,000 valid numbers; larger populations draw from the
    whole 9 block (also never issued: NHS England's sandbox patients use it).
    """
    if count <= 800_000:
        stem_low, stem_count = 999_000_000, 1_000_000
    else:
        stem_low, stem_count = 900_000_000, 100_000_000
    chosen = np.zeros(0, dtype=np.int64)
    while chosen.size < count:
        needed = count - chosen.size
        stems = stem_low + rng.integers(0, stem_count, size=int(needed * 1.3) + 16, dtype=np.int64)
        checks = _check_digits(stems)
        numbers = stems[checks >= 0] * 10 + checks[checks >= 0]
        # Keep the first appearance of each number, in drawing order, so the result is
        # deterministic for a seed.
        _, first = np.unique(numbers, return_index=True)
        numbers = numbers[np.sort(first)]
        numbers = numbers[~np.isin(numbers, chosen)]
        chosen = np.concatenate([chosen, numbers[:needed]])
    return chosen

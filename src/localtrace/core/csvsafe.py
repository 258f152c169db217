"""CSV writing that neutralises formula injection in every exported cell.

A spreadsheet treats a cell starting with = + - @ (or a tab or carriage return
before one) as a formula. Such cells are prefixed with an apostrophe, as
OWASP recommends, so they are shown as text.

A plain number with a sign (an international phone number such as +447700900123,
or -3.5) is left as it is: a spreadsheet reads it as that number, with no function,
reference or operator to run, so the apostrophe would only change the value for
every other reader of the file (pandas, R, a database import).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-][0-9]+(?:\.[0-9]+)?")


def starts_a_formula(text: str) -> bool:
    """Whether a spreadsheet would take this text as a formula, plain signed numbers aside."""
    return text.startswith(FORMULA_STARTS) and _SIGNED_NUMBER.fullmatch(text) is None


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    if starts_a_formula(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Yield CSV text line by line, for StreamingHttpResponse, every cell neutralised."""
    writer = csv.writer(_Echo())
    yield writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])

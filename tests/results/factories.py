"""Results CSV text for tests: well-formed rows by default, any field overridable."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from localtrace.results.reading import COLUMNS

# Valid NHS numbers (modulus 11) for test people.
NHS_NUMBERS = ["9434765919", "9434765870", "9434765862", "9434765854", "9434765846"]


def row(**overrides: Any) -> dict[str, str]:
    today = dt.date.today()
    base = {
        "source_id": "LAB-TEST",
        "specimen_id": "S000001",
        "nhs_number": NHS_NUMBERS[0],
        "given_name": "Siân",
        "family_name": "O'Brien-Ahmed",
        "date_of_birth": "1980-05-17",
        "sex": "female",
        "address_line_1": "1 Chapel Row",
        "postcode": "FX1 1AB",
        "phone": "07911 123456",
        "email": "sian@example.org",
        "preferred_language": "cy",
        "test_type": "PCR",
        "test_code": "94500-6",
        "result": "positive",
        "result_code": "1240581000000104",
        "specimen_date": (today - dt.timedelta(days=2)).isoformat(),
        "result_date": (today - dt.timedelta(days=1)).isoformat(),
        "care_home": "no",
        "occupation": "",
    }
    base.update({k: str(v) for k, v in overrides.items()})
    return base


def csv_bytes(
    rows: Iterable[dict[str, str]], *, header: Iterable[str] = COLUMNS, bom: bool = False, crlf: bool = False
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    header = list(header)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(c, "") for c in header])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def many_rows(n: int, *, positive_every: int = 20) -> Iterable[dict[str, str]]:
    """n distinct results for a handful of people; one in `positive_every` positive."""
    for i in range(n):
        yield row(
            specimen_id=f"S{i:08d}",
            nhs_number=NHS_NUMBERS[i % len(NHS_NUMBERS)],
            given_name=f"Person{i % len(NHS_NUMBERS)}",
            result="positive" if i % positive_every == 0 else "negative",
            result_code="1240581000000104" if i % positive_every == 0 else "1240591000000102",
        )


def many_rows_csv(n: int, *, positive_every: int = 20) -> bytes:
    """`csv_bytes(many_rows(n))`, the same bytes, made fast enough for a file of a million rows: each distinct
    line is written by the csv module once, with the specimen id, the only cell that changes, put in after."""
    marker = "SPECIMEN-MARKER"
    halves: dict[tuple[int, bool], tuple[str, str]] = {}
    for person, nhs_number in enumerate(NHS_NUMBERS):
        for positive in (True, False):
            line = csv_bytes(
                [
                    row(
                        specimen_id=marker,
                        nhs_number=nhs_number,
                        given_name=f"Person{person}",
                        result="positive" if positive else "negative",
                        result_code="1240581000000104" if positive else "1240591000000102",
                    )
                ]
            ).decode("utf-8")
            before, after = line.split("\n", 1)[1].split(marker)
            halves[(person, positive)] = (before, after)
    parts = [csv_bytes([]).decode("utf-8")]
    people = len(NHS_NUMBERS)
    for i in range(n):
        before, after = halves[(i % people, i % positive_every == 0)]
        parts.append(f"{before}S{i:08d}{after}")
    return "".join(parts).encode("utf-8")

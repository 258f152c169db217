"""Stream rows out of a results CSV: UTF-8 with or without BOM, CRLF, quoted newlines, header aliases.

Memory stays flat whatever the file size: one row at a time.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

COLUMNS = (
    "source_id", "specimen_id", "nhs_number", "given_name", "family_name", "date_of_birth", "sex",
    "address_line_1", "postcode", "phone", "email", "preferred_language", "test_type", "test_code",
    "result", "result_code", "specimen_date", "result_date", "care_home", "occupation",
)  # fmt: skip

# Other names laboratories use for our columns (compared after lower-casing and turning
# anything but letters and digits into "_").
ALIASES: dict[str, str] = {
    "source": "source_id", "lab": "source_id", "lab_code": "source_id", "laboratory": "source_id",
    "laboratory_code": "source_id", "provider": "source_id", "sending_lab": "source_id",
    "specimen": "specimen_id", "specimen_number": "specimen_id", "sample_id": "specimen_id",
    "barcode": "specimen_id", "specimenid": "specimen_id", "accession_number": "specimen_id",
    "nhs_no": "nhs_number", "nhsno": "nhs_number", "nhs": "nhs_number", "nhsnumber": "nhs_number",
    "forename": "given_name", "forenames": "given_name", "first_name": "given_name", "firstname": "given_name",
    "given_names": "given_name", "givenname": "given_name",
    "surname": "family_name", "last_name": "family_name", "lastname": "family_name", "familyname": "family_name",
    "dob": "date_of_birth", "birth_date": "date_of_birth", "birthdate": "date_of_birth", "dateofbirth": "date_of_birth",
    "gender": "sex",
    "address": "address_line_1", "address1": "address_line_1", "address_line1": "address_line_1",
    "post_code": "postcode", "postal_code": "postcode", "zip": "postcode",
    "mobile": "phone", "mobile_number": "phone", "telephone": "phone", "phone_number": "phone", "tel": "phone",
    "email_address": "email", "e_mail": "email",
    "language": "preferred_language", "lang": "preferred_language",
    "test": "test_type", "testtype": "test_type", "test_kit": "test_type",
    "loinc": "test_code", "loinc_code": "test_code", "testcode": "test_code",
    "outcome": "result", "test_result": "result",
    "snomed": "result_code", "snomed_code": "result_code", "resultcode": "result_code",
    "collection_date": "specimen_date", "sample_date": "specimen_date", "date_of_test": "specimen_date",
    "specimen_collected": "specimen_date", "specimendate": "specimen_date",
    "reported_date": "result_date", "date_reported": "result_date", "result_reported": "result_date",
    "authorised_date": "result_date", "resultdate": "result_date",
    "carehome": "care_home", "care_home_flag": "care_home",
    "job": "occupation", "occupation_group": "occupation",
}  # fmt: skip

REQUIRED = ("specimen_id", "given_name", "family_name", "date_of_birth", "postcode", "specimen_date", "result_date")
REQUIRED_ONE_OF = (("test_type", "test_code"), ("result", "result_code"))


class ResultFileError(ValueError):
    """The file as a whole cannot be read as results; nothing from it is taken."""


class RawRow:
    """One data row as it arrived: its number, its fields by column, and its text (for quarantine).

    The text is written out from the row's cells only when asked for: most rows are accepted and
    never need it.
    """

    __slots__ = ("_cells", "_raw_text", "fields", "problem", "row_number")

    def __init__(
        self,
        row_number: int,
        fields: dict[str, str],
        raw_text: str | None = None,
        problem: str = "",
        *,
        cells: list[str] | None = None,
    ) -> None:
        self.row_number = row_number  # 1-based count of data rows after the header
        self.fields = fields
        self.problem = problem  # set when the row cannot even be split into the header's columns
        self._raw_text = raw_text
        self._cells = cells

    @property
    def raw_text(self) -> str:
        if self._raw_text is None:
            self._raw_text = _to_text(self._cells or [])
        return self._raw_text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RawRow):
            return NotImplemented
        return (self.row_number, self.fields, self.raw_text, self.problem) == (
            other.row_number, other.fields, other.raw_text, other.problem,
        )  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RawRow({self.row_number}, problem={self.problem!r})"

    def __getstate__(self) -> tuple[object, ...]:
        return (self.row_number, self.fields, self._raw_text, self.problem, self._cells)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        self.row_number, self.fields, self._raw_text, self.problem, self._cells = state  # type: ignore[assignment]


def canonical_header(name: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return key if key in COLUMNS else ALIASES.get(key, ALIASES.get(key.replace("_", ""), key))


def _to_text(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def read_results(stream: BinaryIO, *, source_given: bool = False) -> Iterator[RawRow]:
    """Yield every data row, numbered; raise ResultFileError if the header is unusable.

    The caller's stream is left open (the wrapper is detached, not closed, when reading stops).
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        yield from _rows(text, source_given=source_given)
    finally:
        text.detach()


def _rows(text: io.TextIOWrapper, *, source_given: bool) -> Iterator[RawRow]:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise ResultFileError("The file is empty: it has no header row.") from None
    except csv.Error as error:
        raise ResultFileError(f"The header row cannot be read as CSV: {error}.") from None
    columns = [canonical_header(h) for h in header]
    known = set(columns) & set(COLUMNS)
    missing = [c for c in REQUIRED if c not in known]
    if not source_given and "source_id" not in known:
        missing.insert(0, "source_id")
    for group in REQUIRED_ONE_OF:
        if not known & set(group):
            missing.append(" or ".join(group))
    if missing:
        raise ResultFileError(
            "The file's header has no column for: " + ", ".join(missing) + ". See docs/intake.md for the columns."
        )
    duplicates = {c for c in columns if c in COLUMNS and columns.count(c) > 1}
    if duplicates:
        raise ResultFileError(f"The header names these columns twice: {', '.join(sorted(duplicates))}.")

    all_known = all(column in COLUMNS for column in columns)
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            row_number += 1
            yield RawRow(row_number, {}, "", problem=f"This row cannot be read as CSV: {error}.")
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # blank lines are not rows
        row_number += 1
        joined = "".join(cells)
        if "\x00" in joined:
            # PostgreSQL cannot store NUL in text; keep the row, with the NULs made visible.
            cells = [cell.replace("\x00", "\ufffd") for cell in cells]
        if len(cells) != len(columns):
            yield RawRow(
                row_number,
                {},
                problem=f"This row has {len(cells)} cells but the header has {len(columns)} columns.",
                cells=cells,
            )
            continue
        problem = ""
        if "\x00" in joined:
            problem = "This row contains NUL characters (shown as �), which are not text."
        elif "\ufffd" in joined:
            problem = "This row has characters that are not UTF-8 text (shown as �)."
        if all_known:
            fields = dict(zip(columns, cells, strict=True))
        else:
            fields = {column: cell for column, cell in zip(columns, cells, strict=True) if column in COLUMNS}
        yield RawRow(row_number, fields, problem=problem, cells=cells)

"""Stream rows out of a results CSV: UTF-8 with or without BOM, CRLF, quoted newlines, header aliases.

Memory stays flat whatever the file size: one row at a time. Every line of the file ends up in a row:
a quote that is never closed spoils its own line, not the rows after it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
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

# The quarantine download's own column: which quarantined row a corrected row settles (see services).
REFERENCE = "quarantine_reference"

REQUIRED = ("specimen_id", "given_name", "family_name", "date_of_birth", "postcode", "specimen_date", "result_date")
REQUIRED_ONE_OF = (("test_type", "test_code"), ("result", "result_code"))


class ResultFileError(ValueError):
    """The file as a whole cannot be read as results; nothing from it is taken."""


class RawRow:
    """One data row as it arrived: its number, its fields by column, and its text (for quarantine).

    The text is written out from the row's cells only when asked for: most rows are accepted and
    never need it.
    """

    __slots__ = ("_cells", "_raw_text", "fields", "problem", "reference", "row_number")

    def __init__(
        self,
        row_number: int,
        fields: dict[str, str],
        raw_text: str | None = None,
        problem: str = "",
        *,
        cells: list[str] | None = None,
        reference: str = "",
    ) -> None:
        self.row_number = row_number  # 1-based count of data rows after the header
        self.fields = fields
        self.problem = problem  # set when the row cannot even be split into the header's columns
        self.reference = reference  # its quarantine_reference cell (a re-uploaded quarantine download), if any
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
        return (self.row_number, self.fields, self._raw_text, self.problem, self._cells, self.reference)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        self.row_number, self.fields, self._raw_text, self.problem, self._cells, self.reference = state  # type: ignore[assignment]


def canonical_header(name: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return key if key in COLUMNS else ALIASES.get(key, ALIASES.get(key.replace("_", ""), key))


def _to_text(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


# How a file is read, recorded with each submission (`Submission.reading`) so that an import resumed after a
# restart numbers its rows as it did when it began, whatever this release reads differently:
#   1: a line of empty cells (",,,,") is a row, quarantined for its missing fields;
#   2: it is a blank line, not a row, as a spreadsheet writes one after its last row.
READING = 2


def read_results(stream: BinaryIO, *, source_given: bool = False, reading: int = READING) -> Iterator[RawRow]:
    """Yield every data row, numbered; raise ResultFileError if the header is unusable.

    `reading` is the submission's reading rule (see READING). The caller's stream is left open (the wrapper is
    detached, not closed, when reading stops).
    """
    if reading not in (1, 2):
        raise ValueError(f"no such reading rule: {reading}")
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        yield from _rows(text, source_given=source_given, empty_cells_are_blank=reading >= 2)
    finally:
        text.detach()


class _Lines:
    """The file's lines for the csv reader, keeping those of the record being read.

    A quote that is never closed makes the reader run on through the lines after it, as if they were
    one cell. Kept here, those lines can be handed back and read again as rows of their own.
    """

    __slots__ = ("_pending", "_readline", "before", "ran_out", "taken")

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._readline = text.readline
        self._pending: deque[str] = deque()
        self.taken: list[str] = []  # the lines of the record being read
        self.before = 0  # lines of the file before the record being read
        self.ran_out = False  # the reader asked for more while reading this record, and the file had none

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            line = self._pending.popleft()
        else:
            line = self._readline()
            if not line:
                self.ran_out = True
                raise StopIteration
        self.taken.append(line)
        return line

    def keep(self) -> None:
        """The record just read stands as read."""
        self.before += len(self.taken)
        self.taken = []
        self.ran_out = False

    def keep_first_line(self) -> str:
        """Only the record's first line stands as its row; the others are read again."""
        first, rest = self.taken[0], self.taken[1:]
        self._pending.extendleft(reversed(rest))
        self.before += 1
        self.taken = []
        self.ran_out = False
        return first


# Control characters that no text file's first row holds (a tab, CR and LF are text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _not_results(why: str) -> ResultFileError:
    return ResultFileError(
        f"This is not a CSV file of results: {why} Save the results as a CSV file (in a spreadsheet, "
        "“Save as” and choose CSV UTF-8), with the column names in its first row, and use that file."
    )


def _unclosed_quote_row(
    row_number: int, line_number: int, line: str, columns: list[str], *, cells_made: int | None = None
) -> RawRow:
    """The line where a quote opens and is never closed, as a row of its own that is quarantined.

    `cells_made`: how many cells the lines made when read on as one row (None: the quote ran to the
    end of the file, or until a cell was too long to read).

    Its cells, read as far as its own line goes, are kept when there are as many as the header has
    columns: they route the row to its area and fill in the form to correct it.
    """
    text = line.rstrip("\r\n").replace("\x00", "\ufffd")
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error:
        cells = []
    fields = (
        {column: cell for column, cell in zip(columns, cells, strict=True) if column in COLUMNS}
        if len(cells) == len(columns)
        else {}
    )
    return RawRow(
        row_number,
        fields,
        text,
        problem=(
            f'A quote (") opened on line {line_number} of the file is never closed, so this row cannot be split '
            "into cells. The lines after it were read as rows of their own. Close the quote, or remove it."
            if cells_made is None
            else f'A quote (") opened on line {line_number} of the file runs on past the end of the line, and '
            f"the row it makes has {cells_made} cells, not {len(columns)}: the quote is probably never closed. "
            "The lines after it were read as rows of their own. Close the quote, or remove it."
        ),
    )


def _rows(text: io.TextIOWrapper, *, source_given: bool, empty_cells_are_blank: bool) -> Iterator[RawRow]:
    lines = _Lines(text)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise ResultFileError("The file is empty: it has no header row.") from None
    except csv.Error as error:
        raise ResultFileError(f"The header row cannot be read as CSV: {error}.") from None
    header_lines = len(lines.taken)
    lines.keep()
    columns = [canonical_header(h) for h in header]
    known = set(columns) & set(COLUMNS)
    first_row = "".join(header)
    if _CONTROL.search(first_row) or (not known and "\ufffd" in first_row):
        raise _not_results("it is not text (it may be an image, a PDF or a spreadsheet).")
    if not known:
        raise _not_results("its first row names none of the columns a results file has, such as specimen_id.")
    missing = [c for c in REQUIRED if c not in known]
    if not source_given and "source_id" not in known:
        missing.insert(0, "source_id")
    for group in REQUIRED_ONE_OF:
        if not known & set(group):
            missing.append(" or ".join(group))
    if header_lines > 1:  # no column name spans lines: the rows after it were read into the header
        raise ResultFileError(
            'The header row opens a quote (") that is never closed, so its column names cannot be read. '
            "Close the quote, or remove it."
        )
    if missing:
        raise ResultFileError(
            "The file's header has no column for: "
            + ", ".join(missing)
            + ". The upload page lists the columns a results file has, and the other names we accept."
        )
    duplicates = {c for c in columns if c in COLUMNS and columns.count(c) > 1}
    if duplicates:
        raise ResultFileError(f"The header names these columns twice: {', '.join(sorted(duplicates))}.")

    all_known = all(column in COLUMNS for column in columns)
    reference_at = columns.index(REFERENCE) if REFERENCE in columns else None
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            row_number += 1
            line_number = lines.before + 1
            if len(lines.taken) > 1:
                # A quote that is never closed ran the record on until a cell grew past the reader's limit.
                yield _unclosed_quote_row(row_number, line_number, lines.keep_first_line(), columns)
                continue
            raw = "".join(lines.taken).rstrip("\r\n").replace("\x00", "\ufffd")
            lines.keep()
            why = (
                f"a cell is longer than the {csv.field_size_limit():,} characters we read"
                if "field limit" in str(error)
                else str(error)
            )
            yield RawRow(row_number, {}, raw, problem=f"Line {line_number} of the file cannot be read as CSV: {why}.")
            continue
        # A record of more than one line: a quote ran on past the end of its line. Legitimate when it holds a
        # line break inside a cell; not when it ran to the end of the file, or left the row the wrong width.
        if lines.ran_out or (len(lines.taken) > 1 and len(cells) != len(columns)):
            row_number += 1
            cells_made = None if lines.ran_out else len(cells)
            line_number = lines.before + 1
            line = lines.keep_first_line()
            yield _unclosed_quote_row(row_number, line_number, line, columns, cells_made=cells_made)
            continue
        lines.keep()
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # blank lines are not rows
        if empty_cells_are_blank and not any(cell.strip() for cell in cells):
            continue  # nor are a spreadsheet's lines of empty cells (",,,,")
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
        reference = cells[reference_at].strip() if reference_at is not None else ""
        yield RawRow(row_number, fields, problem=problem, cells=cells, reference=reference)

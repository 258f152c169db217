"""Line-list exports for area leads: every case, contact or setting of an area, as CSV, XLSX or Parquet.

Rows are read from the database in chunks (`iterator`), never as one list: CSV streams straight to
the response; XLSX (openpyxl's write-only mode) and Parquet (pyarrow, a row group per chunk) are
written chunk by chunk to a temporary file that is then streamed.

Values are written as they are stored; only where a spreadsheet could run them are they guarded:
- CSV: a text cell that would start a formula gets an apostrophe (`csvsafe.neutralise`), so a name
  such as "=HYPERLINK(…)" stays text; a plain signed number such as a phone number +447… does not.
- Excel: every text cell is written as a string cell, never a formula; one that starts like a formula
  is also marked with Excel's own "quote prefix" style, so it stays text if someone edits it. The value
  itself is unchanged.
- Parquet: raw values; nothing there is ever evaluated.
Times are the moment they record, to the second: in CSV and Excel as ISO 8601 local time with its UTC
offset (2026-10-25T01:30:00+01:00, so the hour the clocks go back is not ambiguous), in Parquet as
timestamps with the deployment's time zone.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.core.csvsafe import csv_lines, starts_a_formula

CHUNK = 2_000
FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "parquet": "application/vnd.apache.parquet"}  # fmt: skip


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[dict[str, Any]], Any]
    # The Parquet type: string, int64, date32, timestamp, bool. A timestamp's value is an aware datetime.
    kind: str = "string"


def _field(name: str, kind: str = "string") -> Callable[[dict[str, Any]], Any]:
    return lambda row: row[name]


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    """The moment, in local time with its offset, to the second: one precision for every time in a file."""
    return timezone.localtime(value).replace(microsecond=0) if value else None


def _iso(value: Any) -> Any:
    """A time as ISO 8601 text with its UTC offset, for CSV and Excel, which keep no time zone of their own."""
    return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class LineList:
    key: str
    title: str
    columns: tuple[Column, ...]
    fields: tuple[str, ...]
    queryset: Callable[[Area], QuerySet[Any]]

    def rows(self, area: Area) -> Iterator[list[Any]]:
        for row in self.queryset(area).values(*self.fields).iterator(chunk_size=CHUNK):
            yield [column.value(row) for column in self.columns]

    def text_rows(self, area: Area) -> Iterator[list[Any]]:
        """The rows with their times as ISO 8601 text (CSV and Excel)."""
        for row in self.rows(area):
            yield [_iso(value) for value in row]


def _cases(area: Area) -> QuerySet[Any]:
    from localtrace.cases.models import Case

    return Case.objects.filter(area=area).annotate(contacts_named=Count("contacts")).order_by("pk")


def _contacts(area: Area) -> QuerySet[Any]:
    from localtrace.contacts.models import Contact

    return Contact.objects.filter(area=area).order_by("pk")


def _settings(area: Area) -> QuerySet[Any]:
    from localtrace.places.models import Setting

    return Setting.objects.filter(area=area).annotate(visits_recorded=Count("visits")).order_by("pk")


def _ts(name: str) -> Column:
    return Column(name.replace("_", " ").capitalize(), lambda row: _moment(row[name]), "timestamp")


_PERSON = ("person__nhs_number", "person__given_name", "person__family_name", "person__date_of_birth",
           "person__address_line_1", "person__postcode", "person__phone", "person__email")  # fmt: skip


def _person_columns() -> tuple[Column, ...]:
    return (
        Column("NHS number", _field("person__nhs_number")),
        Column("Given name", _field("person__given_name")),
        Column("Family name", _field("person__family_name")),
        Column("Date of birth", _field("person__date_of_birth"), "date32"),
        Column("Address", _field("person__address_line_1")),
        Column("Postcode", _field("person__postcode")),
        Column("Phone", _field("person__phone")),
        Column("Email", _field("person__email")),
    )


LINE_LISTS = {
    "cases": LineList(
        "cases",
        "Cases",
        (
            Column("Reference", lambda row: f"C{row['pk']}"),
            *_person_columns(),
            Column("Priority", _field("priority"), "int64"),
            Column("Status", _field("status")),
            Column("Specimen date", _field("specimen_date"), "date32"),
            Column("Result date", _field("result_date"), "date32"),
            Column("Result received", lambda row: _moment(row["first_result__received_at"]), "timestamp"),
            _ts("reach_deadline"),
            _ts("reached_at"),
            _ts("closed_at"),
            Column("Symptomatic", _field("symptomatic"), "bool"),
            Column("Onset date", _field("onset_date"), "date32"),
            Column("Contacts named", _field("contacts_named"), "int64"),
            Column("Named as contact", lambda row: f"K{row['source_contact_id']}" if row["source_contact_id"] else ""),
        ),
        (
            "pk",
            *_PERSON,
            "priority",
            "status",
            "specimen_date",
            "result_date",
            "first_result__received_at",
            "reach_deadline",
            "reached_at",
            "closed_at",
            "symptomatic",
            "onset_date",
            "contacts_named",
            "source_contact_id",
        ),
        _cases,
    ),
    "contacts": LineList(
        "contacts",
        "Contacts",
        (
            Column("Reference", lambda row: f"K{row['pk']}"),
            Column("Named by case", lambda row: f"C{row['case_id']}"),
            *_person_columns(),
            Column("Kind", _field("kind")),
            Column("Relationship", _field("relationship")),
            Column("Last exposure", _field("last_exposure"), "date32"),
            Column("Isolation ends", _field("isolation_ends_on"), "date32"),
            Column("Status", _field("status")),
            _ts("named_at"),
            Column("Named online", _field("named_online"), "bool"),
            _ts("reach_deadline"),
            _ts("reached_at"),
            _ts("closed_at"),
        ),
        (
            "pk",
            "case_id",
            *_PERSON,
            "kind",
            "relationship",
            "last_exposure",
            "isolation_ends_on",
            "status",
            "named_at",
            "named_online",
            "reach_deadline",
            "reached_at",
            "closed_at",
        ),
        _contacts,
    ),
    "settings": LineList(
        "settings",
        "Settings",
        (
            Column("Reference", lambda row: f"S{row['pk']}"),
            Column("Name", _field("name")),
            Column("Kind", _field("kind")),
            Column("Address", _field("address_line_1")),
            Column("Postcode", _field("postcode")),
            _ts("created_at"),
            Column("Visits recorded", _field("visits_recorded"), "int64"),
        ),
        ("pk", "name", "kind", "address_line_1", "postcode", "created_at", "visits_recorded"),
        _settings,
    ),
}


def csv_stream(line_list: LineList, area: Area) -> Iterator[str]:
    return csv_lines([c.title for c in line_list.columns], line_list.text_rows(area))


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """Text as a string cell: openpyxl would make a string starting with "=" a formula (and "#N/A" an error).

    A control character (other than tab, CR and LF) cannot be written in a workbook's XML at all: it is shown
    as U+FFFD, as intake shows a NUL, rather than one pasted name failing the whole download."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"
    if starts_a_formula(value):
        cell.quotePrefix = True  # as Excel marks text typed with a leading apostrophe: it stays text when edited
    return cell


def write_xlsx(line_list: LineList, area: Area) -> IO[bytes]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(line_list.title)
    sheet.append([_xlsx_cell(sheet, c.title) for c in line_list.columns])
    for row in line_list.text_rows(area):
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return handle


def write_parquet(line_list: LineList, area: Area) -> IO[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "int64": pa.int64(), "date32": pa.date32(), "bool": pa.bool_(),
             "timestamp": pa.timestamp("s", tz=timezone.get_current_timezone_name())}  # fmt: skip
    schema = pa.schema([(c.title, types[c.kind]) for c in line_list.columns])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, FileResponse closes it
    with pq.ParquetWriter(handle, schema) as writer:
        chunk: list[list[Any]] = []

        def flush() -> None:
            columns: list[Any] = list(zip(*chunk, strict=True)) if chunk else [[] for _ in line_list.columns]
            writer.write_table(
                pa.table(
                    [pa.array(col, type=types[c.kind]) for c, col in zip(line_list.columns, columns, strict=True)],
                    schema=schema,
                )
            )

        for row in line_list.rows(area):
            chunk.append(row)
            if len(chunk) >= CHUNK:
                flush()
                chunk = []
        if chunk or not handle.tell():
            flush()
    handle.seek(0)
    return handle

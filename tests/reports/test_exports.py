"""Line-list downloads keep values as stored, guard formulas only where a spreadsheet would run them,
and write every time as a moment with its UTC offset."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from localtrace.contacts.models import Contact
from localtrace.people.models import Person
from tests.personas import World

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# The night the clocks go back: 01:30 happens twice in London, at 00:30 and 01:30 UTC.
FIRST_0130 = dt.datetime(2025, 10, 26, 0, 30, 5, 349509, tzinfo=UTC)
SECOND_0130 = dt.datetime(2025, 10, 26, 1, 30, tzinfo=UTC)


def download(client, world: World, fmt: str) -> bytes:  # type: ignore[no-untyped-def]
    response = client.get(f"/performance/areas/{world.area_a.pk}/export/contacts.{fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def the_contact(rows: list[dict[str, str]], contact: Contact) -> dict[str, str]:
    (found,) = [r for r in rows if r["Reference"] == f"K{contact.pk}"]
    return found


def test_phone_numbers_and_negative_numbers_are_exported_as_they_are(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    contact = world.contact_a
    Person.objects.filter(pk=contact.person_id).update(phone="+447245579682", address_line_1="-1 Flat")
    client = client_for("area_lead_a")

    row = the_contact(csv_rows(download(client, world, "csv")), contact)
    assert row["Phone"] == "+447245579682"
    assert row["Address"] == "'-1 Flat"  # not a number: a spreadsheet could read it as a formula

    sheet = load_workbook(io.BytesIO(download(client, world, "xlsx"))).active
    header, *rows = list(sheet.iter_rows())
    phone = [c.value for c in header].index("Phone")
    (cell,) = [r[phone] for r in rows if r[0].value == f"K{contact.pk}"]
    assert (cell.value, cell.data_type) == ("+447245579682", "s")

    table = pq.read_table(io.BytesIO(download(client, world, "parquet")))
    assert "+447245579682" in table.column("Phone").to_pylist()
    assert "-1 Flat" in table.column("Address").to_pylist()


def test_text_that_would_start_a_formula_stays_text_without_changing_the_value(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    contact = world.contact_a
    Person.objects.filter(pk=contact.person_id).update(given_name='=HYPERLINK("http://x")', family_name="#N/A")
    client = client_for("area_lead_a")

    row = the_contact(csv_rows(download(client, world, "csv")), contact)
    assert row["Given name"] == '\'=HYPERLINK("http://x")'

    data = download(client, world, "xlsx")
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(io.BytesIO(data)).active
    header, *rows = list(sheet.iter_rows())
    titles = [c.value for c in header]
    (mine,) = [r for r in rows if r[0].value == f"K{contact.pk}"]
    given, family = mine[titles.index("Given name")], mine[titles.index("Family name")]
    assert (given.value, given.data_type, given.quotePrefix) == ('=HYPERLINK("http://x")', "s", True)
    assert (family.value, family.data_type) == ("#N/A", "s")  # text, not Excel's error value

    table = pq.read_table(io.BytesIO(download(client, world, "parquet")))
    assert '=HYPERLINK("http://x")' in table.column("Given name").to_pylist()


def test_times_are_iso_8601_with_their_utc_offset_to_the_second(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    contact = world.contact_a
    Contact.objects.filter(pk=contact.pk).update(named_at=FIRST_0130, reach_deadline=SECOND_0130)
    client = client_for("area_lead_a")

    data = download(client, world, "csv")
    row = the_contact(csv_rows(data), contact)
    assert row["Named at"] == "2025-10-26T01:30:05+01:00"
    assert row["Reach deadline"] == "2025-10-26T01:30:00+00:00"
    # One precision and an offset in every cell, so pandas reads the column with no format hint.
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    named_at = pd.to_datetime(frame["Named at"], utc=True)
    assert named_at[frame["Reference"] == f"K{contact.pk}"].iloc[0] == pd.Timestamp("2025-10-26T00:30:05Z")

    sheet = load_workbook(io.BytesIO(download(client, world, "xlsx"))).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    (mine,) = [r for r in rows if r[0] == f"K{contact.pk}"]
    assert mine[header.index("Named at")] == "2025-10-26T01:30:05+01:00"
    assert mine[header.index("Reach deadline")] == "2025-10-26T01:30:00+00:00"

    table = pq.read_table(io.BytesIO(download(client, world, "parquet")))
    named_type = table.schema.field("Named at").type
    assert pa.types.is_timestamp(named_type) and named_type.tz == "Europe/London"  # Parquet keeps ms at least
    # Read back in UTC: Python never calls an ambiguous local time equal to a time in another zone (PEP 495).
    references = table.column("Reference").to_pylist()
    in_utc = {
        title: table.column(title).cast(pa.timestamp("s", tz="UTC")).to_pylist()
        for title in ("Named at", "Reach deadline")
    }
    mine = references.index(f"K{contact.pk}")
    assert in_utc["Named at"][mine] == FIRST_0130.replace(microsecond=0)
    assert in_utc["Reach deadline"][mine] == SECOND_0130


def test_a_control_character_in_a_name_does_not_stop_the_excel_download(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    # Intake keeps names as sent; a control character (pasted from a word processor) is no XML text.
    contact = world.contact_a
    Person.objects.filter(pk=contact.person_id).update(given_name="Rhys\x01", family_name="Ow\x1ben")
    client = client_for("area_lead_a")

    sheet = load_workbook(io.BytesIO(download(client, world, "xlsx"))).active
    header, *rows = list(sheet.iter_rows())
    titles = [c.value for c in header]
    (mine,) = [r for r in rows if r[0].value == f"K{contact.pk}"]
    assert mine[titles.index("Given name")].value == "Rhys\ufffd"
    assert mine[titles.index("Family name")].value == "Ow\ufffden"
    # The other formats keep the value as stored.
    assert the_contact(csv_rows(download(client, world, "csv")), contact)["Given name"] == "Rhys\x01"

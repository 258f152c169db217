from __future__ import annotations

import io

import pytest

from localtrace.results.reading import ResultFileError, canonical_header, read_results
from tests.results.factories import csv_bytes, row


def rows_of(data: bytes, **kwargs):  # type: ignore[no-untyped-def]
    return list(read_results(io.BytesIO(data), **kwargs))


@pytest.mark.parametrize("bom, crlf", [(False, False), (True, False), (False, True), (True, True)])
def test_bom_and_line_endings_make_no_difference(bom: bool, crlf: bool) -> None:
    rows = rows_of(csv_bytes([row(), row(specimen_id="S2")], bom=bom, crlf=crlf))
    assert [r.fields["specimen_id"] for r in rows] == ["S000001", "S2"]
    assert rows[0].fields["source_id"] == "LAB-TEST"
    assert not any(r.problem for r in rows)


def test_a_quoted_newline_stays_inside_its_cell() -> None:
    rows = rows_of(csv_bytes([row(address_line_1="Flat 2\nChapel Row"), row(specimen_id="S2")]))
    assert len(rows) == 2
    assert rows[0].fields["address_line_1"] == "Flat 2\nChapel Row"
    assert [r.row_number for r in rows] == [1, 2]


def test_common_header_names_are_understood() -> None:
    assert canonical_header("NHS Number") == "nhs_number"
    assert canonical_header("Surname") == "family_name"
    assert canonical_header("  DOB ") == "date_of_birth"
    assert canonical_header("Post Code") == "postcode"
    assert canonical_header("Collection Date") == "specimen_date"


def test_a_file_missing_required_columns_is_refused_with_the_columns_named() -> None:
    with pytest.raises(ResultFileError, match="postcode"):
        rows_of(csv_bytes([row()], header=["source_id", "specimen_id", "given_name"]))


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ResultFileError, match="empty"):
        rows_of(b"")


def test_a_row_with_the_wrong_number_of_cells_is_kept_with_a_reason() -> None:
    data = csv_bytes([row()]) + b"too,few,cells\n"
    rows = rows_of(data)
    assert len(rows) == 2
    assert "has 3 cells" in rows[1].problem
    assert rows[1].raw_text == "too,few,cells"


def test_bytes_that_are_not_utf8_are_reported_not_dropped() -> None:
    data = csv_bytes([row(), row(specimen_id="S2", given_name="QQQ")]).replace(b"QQQ", b"\xff\xfe")
    rows = rows_of(data)
    assert len(rows) == 2
    assert not rows[0].problem
    assert "not UTF-8" in rows[1].problem


def test_nul_characters_are_made_visible_and_the_row_kept_with_a_reason() -> None:
    data = csv_bytes([row(given_name="A\x00B")])
    (only,) = rows_of(data)
    assert "NUL" in only.problem
    assert "\x00" not in only.raw_text and "\x00" not in only.fields["given_name"]

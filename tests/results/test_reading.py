from __future__ import annotations

import io

import pytest

from localtrace.results.reading import COLUMNS, ResultFileError, canonical_header, read_results
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


def with_lines_of_empty_cells() -> bytes:
    empty = "," * (len(COLUMNS) - 1) + "\n"
    header, first = csv_bytes([row()]).decode().splitlines(keepends=True)
    second = csv_bytes([row(specimen_id="S2")]).decode().split("\n", 1)[1]
    return (header + first + "\n" + empty + " , ,\n" + second + empty * 3).encode()


def test_blank_lines_and_lines_of_empty_cells_are_not_rows() -> None:
    rows = rows_of(with_lines_of_empty_cells())
    assert [(r.row_number, r.fields["specimen_id"], r.problem) for r in rows] == [(1, "S000001", ""), (2, "S2", "")]


def test_a_submission_begun_under_the_first_reading_rule_keeps_lines_of_empty_cells_as_rows() -> None:
    rows = rows_of(with_lines_of_empty_cells(), reading=1)
    # The blank line is still not a row; the four lines of empty cells and " , ," are, as they were then.
    assert [r.row_number for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert rows[3].fields["specimen_id"] == "S2"
    assert "has 3 cells" in rows[2].problem


def test_an_unknown_reading_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="no such reading rule"):
        rows_of(csv_bytes([row()]), reading=3)


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


def _unclosed_quote_file(*, crlf: bool = False) -> bytes:
    """Six rows; the second opens a quote in its address cell and never closes it."""
    rows = [row(specimen_id=f"S{n}") for n in range(1, 7)]
    data = csv_bytes(rows, crlf=crlf).decode()
    newline = "\r\n" if crlf else "\n"
    lines = data.split(newline)
    lines[2] = lines[2].replace("1 Chapel Row", '"Flat 2, The Mill')
    return newline.join(lines).encode()


def test_an_unclosed_quote_does_not_swallow_the_rows_after_it() -> None:
    rows = rows_of(_unclosed_quote_file())
    assert [r.row_number for r in rows] == [1, 2, 3, 4, 5, 6]
    assert "line 3 of the file" in rows[1].problem and "never closed" in rows[1].problem
    assert '"Flat 2, The Mill' in rows[1].raw_text and "S3" not in rows[1].raw_text
    assert [r.fields["specimen_id"] for r in rows if not r.problem] == ["S1", "S3", "S4", "S5", "S6"]


def test_an_unclosed_quote_is_found_whatever_the_line_ends() -> None:
    rows = rows_of(_unclosed_quote_file(crlf=True))
    assert len(rows) == 6 and [bool(r.problem) for r in rows] == [False, True, False, False, False, False]


def test_an_unclosed_quote_in_the_last_column_that_runs_to_the_end_of_the_file_is_one_row() -> None:
    # Read on to the end of the file, the rest would land in one cell and leave the row the right width.
    data = csv_bytes([row(specimen_id="S1"), row(specimen_id="S2"), row(specimen_id="S3")]).decode()
    lines = data.splitlines()
    assert lines[1].endswith(",no,")  # occupation, the last column, is blank
    lines[1] += '"health_care'
    rows = rows_of(("\n".join(lines) + "\n").encode())
    assert len(rows) == 3
    assert "line 2 of the file" in rows[0].problem
    # Read as far as its own line goes, the row's cells are kept to route and correct it.
    assert rows[0].fields["specimen_id"] == "S1"
    assert not rows[1].problem and not rows[2].problem


def test_rows_after_an_unclosed_quote_are_kept_even_past_the_csv_cell_limit() -> None:
    data = _unclosed_quote_file() + csv_bytes([row(specimen_id=f"T{n}") for n in range(2000)]).split(b"\n", 1)[1]
    rows = rows_of(data)
    assert len(rows) == 2006
    assert sum(1 for r in rows if r.problem) == 1


def test_a_quoted_newline_in_the_last_row_of_the_file_is_still_one_good_row() -> None:
    for crlf in (False, True):
        data = csv_bytes([row(), row(specimen_id="S2", address_line_1="Flat 2\r\nChapel Row")], crlf=crlf)
        for ending in (b"", b"\n"):
            rows = rows_of(data.rstrip(b"\r\n") + ending)
            assert [r.problem for r in rows] == ["", ""]
            assert rows[1].fields["address_line_1"] == "Flat 2\r\nChapel Row"


def test_a_file_that_is_not_text_is_refused_as_not_a_csv_file_of_results() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    with pytest.raises(ResultFileError) as refused:
        rows_of(png)
    assert "not a CSV file of results" in str(refused.value)
    assert "docs/" not in str(refused.value) and "no column for" not in str(refused.value)


def test_a_file_whose_header_names_none_of_our_columns_is_not_a_csv_file_of_results() -> None:
    with pytest.raises(ResultFileError, match="not a CSV file of results"):
        rows_of(b"name,age\nfred,3\n")


def test_a_header_missing_some_columns_names_them_without_pointing_at_a_repository_path() -> None:
    with pytest.raises(ResultFileError) as refused:
        rows_of(csv_bytes([row()], header=["source_id", "specimen_id", "given_name"]))
    assert "no column for" in str(refused.value) and "docs/intake.md" not in str(refused.value)


def test_a_quarantine_reference_column_is_read_with_each_row() -> None:
    data = csv_bytes(
        [{**row(), "problems": "x", "quarantine_reference": " Q12 "}, row(specimen_id="S2")],
        header=[*COLUMNS, "problems", "quarantine_reference"],
    )
    rows = rows_of(data)
    assert [r.reference for r in rows] == ["Q12", ""]
    assert "quarantine_reference" not in rows[0].fields


def test_a_quote_that_runs_past_its_line_into_a_row_of_the_wrong_width_leaves_each_line_a_row() -> None:
    rows = rows_of(csv_bytes([row()]) + b'"quoted\nnewline",x\n')
    assert len(rows) == 3 and rows[1].raw_text == '"quoted'
    assert "line 3 of the file runs on past the end of the line" in rows[1].problem
    assert "makes has 2 cells, not 20" in rows[1].problem
    assert "has 2 cells but the header has 20 columns" in rows[2].problem


def test_a_single_line_too_long_to_read_is_kept_with_a_plain_reason() -> None:
    data = csv_bytes([row()]) + b"x" * 200_000 + b"\n" + csv_bytes([row(specimen_id="S2")]).split(b"\n", 1)[1]
    rows = rows_of(data)
    assert len(rows) == 3
    assert "Line 3 of the file cannot be read as CSV: a cell is longer than the 131,072 characters" in rows[1].problem
    assert len(rows[1].raw_text) == 200_000
    assert rows[2].fields["specimen_id"] == "S2"

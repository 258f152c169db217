"""Injected faults: every one is in truth/faults.csv, exactly as written, and nothing else differs."""

from __future__ import annotations

import collections
import datetime as dt

from localtrace.simulate import Summary
from localtrace.simulate.constants import RESULTS_COLUMNS
from localtrace.simulate.faults import ALL_KINDS, FILE_KINDS

from .helpers import read_csv, read_rows


def _faults_by_row(summary: Summary, file: str = "results.csv") -> dict[int, list[dict[str, str]]]:
    faults: dict[int, list[dict[str, str]]] = collections.defaultdict(list)
    for fault in read_csv(summary.paths["faults"]):
        if fault["file"] == file:
            faults[int(fault["row"])].append(fault)
    return faults


def _records(summary: Summary, file: str = "results.csv") -> dict[int, dict[str, str]]:
    return {int(r["row"]): r for r in read_csv(summary.paths["records"]) if r["file"] == file}


def test_a_clean_run_has_no_faults_at_all(clean_run: Summary) -> None:
    assert read_csv(clean_run.paths["faults"]) == []
    assert clean_run.counts["faults"] == 0
    raw = clean_run.paths["results"].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in raw
    assert not (clean_run.out_dir / "results-resent.csv").exists()
    _, rows = read_rows(clean_run.paths["results"])
    assert len(rows) == clean_run.counts["results"]
    for row in rows:
        assert row == [cell.strip() for cell in row]


def test_every_recorded_fault_matches_the_written_file(faulty_run: Summary) -> None:
    header, rows = read_rows(faulty_run.paths["results"])
    assert header == list(RESULTS_COLUMNS)
    column = {name: index for index, name in enumerate(header)}
    faults = _faults_by_row(faulty_run)
    checked = collections.Counter()
    for row_number, row_faults in faults.items():
        for fault in row_faults:
            kind = fault["kind"]
            assert kind in ALL_KINDS
            if kind in FILE_KINDS:
                assert row_number == 0
            elif kind == "duplicate_row":
                assert rows[row_number - 1] == rows[int(fault["written_value"]) - 1]
                assert row_number > int(fault["written_value"])
            else:
                assert rows[row_number - 1][column[fault["field"]]] == fault["written_value"], fault
                assert fault["clean_value"] != fault["written_value"]
            checked[kind] += 1
    # With a 30% rate every kind of fault should turn up.
    assert set(checked) == set(ALL_KINDS) - {"resent_row"}


def test_rows_differ_from_the_clean_file_exactly_where_faults_say(
    faulty_run: Summary, faulty_clean_run: Summary
) -> None:
    _, rows = read_rows(faulty_run.paths["results"])
    _, clean_rows = read_rows(faulty_clean_run.paths["results"])
    faults = _faults_by_row(faulty_run)
    records = _records(faulty_run)
    assert len(records) == len(rows)
    duplicates = {n for n, row_faults in faults.items() for f in row_faults if f["kind"] == "duplicate_row"}
    for row_number, row in enumerate(rows, start=1):
        if row_number in duplicates:
            continue  # a copy of an earlier row, faults and all (checked above)
        clean = clean_rows[int(records[row_number]["result_number"]) - 1]
        recorded = {f["field"]: f for f in faults.get(row_number, []) if f["field"]}
        for index, name in enumerate(RESULTS_COLUMNS):
            if name in recorded:
                assert clean[index] == recorded[name]["clean_value"]
                assert row[index] == recorded[name]["written_value"]
            else:
                assert row[index] == clean[index], (row_number, name)


def test_the_file_level_faults_are_applied_and_recorded(faulty_run: Summary) -> None:
    raw = faulty_run.paths["results"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n")
    kinds = {f["kind"] for f in _faults_by_row(faulty_run)[0]}
    assert kinds == {"bom", "crlf"}


def test_the_resent_file_repeats_a_slice_of_rows_byte_for_byte(faulty_run: Summary) -> None:
    resent_path = faulty_run.out_dir / "results-resent.csv"
    original = faulty_run.paths["results"].read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    resent = resent_path.read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    assert resent[0] == original[0]
    faults = _faults_by_row(faulty_run, "results-resent.csv")
    records = _records(faulty_run, "results-resent.csv")
    originals = _records(faulty_run)
    assert len(resent) - 1 == len(faults) == len(records) == faulty_run.counts["resent_rows"] > 0
    for row_number in range(1, len(resent)):
        (fault,) = faults[row_number]
        assert fault["kind"] == "resent_row"
        source_row = int(fault["written_value"])
        assert resent[row_number] == original[source_row]
        assert records[row_number]["person_id"] == originals[source_row]["person_id"]


def test_reformatted_dates_mean_the_clean_date(faulty_run: Summary) -> None:
    formats = {
        "date_dmy": "%d/%m/%Y",
        "date_dmy_short": "%d/%m/%y",
        "date_us": "%m/%d/%Y",
        "date_text": "%d %b %Y",
    }
    for fault in read_csv(faulty_run.paths["faults"]):
        if fault["kind"] in formats:
            parsed = dt.datetime.strptime(fault["written_value"], formats[fault["kind"]]).date()
            clean = dt.date.fromisoformat(fault["clean_value"])
            if fault["kind"] == "date_dmy_short":
                assert (parsed.day, parsed.month, parsed.year % 100) == (clean.day, clean.month, clean.year % 100)
            else:
                assert parsed == clean
            if fault["kind"] == "date_us":
                assert clean.day <= 12 and clean.day != clean.month  # genuinely ambiguous


def test_the_default_fault_rate_is_about_two_percent(outbreak_run: Summary) -> None:
    faulty_rows = {int(f["row"]) for f in read_csv(outbreak_run.paths["faults"]) if f["file"] == "results.csv"} - {0}
    share = len(faulty_rows) / outbreak_run.counts["result_rows"]
    assert 0.01 < share < 0.035

"""Streams results to results.csv (with faults), results.fhir.ndjson, truth/records.csv and
truth/faults.csv as they are reported, holding at most one FHIR batch and a few rows."""

from __future__ import annotations

import collections
import csv
from pathlib import Path
from typing import IO

import numpy as np

from localtrace.simulate import constants as c
from localtrace.simulate import fhir
from localtrace.simulate.config import SimulationConfig
from localtrace.simulate.faults import FaultInjector, FieldFault
from localtrace.simulate.person_details import PersonDetails
from localtrace.simulate.testing import ResultBatch
from localtrace.simulate.timeline import Timeline

RESULTS_FILE = "results.csv"
RESENT_FILE = "results-resent.csv"
FHIR_FILE = "results.fhir.ndjson"
RECORD_COLUMNS = ("file", "row", "person_id", "result_number")
FAULT_COLUMNS = ("file", "row", "field", "kind", "clean_value", "written_value")
# Exact duplicates repeat one of the last few rows, as a double submission would.
DUPLICATE_LOOKBACK = 50
DUPLICATE_SHARE_OF_FAULTS = 0.1
RESENT_MAX_ROWS = 5_000


class ResultsWriter:
    """Writes each reported result once to every output, in the same order."""

    def __init__(
        self,
        out_dir: Path,
        config: SimulationConfig,
        details: PersonDetails,
        timeline: Timeline,
        fault_rng: np.random.Generator,
        id_rng: np.random.Generator,
    ) -> None:
        self.out_dir = out_dir
        self.config = config
        self.details = details
        self.timeline = timeline
        self.fault_rng = fault_rng
        self.injector = FaultInjector(fault_rng)
        self.line_end = "\r\n" if config.writes_crlf else "\n"
        self.results_handle: IO[str] = (out_dir / RESULTS_FILE).open("w", encoding="utf-8", newline="")
        if config.writes_bom:
            self.results_handle.write("\ufeff")
        self.results = csv.writer(self.results_handle, lineterminator=self.line_end)
        self.results.writerow(c.RESULTS_COLUMNS)
        truth = out_dir / "truth"
        self.records_handle = (truth / "records.csv").open("w", encoding="utf-8", newline="")
        self.records = csv.writer(self.records_handle, lineterminator="\n")
        self.records.writerow(RECORD_COLUMNS)
        self.faults_handle = (truth / "faults.csv").open("w", encoding="utf-8", newline="")
        self.faults = csv.writer(self.faults_handle, lineterminator="\n")
        self.faults.writerow(FAULT_COLUMNS)
        self.fhir_handle: IO[str] | None = None
        if config.fhir:
            self.fhir_handle = (out_dir / FHIR_FILE).open("w", encoding="utf-8", newline="\n")
        self.uuids = fhir.UuidMaker((int(id_rng.integers(0, 2**40)) << 40) | int(id_rng.integers(0, 2**40)))
        self.fhir_entries: list[str] = []
        self.fhir_bundles = 0
        self.fhir_results = 0
        # Specimen numbers count up per source from a random base, like barcode runs.
        self.specimen_next = [int(base) for base in id_rng.integers(10_000_000, 60_000_000, size=len(c.SOURCES))]
        self.recent: collections.deque[tuple[int, list[str]]] = collections.deque(maxlen=DUPLICATE_LOOKBACK)
        self.rows_written = 0
        self.results_count = 0
        self.fault_count = 0
        self.duplicate_count = 0
        self.resent_count = 0
        self.by_result = [0, 0, 0]
        self.by_test_type = [0, 0]
        if config.fault_rate > 0:
            if config.writes_bom:
                self._fault(RESULTS_FILE, 0, FieldFault("", "bom", "", "U+FEFF"))
            if config.writes_crlf:
                self._fault(RESULTS_FILE, 0, FieldFault("", "crlf", "LF", "CRLF"))

    def _fault(self, file: str, row: int, fault: FieldFault) -> None:
        self.faults.writerow([file, row, fault.field, fault.kind, fault.clean, fault.written])
        self.fault_count += 1

    def write_batch(self, batch: ResultBatch) -> None:
        if not batch.size:
            return
        details = self.details
        config = self.config
        rate = config.fault_rate
        faulty = self.fault_rng.random(batch.size) < rate if rate > 0 else np.zeros(batch.size, dtype=bool)
        duplicated = (
            self.fault_rng.random(batch.size) < rate * DUPLICATE_SHARE_OF_FAULTS
            if rate > 0
            else np.zeros(batch.size, dtype=bool)
        )
        for person, source, test_type, result, specimen_day, result_day, unrecorded, is_faulty, is_duplicated in zip(
            batch.person.tolist(),
            batch.source.tolist(),
            batch.test_type.tolist(),
            batch.result.tolist(),
            batch.specimen_day.tolist(),
            batch.result_day.tolist(),
            batch.sex_unrecorded.tolist(),
            faulty.tolist(),
            duplicated.tolist(),
            strict=True,
        ):
            source_id, _, prefix = c.SOURCES[source]
            specimen_id = f"{prefix}{self.specimen_next[source]:08d}"
            self.specimen_next[source] += 1
            care_home = details.care_home(person)
            row = [
                source_id,
                specimen_id,
                details.nhs_number(person),
                details.given_name(person),
                details.family_name(person),
                details.date_of_birth(person),
                "unknown" if unrecorded else details.sex(person),
                details.address_line_1(person),
                details.postcode(person),
                details.phone(person),
                details.email(person),
                details.language(person),
                c.TEST_TYPES[test_type],
                c.TEST_CODES[test_type],
                c.RESULTS[result],
                c.RESULT_CODES[result],
                self.timeline.iso(specimen_day),
                self.timeline.iso(result_day),
                "yes" if care_home else "no",
                details.occupation(person),
            ]
            self.results_count += 1
            self.by_result[result] += 1
            self.by_test_type[test_type] += 1
            if self.fhir_handle is not None:
                self._add_fhir(row, test_type, result, care_home)
            if is_faulty:
                for fault in self.injector.inject(row):
                    self._fault(RESULTS_FILE, self.rows_written + 1, fault)
            self._write_row(row, person, self.results_count)
            if is_duplicated:
                original_row, original = self.recent[int(self.fault_rng.integers(0, len(self.recent)))]
                self._write_row(
                    original, int(original[-1]), int(original[-2]), record_recent=False, duplicate_of=original_row
                )

    def _write_row(
        self,
        row: list[str],
        person: int,
        result_number: int,
        record_recent: bool = True,
        duplicate_of: int | None = None,
    ) -> None:
        written = row[: len(c.RESULTS_COLUMNS)]
        self.results.writerow(written)
        self.rows_written += 1
        self.records.writerow([RESULTS_FILE, self.rows_written, person + 1, result_number])
        if duplicate_of is not None:
            self.duplicate_count += 1
            self._fault(RESULTS_FILE, self.rows_written, FieldFault("", "duplicate_row", "", str(duplicate_of)))
        if record_recent:
            # Keep the person and result number alongside the cells for a later duplicate.
            self.recent.append((self.rows_written, [*written, str(result_number), str(person)]))

    def _add_fhir(self, row: list[str], test_type: int, result: int, care_home: bool) -> None:
        facts = fhir.ResultFacts(
            source_id=row[0],
            specimen_id=row[1],
            nhs_number=row[2],
            given_name=row[3],
            family_name=row[4],
            date_of_birth=row[5],
            sex=row[6],
            address_line_1=row[7],
            postcode=row[8],
            phone=row[9],
            email=row[10],
            preferred_language=row[11],
            test_type_index=test_type,
            result_index=result,
            specimen_date=row[16],
            result_date=row[17],
            care_home=care_home,
            occupation=row[19],
        )
        self.fhir_entries.append(fhir.result_entries_json(facts, self.uuids))
        self.fhir_results += 1
        if len(self.fhir_entries) >= self.config.fhir_batch:
            self._flush_fhir()

    def _flush_fhir(self) -> None:
        if not self.fhir_entries or self.fhir_handle is None:
            return
        self.fhir_bundles += 1
        self.fhir_handle.write(fhir.bundle_json(self.fhir_entries, f"batch-{self.fhir_bundles:07d}"))
        self.fhir_handle.write("\n")
        self.fhir_entries = []

    def close(self) -> None:
        self._flush_fhir()
        self.results_handle.close()
        if self.fhir_handle is not None:
            self.fhir_handle.close()
        if self.config.fault_rate > 0 and self.config.resent_share > 0 and self.rows_written:
            self._write_resent()
        self.records_handle.close()
        self.faults_handle.close()

    def _write_resent(self) -> None:
        """A second file repeating a contiguous slice of results.csv, byte for byte."""
        count = max(1, min(RESENT_MAX_ROWS, round(self.rows_written * self.config.resent_share)))
        first = int(self.fault_rng.integers(1, self.rows_written - count + 2))
        last = first + count - 1
        people: dict[int, tuple[str, str]] = {}
        self.records_handle.flush()
        with (self.out_dir / "truth" / "records.csv").open(encoding="utf-8", newline="") as records:
            for record in csv.reader(records):
                if record[0] == RESULTS_FILE and record[1].isdigit() and first <= int(record[1]) <= last:
                    people[int(record[1])] = (record[2], record[3])
        bom = "\ufeff".encode() if self.config.writes_bom else b""
        with (self.out_dir / RESULTS_FILE).open("rb") as source, (self.out_dir / RESENT_FILE).open("wb") as resent:
            header = source.readline()
            resent.write(bom + header.removeprefix(bom))
            for row_number, line in enumerate(source, start=1):
                if row_number > last:
                    break
                if row_number >= first:
                    resent.write(line)
        for offset, row_number in enumerate(range(first, last + 1), start=1):
            person, result_number = people[row_number]
            self.records.writerow([RESENT_FILE, offset, person, result_number])
            self._fault(RESENT_FILE, offset, FieldFault("", "resent_row", "", str(row_number)))
        self.resent_count = count

    def summary(self) -> dict[str, int]:
        return {
            "results": self.results_count,
            "result_rows": self.rows_written,
            "positive": self.by_result[c.POSITIVE],
            "negative": self.by_result[c.NEGATIVE],
            "void": self.by_result[c.VOID],
            "pcr": self.by_test_type[0],
            "lfd": self.by_test_type[1],
            "faults": self.fault_count,
            "duplicate_rows": self.duplicate_count,
            "resent_rows": self.resent_count,
            "fhir_bundles": self.fhir_bundles,
            "fhir_results": self.fhir_results,
        }

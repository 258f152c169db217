"""Large files are read and validated in a second process: the same accounting, nothing lost."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from localtrace.core.forked import ChildFailed, iterate_in_child
from localtrace.results import services
from localtrace.results.models import QuarantinedRow, Submission
from localtrace.results.services import import_file
from tests.personas import World
from tests.results.factories import csv_bytes, many_rows, row


def quarantine_of(submission: Submission) -> list[tuple[int, list[str], str]]:
    return list(
        QuarantinedRow.objects.filter(submission=submission)
        .order_by("row_number")
        .values_list("row_number", "reasons", "raw_text")
    )


def mixed_file(path: Path) -> Path:
    good = list(many_rows(40))
    bad = [
        row(specimen_id="BAD1", date_of_birth="31/02/1980"),
        row(specimen_id="BAD2", postcode="nowhere", phone="12"),
        row(specimen_id="BAD3", given_name="Nul\x00l"),
        good[3],  # the same specimen again: a duplicate
    ]
    text = csv_bytes(good + bad) + b'too,few,cells\r\n"quoted\nnewline",x\r\n'
    path.write_bytes(text)
    return path


def test_a_file_read_in_a_second_process_is_accounted_as_one_read_here(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = mixed_file(tmp_path / "mixed.csv")
    monkeypatch.setattr(services, "PIPELINE_MIN_BYTES", 1 << 40)
    here = import_file(path)
    # Rows still waiting in quarantine would make their unchanged copies duplicates: with them settled,
    # the second read quarantines the same rows again, for the same reasons.
    QuarantinedRow.objects.filter(submission=here).update(status=QuarantinedRow.Status.DISMISSED)
    monkeypatch.setattr(services, "PIPELINE_MIN_BYTES", 0)
    path_again = tmp_path / "mixed-again.csv"
    path_again.write_bytes(path.read_bytes() + b"\r\n")  # another checksum, so another submission
    beside = import_file(path_again)

    # The last row's quoted line break leaves it two cells wide: each of its two lines is a row of its own.
    assert (here.received, here.accepted, here.quarantined, here.duplicate) == (47, 40, 6, 1)
    assert beside.received == here.received
    assert beside.received == beside.accepted + beside.quarantined + beside.duplicate
    assert (beside.accepted, beside.duplicate) == (0, 41)  # every result is already known
    assert quarantine_of(beside) == quarantine_of(here)
    assert beside.status == Submission.Status.DONE


def test_a_file_with_no_usable_header_fails_with_its_reason_through_the_second_process(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PIPELINE_MIN_BYTES", 0)
    path = tmp_path / "headless.csv"
    path.write_bytes(b"name,colour\r\nAda,blue\r\n")
    submission = import_file(path)
    assert submission.status == Submission.Status.FAILED
    assert "not a CSV file of results" in submission.failure_reason
    assert submission.received == 0


def numbers(count: int) -> Iterator[int]:
    yield from range(count)


def numbers_then_error(count: int) -> Iterator[int]:
    yield from range(count)
    raise ValueError("row 3 was unreadable")


def numbers_then_death(count: int) -> Iterator[int]:
    yield from range(count)
    os._exit(3)


def endless() -> Iterator[int]:
    n = 0
    while True:
        yield n
        n += 1


def test_the_childs_items_arrive_in_order() -> None:
    with iterate_in_child(numbers, 500) as items:
        assert list(items) == list(range(500))
    assert multiprocessing.active_children() == []


def test_an_error_in_the_child_is_raised_here_as_itself() -> None:
    received = []
    with pytest.raises(ValueError, match="row 3 was unreadable"), iterate_in_child(numbers_then_error, 3) as items:
        received.extend(items)
    assert received == [0, 1, 2]


def test_a_child_that_dies_is_an_error_not_a_short_file() -> None:
    with pytest.raises(ChildFailed, match="exit code 3"), iterate_in_child(numbers_then_death, 2) as items:
        list(items)


def test_stopping_early_stops_the_child() -> None:
    with iterate_in_child(endless) as items:
        for item in items:
            if item == 10:
                break
    assert multiprocessing.active_children() == []

"""Every row of every submission is accounted for; a result is never counted twice."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localtrace.cases.models import Case, Priority
from localtrace.people.models import Person
from localtrace.results.models import QuarantinedRow, Submission, TestResult
from localtrace.results.reading import COLUMNS, read_results
from localtrace.results.services import claim, import_file, process_rows
from tests.personas import World
from tests.results.conftest import build_intake_world
from tests.results.factories import NHS_NUMBERS, csv_bytes, many_rows, many_rows_csv, row


def run(data: bytes) -> Submission:
    submission = Submission.objects.create(channel=Submission.Channel.COMMAND, filename="test.csv")
    claim(submission.pk)
    return process_rows(submission, read_results(io.BytesIO(data)))


def assert_accounted(submission: Submission, received: int) -> None:
    submission.refresh_from_db()
    assert submission.received == received
    assert submission.received == submission.accepted + submission.quarantined + submission.duplicate
    assert TestResult.objects.filter(submission=submission).count() == submission.accepted
    assert QuarantinedRow.objects.filter(submission=submission).count() == submission.quarantined


def test_the_quick_file_of_many_rows_is_the_same_file() -> None:
    assert many_rows_csv(2_003, positive_every=7) == csv_bytes(many_rows(2_003, positive_every=7))


@pytest.mark.parametrize("rows", [1, 65_537])
def test_a_file_is_accounted_for_row_by_row(world: World, rows: int) -> None:
    submission = run(many_rows_csv(rows))
    assert_accounted(submission, rows)
    assert submission.accepted == rows
    assert submission.status == Submission.Status.DONE


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the million-row file runs on PostgreSQL only, for time")
@pytest.mark.django_db(transaction=True)
def test_the_row_after_the_old_spreadsheet_limit_is_not_lost(tmp_path: Path) -> None:
    # Committed batch by batch, as in production: inside one test transaction PostgreSQL would queue
    # a deferred foreign-key check for every row and run them all at the end.
    build_intake_world()
    path = tmp_path / "big.csv"
    path.write_bytes(many_rows_csv(1_048_577, positive_every=1000))
    submission = import_file(path)
    assert_accounted(submission, 1_048_577)
    assert TestResult.objects.filter(specimen_id=f"S{1_048_576:08d}").exists()


cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell, min_size=0, max_size=len(COLUMNS) + 2), max_size=15))
def test_garbage_is_quarantined_and_still_accounted_for(world: World, grid: list[list[str]]) -> None:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for cells in grid:
        writer.writerow(cells)
    data = buffer.getvalue().encode()
    expected = len(list(read_results(io.BytesIO(data))))
    submission = run(data)
    assert_accounted(submission, expected)


def test_the_same_file_twice_gives_duplicates_not_second_cases(world: World) -> None:
    data = csv_bytes(many_rows(40))
    first = run(data)
    cases = Case.objects.count()
    second = run(data)
    assert_accounted(second, 40)
    assert second.duplicate == 40
    assert Case.objects.count() == cases
    assert TestResult.objects.count() == first.accepted


def test_a_repeated_row_within_a_file_is_a_duplicate(world: World) -> None:
    submission = run(csv_bytes([row(), row()]))
    assert (submission.accepted, submission.duplicate) == (1, 1)


def test_specimen_ids_with_awkward_characters_are_known_the_second_time(world: World) -> None:
    # The known-specimen check sends a batch's ids as one string split on the unit separator where it
    # can; ids holding that separator, commas or quotes must still be found.
    awkward = ["S\x1f1", "S,2", 'S"3', "S{4}", "S'5", "S\\6"]
    rows = [row(specimen_id=specimen, source_id=f"LAB-{n % 2}") for n, specimen in enumerate(awkward)]
    assert run(csv_bytes(rows)).accepted == len(awkward)
    again = run(csv_bytes(rows))
    assert (again.accepted, again.duplicate) == (0, len(awkward))


def test_the_same_specimen_from_another_source_is_a_different_result(world: World) -> None:
    submission = run(csv_bytes([row(), row(source_id="LAB-OTHER")]))
    assert submission.accepted == 2


def test_a_positive_result_opens_a_case_in_the_area_of_its_postcode(world: World) -> None:
    submission = run(csv_bytes([row(postcode="FX1 1AB")]))
    case = Case.objects.get()
    assert case.area == world.area_a
    assert case.first_result.submission == submission
    assert case.status == Case.Status.NEW
    received = case.first_result.received_at
    assert abs((case.reach_deadline - received) - dt.timedelta(hours=24)) < dt.timedelta(seconds=5)


def test_a_negative_result_opens_no_case(world: World) -> None:
    run(csv_bytes([row(result="negative", result_code="1240591000000102")]))
    assert not Case.objects.exists()
    assert TestResult.objects.count() == 1


def test_a_second_positive_within_90_days_joins_the_existing_case(world: World) -> None:
    today = dt.date.today()
    run(
        csv_bytes(
            [
                row(
                    specimen_id="A",
                    specimen_date=today - dt.timedelta(days=40),
                    result_date=today - dt.timedelta(days=39),
                )
            ]
        )
    )
    run(csv_bytes([row(specimen_id="B")]))
    case = Case.objects.get()
    assert case.results.count() == 2


def test_a_positive_after_90_days_is_a_new_case(world: World) -> None:
    today = dt.date.today()
    run(
        csv_bytes(
            [
                row(
                    specimen_id="A",
                    specimen_date=today - dt.timedelta(days=100),
                    result_date=today - dt.timedelta(days=99),
                )
            ]
        )
    )
    run(csv_bytes([row(specimen_id="B")]))
    assert Case.objects.count() == 2


def test_the_same_nhs_number_is_the_same_person_whatever_the_name(world: World) -> None:
    run(csv_bytes([row(specimen_id="A"), row(specimen_id="B", given_name="Sian", family_name="OBrien")]))
    assert Person.objects.count() == 1


def test_without_nhs_numbers_people_are_matched_on_their_details(world: World) -> None:
    # Probabilistic matching (people/matching.py): a different date of birth is a different person.
    run(
        csv_bytes(
            [
                row(specimen_id="A", nhs_number=""),
                row(specimen_id="B", nhs_number="", given_name="SIAN", family_name="o'brien ahmed"),
                row(specimen_id="C", nhs_number="", date_of_birth="1992-11-30"),
            ]
        )
    )
    assert Person.objects.count() == 2


def test_a_postcode_outside_every_area_is_kept_with_no_area(world: World) -> None:
    submission = run(csv_bytes([row(postcode="ZE9 9ZZ")]))
    result = TestResult.objects.get()
    assert submission.accepted == 1
    assert result.area is None
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "overrides, priority",
    [
        ({"care_home": "yes"}, Priority.CARE_HOME),
        ({"occupation": "health_care"}, Priority.HEALTH_OR_SOCIAL_CARE),
        ({"occupation": "education"}, Priority.SCHOOL),
        ({"date_of_birth": "2015-01-01"}, Priority.SCHOOL),
        ({"date_of_birth": "1940-01-01"}, Priority.VULNERABLE),
        ({}, Priority.STANDARD),
    ],
)
def test_case_priority_follows_the_result(world: World, overrides: dict[str, str], priority: int) -> None:
    run(csv_bytes([row(**overrides)]))
    assert Case.objects.get().priority == priority


def test_quarantined_rows_keep_their_raw_text_reasons_and_area(world: World) -> None:
    submission = run(csv_bytes([row(nhs_number="9434765918")]))
    quarantined = QuarantinedRow.objects.get(submission=submission)
    assert quarantined.area == world.area_a
    assert "9434765918" in quarantined.raw_text
    assert quarantined.reason_fields == ["nhs_number"]
    assert not Person.objects.exists()


def test_nhs_numbers_in_the_factory_are_valid() -> None:
    from localtrace.results.validation import nhs_number_is_valid

    assert all(nhs_number_is_valid(n) for n in NHS_NUMBERS)


def test_a_corrected_row_sent_again_settles_the_quarantined_one(world: World) -> None:
    first = run(csv_bytes([row(specimen_id="S9", nhs_number="9434765918")]))
    quarantined = QuarantinedRow.objects.get(submission=first)
    assert quarantined.status == QuarantinedRow.Status.OPEN
    run(csv_bytes([row(specimen_id="S9")]))
    quarantined.refresh_from_db()
    assert quarantined.status == QuarantinedRow.Status.REPROCESSED
    assert quarantined.test_result.specimen_id == "S9"


def run_as(data: bytes, *, user: object = None, source_id: str | None = None) -> Submission:
    """A file taken in as an upload by `user`, optionally with a submitter chosen for the whole file."""
    submission = Submission.objects.create(channel=Submission.Channel.UPLOAD, filename="test.csv", created_by=user)
    claim(submission.pk)
    return process_rows(
        submission, read_results(io.BytesIO(data), source_given=source_id is not None), source_id=source_id
    )


def test_an_unclosed_quote_leaves_every_physical_row_accounted_for(world: World) -> None:
    data = csv_bytes([row(specimen_id=f"S{n}") for n in range(1, 7)]).replace(b"1 Chapel Row", b'"Flat 2, The Mill', 1)
    submission = run(data)
    assert_accounted(submission, 6)
    assert (submission.accepted, submission.quarantined) == (5, 1)
    (held,) = QuarantinedRow.objects.filter(submission=submission)
    assert held.row_number == 1 and "never closed" in held.reasons[0]
    assert sorted(TestResult.objects.filter(submission=submission).values_list("specimen_id", flat=True)) == [
        "S2", "S3", "S4", "S5", "S6",
    ]  # fmt: skip


def test_a_row_whose_source_disagrees_with_the_chosen_submitter_is_quarantined_not_relabelled(world: World) -> None:
    submission = run_as(
        csv_bytes([row(specimen_id="S1", source_id="LAB-TEST"), row(specimen_id="S2", source_id="")]),
        source_id="LAB-REVIEW",
    )
    assert_accounted(submission, 2)
    assert (submission.accepted, submission.quarantined) == (1, 1)
    assert TestResult.objects.get(submission=submission).source_id == "LAB-REVIEW"  # a blank source is the chosen one
    held = QuarantinedRow.objects.get(submission=submission)
    assert held.reason_fields == ["source_id"]
    assert "LAB-TEST" in held.reasons[0] and "LAB-REVIEW" in held.reasons[0]


def test_a_source_that_matches_the_chosen_submitter_but_for_case_is_accepted(world: World) -> None:
    submission = run_as(csv_bytes([row(source_id="lab-review")]), source_id="LAB-REVIEW")
    assert submission.accepted == 1
    assert TestResult.objects.get().source_id == "LAB-REVIEW"


def test_a_file_sent_with_a_chosen_submitter_and_again_without_creates_each_result_once(world: World) -> None:
    data = csv_bytes([row(specimen_id="S1"), row(specimen_id="S2")])
    run_as(data, source_id="LAB-REVIEW")
    run_as(data)
    assert TestResult.objects.count() == 2
    assert set(TestResult.objects.values_list("source_id", flat=True)) == {"LAB-TEST"}


def test_a_bad_row_whose_result_was_already_accepted_is_a_duplicate_not_quarantined_again(world: World) -> None:
    data = csv_bytes([row(specimen_id="S1"), row(specimen_id="S2", nhs_number="9434765918")])
    run(data)
    run(csv_bytes([row(specimen_id="S2")]))  # the laboratory's corrected row
    again = run(data)
    assert_accounted(again, 2)
    assert (again.accepted, again.quarantined, again.duplicate) == (0, 0, 2)
    assert not QuarantinedRow.objects.filter(status=QuarantinedRow.Status.OPEN, specimen_id="S2").exists()


def test_a_bad_row_sent_again_while_its_first_copy_is_open_opens_no_second_copy(world: World) -> None:
    data = csv_bytes([row(specimen_id="S1", nhs_number="9434765918")])
    first = run(data)
    again = run(data)
    assert_accounted(again, 1)
    assert (first.quarantined, again.quarantined, again.duplicate) == (1, 0, 1)
    assert QuarantinedRow.objects.filter(specimen_id="S1").count() == 1


def test_a_bad_row_repeated_within_one_file_is_quarantined_once(world: World) -> None:
    bad = row(specimen_id="S1", nhs_number="9434765918")
    submission = run(csv_bytes([bad, bad]))
    assert_accounted(submission, 2)
    assert (submission.quarantined, submission.duplicate) == (1, 1)


def test_a_bad_row_sent_again_with_different_faults_is_quarantined_again(world: World) -> None:
    run(csv_bytes([row(specimen_id="S1", nhs_number="9434765918")]))
    again = run(csv_bytes([row(specimen_id="S1", nhs_number="9434765918", postcode="FX1")]))
    assert again.quarantined == 1
    assert QuarantinedRow.objects.filter(specimen_id="S1", status=QuarantinedRow.Status.OPEN).count() == 2


def test_a_bad_row_then_its_good_copy_in_the_same_file_settles_the_quarantined_row(world: World) -> None:
    submission = run(csv_bytes([row(specimen_id="S1", nhs_number="9434765918"), row(specimen_id="S1")]))
    assert_accounted(submission, 2)
    held = QuarantinedRow.objects.get(submission=submission)
    assert held.status == QuarantinedRow.Status.REPROCESSED
    assert held.test_result is not None and held.test_result.specimen_id == "S1"


def test_a_good_row_then_a_bad_copy_in_the_same_file_counts_the_bad_copy_as_a_duplicate(world: World) -> None:
    submission = run(csv_bytes([row(specimen_id="S1"), row(specimen_id="S1", nhs_number="9434765918")]))
    assert (submission.accepted, submission.quarantined, submission.duplicate) == (1, 0, 1)


def _reference_file(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(rows, header=[*COLUMNS, "problems", "quarantine_reference"])


def _held_without_source(world: World, *, area: object, specimen_id: str = "S7") -> QuarantinedRow:
    fields = row(specimen_id=specimen_id, source_id="")
    return QuarantinedRow.objects.create(
        submission=world.submission, row_number=10 + QuarantinedRow.objects.count(), source_id="",
        specimen_id=specimen_id, fields=fields, raw_text="…", reasons=["The source is missing."],
        reason_fields=["source_id"], area=area,
    )  # fmt: skip


def test_a_corrected_row_carrying_its_quarantine_reference_settles_that_row(world: World) -> None:
    held = _held_without_source(world, area=world.area_a)
    fixed = {**row(specimen_id="S7"), "problems": "The source is missing.", "quarantine_reference": f"Q{held.pk}"}
    submission = run_as(_reference_file([fixed]), user=world.users["area_lead_a"])
    assert submission.accepted == 1
    held.refresh_from_db()
    assert held.status == QuarantinedRow.Status.REPROCESSED
    assert held.test_result == TestResult.objects.get(submission=submission)
    assert held.resolved_by == world.users["area_lead_a"] and held.resolved_at is not None


def test_a_quarantine_reference_to_a_result_already_in_settles_the_row_as_a_duplicate(world: World) -> None:
    run(csv_bytes([row(specimen_id="S7")]))
    held = _held_without_source(world, area=world.area_a)
    fixed = {**row(specimen_id="S7"), "quarantine_reference": f"q{held.pk}"}
    submission = run_as(_reference_file([fixed]), user=world.users["area_lead_a"])
    assert submission.duplicate == 1
    held.refresh_from_db()
    assert held.status == QuarantinedRow.Status.DUPLICATE


def test_a_quarantine_reference_outside_the_uploaders_scope_is_left_alone(world: World) -> None:
    held = _held_without_source(world, area=world.area_b)
    fixed = {**row(specimen_id="S7"), "quarantine_reference": f"Q{held.pk}"}
    submission = run_as(_reference_file([fixed]), user=world.users["area_lead_a"])
    assert submission.accepted == 1  # the result itself is good and goes in
    held.refresh_from_db()
    assert held.status == QuarantinedRow.Status.OPEN


def test_a_quarantine_reference_for_another_specimen_is_left_alone(world: World) -> None:
    # A reference column sorted apart from its rows must not mark an unrelated row fixed.
    held = _held_without_source(world, area=world.area_a, specimen_id="S8")
    fixed = {**row(specimen_id="S7"), "quarantine_reference": f"Q{held.pk}"}
    run_as(_reference_file([fixed]), user=world.users["area_lead_a"])
    held.refresh_from_db()
    assert held.status == QuarantinedRow.Status.OPEN


def test_a_quarantine_reference_to_a_row_already_dismissed_changes_nothing(world: World) -> None:
    held = _held_without_source(world, area=world.area_a)
    QuarantinedRow.objects.filter(pk=held.pk).update(status=QuarantinedRow.Status.DISMISSED)
    fixed = {**row(specimen_id="S7"), "quarantine_reference": f"Q{held.pk}"}
    run_as(_reference_file([fixed]), user=world.users["area_lead_a"])
    held.refresh_from_db()
    assert held.status == QuarantinedRow.Status.DISMISSED and held.test_result is None


def test_a_quarantine_download_uploaded_again_unfixed_settles_nothing(world: World) -> None:
    bad = row(specimen_id="S9", nhs_number="9434765918")  # a wrong check digit: quarantined
    first = run_as(csv_bytes([bad]), user=world.users["area_lead_a"])
    held = QuarantinedRow.objects.get(submission=first)
    unfixed = {**{c: held.fields.get(c, "") for c in COLUMNS}, "problems": " | ".join(held.reasons),
               "quarantine_reference": f"Q{held.pk}"}  # fmt: skip
    run_as(_reference_file([unfixed]), user=world.users["area_lead_a"])
    held.refresh_from_db()
    # Nothing went in, so the row still waits to be fixed: settling it would lose the result.
    assert held.status == QuarantinedRow.Status.OPEN
    assert not TestResult.objects.filter(specimen_id="S9").exists()


def test_a_row_naming_another_laboratory_is_not_taken_for_the_chosen_ones_result(world: World) -> None:
    run_as(csv_bytes([row(specimen_id="S1", source_id="LAB-REVIEW")]), source_id="LAB-REVIEW")
    other = run_as(csv_bytes([row(specimen_id="S1", source_id="LAB-TEST")]), source_id="LAB-REVIEW")
    assert (other.quarantined, other.duplicate) == (1, 0)


def test_a_header_with_an_unclosed_quote_is_refused_not_read_as_an_empty_file(world: World) -> None:
    from localtrace.results.reading import ResultFileError

    header, rest = csv_bytes([row(specimen_id=f"S{n}") for n in range(1, 6)]).split(b"\n", 1)
    with pytest.raises(ResultFileError, match="header row opens a quote"):
        list(read_results(io.BytesIO(header + b',"notes\n' + rest)))


def test_a_positive_result_dated_in_the_year_1_is_quarantined_and_the_rest_of_the_file_goes_in(world: World) -> None:
    # Before, the date arithmetic of the case it opened overflowed: the batch failed, and so did every re-run.
    submission = run(csv_bytes([row(specimen_date="0001-01-01", result_date="0001-01-02"), row(specimen_id="S000002")]))
    assert_accounted(submission, 2)
    assert (submission.accepted, submission.quarantined) == (1, 1)
    assert "before 2020" in QuarantinedRow.objects.get(submission=submission).reasons[0]

"""Uploading a file, watching its accounting, fixing quarantined rows, the data-quality report."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Case
from localtrace.results.models import QuarantinedRow, Submission, TestResult
from localtrace.results.reading import COLUMNS
from localtrace.results.uploads import megabytes_over
from tests.personas import World
from tests.results.factories import csv_bytes, row


def upload(client, data: bytes, name: str = "lab-results.csv", **extra):  # type: ignore[no-untyped-def]
    return client.post(reverse("results:upload"), {"file": SimpleUploadedFile(name, data, "text/csv"), **extra})


def test_an_uploaded_file_is_stored_processed_by_the_worker_and_accounted(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    data = csv_bytes([row(), row(specimen_id="S2", nhs_number="1"), row()])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data)
    submission = Submission.objects.exclude(pk=world.submission.pk).get()
    assert response["Location"] == reverse("results:submission-detail", args=[submission.pk])
    assert submission.status == Submission.Status.DONE
    assert (submission.received, submission.accepted, submission.quarantined, submission.duplicate) == (3, 1, 1, 1)
    assert len(submission.checksum) == 64
    assert submission.file.read() == data
    assert "lab-results" not in submission.file.name  # stored under a generated name
    page = client.get(response["Location"]).content.decode()
    assert "3 received = 1 accepted + 1 quarantined + 1 duplicates" in page


def test_a_large_file_s_accounting_is_written_with_thousands_separators(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    """The spreadsheet ceiling, 1,048,577 rows, as a reader would write it down: no digits to count."""
    Submission.objects.filter(pk=world.submission.pk).update(
        received=1_048_577, accepted=1_040_000, quarantined=8_000, duplicate=577
    )
    page = client_for("area_lead_a").get(reverse("results:submission-detail", args=[world.submission.pk]))
    assert "1,048,577 received = 1,040,000 accepted + 8,000 quarantined + 577 duplicates" in page.content.decode()
    # The world's one open quarantined row in area A is the lead's; the page says where the rest are.
    assert "1 of the 8,000 quarantined rows is waiting for you" in page.content.decode()


def test_the_same_file_again_is_flagged_and_counted_as_duplicates(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    data = csv_bytes([row()])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, data)
        response = upload(client, data)
    page = client.get(response["Location"]).content.decode()
    assert "This file is identical to" in page
    assert Case.objects.count() == 1


def test_a_file_without_the_needed_columns_is_refused_and_nothing_is_stored(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = upload(client_for("area_lead_a"), b"specimen_id,name,age\nS1,fred,3\n")
    assert response.status_code == 200
    assert "The file&#x27;s header has no column for" in response.content.decode()
    assert Submission.objects.count() == 1  # only the world's


def test_an_oversized_upload_gets_a_clear_message_and_changes_nothing(world: World, client_for, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_MAX_UPLOAD_MB = 0
    response = upload(client_for("area_lead_a"), csv_bytes([row()]))
    assert "the most we take in one upload is 0 MB" in response.content.decode()
    assert Submission.objects.count() == 1


class BytesStoredHandler(TemporaryFileUploadHandler):
    """Django's own temporary-file handler, counting what reaches it: what an upload writes to disk."""

    stored = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        BytesStoredHandler.stored += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


def test_an_oversized_upload_is_stored_no_further_than_the_limit_before_it_is_refused(
    world: World, client_for, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_MAX_UPLOAD_MB = 1
    settings.FILE_UPLOAD_HANDLERS = [
        "localtrace.results.uploads.RefuseOversizedUploads",
        "tests.results.test_pages.BytesStoredHandler",
    ]
    BytesStoredHandler.stored = 0
    one_row = csv_bytes([row()])
    line = one_row.split(b"\n", 1)[1]
    big = one_row + line * (3 * 1_048_576 // len(line))  # about 3 MB of rows
    response = upload(client_for("area_lead_a"), big)
    page = response.content.decode()
    assert response.status_code == 200 and "the most we take in one upload is 1 MB" in page
    assert f"The file is {megabytes_over(len(big))};" in page
    assert BytesStoredHandler.stored <= 1_048_576 < len(big)
    assert Submission.objects.count() == 1
    # A file within the limit passes through to the usual handlers whole.
    BytesStoredHandler.stored = 0
    small = csv_bytes([row()])
    assert upload(client_for("area_lead_a"), small).status_code == 302
    assert BytesStoredHandler.stored == len(small) and Submission.objects.count() == 2


def test_a_quarantined_row_corrected_is_accepted_through_a_submission_of_its_own(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    fields = row(nhs_number="9434765918")
    quarantined = QuarantinedRow.objects.create(
        submission=world.submission, row_number=3, source_id="LAB-TEST", fields=fields, raw_text="…",
        reasons=["NHS number fails its check digit"], reason_fields=["nhs_number"], area=world.area_a,
    )  # fmt: skip
    still_wrong = client.post(
        reverse("results:quarantine-detail", args=[quarantined.pk]), {**fields, "nhs_number": "9434765917"}
    )
    assert "fails its check digit" in still_wrong.content.decode()
    assert not TestResult.objects.exists()

    response = client.post(
        reverse("results:quarantine-detail", args=[quarantined.pk]), {**fields, "nhs_number": "9434765919"}
    )
    assert response["Location"] == reverse("results:quarantine-list")
    quarantined.refresh_from_db()
    assert quarantined.status == QuarantinedRow.Status.REPROCESSED
    correction = quarantined.test_result.submission
    assert correction.channel == Submission.Channel.CORRECTION
    assert (correction.received, correction.accepted) == (1, 1)
    assert Case.objects.filter(area=world.area_a).count() == 1
    assert AuditEvent.objects.filter(action="change", object_type="results.quarantinedrow").exists()


def test_a_dismissed_row_needs_a_reason(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    url = reverse("results:quarantine-dismiss", args=[world.quarantined_a.pk])
    assert "Enter why the row is being dismissed" in client.post(url, {"reason": ""}).content.decode()
    client.post(url, {"reason": "Sent twice for Mrs Jones, see the lab's email"})
    world.quarantined_a.refresh_from_db()
    assert world.quarantined_a.status == QuarantinedRow.Status.DISMISSED
    # The reason is on the row and its page; the append-only audit trail, kept for ever, does not hold it.
    assert world.quarantined_a.dismissed_reason == "Sent twice for Mrs Jones, see the lab's email"
    assert (
        "Mrs Jones" in client.get(reverse("results:quarantine-detail", args=[world.quarantined_a.pk])).content.decode()
    )
    assert not [e for e in AuditEvent.objects.all() if "Mrs Jones" in str(e.detail)]


def test_dismissing_a_row_twice_says_it_was_dealt_with_instead_of_page_not_found(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    url = reverse("results:quarantine-dismiss", args=[world.quarantined_a.pk])
    client.post(url, {"reason": "Sent twice"})

    again = client.post(url, {"reason": "Sent twice"}, follow=True)

    assert again.status_code == 200
    assert "Someone has already dealt with this row; nothing was changed." in again.content.decode()
    assert again.redirect_chain[-1][0] == reverse("results:quarantine-detail", args=[world.quarantined_a.pk])
    assert AuditEvent.objects.filter(action="change", detail__outcome="dismissed").count() == 1


def test_a_correction_refused_shows_the_row_again_and_that_is_audited_as_a_read(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    url = reverse("results:quarantine-detail", args=[world.quarantined_a.pk])
    fields = dict(world.quarantined_a.fields)
    before = AuditEvent.objects.filter(action="view", object_type="results.quarantinedrow").count()

    page = client.post(url, {**fields, "nhs_number": "123"})

    assert page.status_code == 200 and "Error:" in page.content.decode()
    assert AuditEvent.objects.filter(action="view", object_type="results.quarantinedrow").count() == before + 1


def test_each_lead_sees_only_the_quarantined_rows_of_their_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    area_lead_page = client_for("area_lead_a").get(reverse("results:quarantine-list")).content.decode()
    admin_page = client_for("admin").get(reverse("results:quarantine-list")).content.decode()
    assert "has 3 digits" in area_lead_page and "postcode is missing" not in area_lead_page
    assert "postcode is missing" in admin_page and "has 3 digits" not in admin_page


def test_the_quarantine_download_can_be_fixed_and_uploaded_again(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("area_lead_a").get(reverse("results:quarantine-export"))
    text = b"".join(response.streaming_content).decode()
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["source_id", "specimen_id", "nhs_number"]
    assert header[-2:] == ["problems", "quarantine_reference"]
    assert AuditEvent.objects.filter(action="export", object_type="results.quarantinedrow").count() == 1


def test_the_data_quality_report_counts_problems_by_source(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    # Each sees the rows in their scope: the administrator the unrouted one, the lead area A's.
    admin_page = client_for("admin").get(reverse("results:quality")).content.decode()
    assert "LAB-A" in admin_page
    assert '<td class="govuk-table__cell">Postcode</td>' in admin_page
    lead_page = client_for("area_lead_a").get(reverse("results:quality")).content.decode()
    assert '<td class="govuk-table__cell">NHS number</td>' in lead_page
    assert '<td class="govuk-table__cell">Postcode</td>' not in lead_page


def test_a_files_own_name_is_seen_by_its_uploader_and_administrators_only(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from localtrace.areas.models import Membership, Role
    from localtrace.audit.models import AuditEvent
    from tests.conftest import sign_in_fully
    from tests.personas import make_user

    response = upload(client_for("area_lead_a"), csv_bytes([row()]), name="results for Jo Bloggs.csv")
    url = response["Location"]
    assert "Jo Bloggs" in client_for("area_lead_a").get(url).content.decode()
    assert "Jo Bloggs" in client_for("admin").get(url).content.decode()
    lead_b = make_user("area_lead_b")
    Membership.objects.create(user=lead_b, team=world.team_b, role=Role.AREA_LEAD)
    other = sign_in_fully(Client(), lead_b).get(url).content.decode()
    assert "Jo Bloggs" not in other and "A CSV file" in other
    created = AuditEvent.objects.get(object_type="results.submission", action="create")
    assert "Jo Bloggs" not in str(created.detail) and len(created.detail["sha256"]) == 64


def test_the_identical_file_warning_counts_only_the_duplicates_that_really_happened(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from localtrace.results.models import Submitter

    review = Submitter.objects.create(code="LAB-REVIEW", name="Review Lab")
    client = client_for("area_lead_a")
    data = csv_bytes([row(specimen_id="S1"), row(specimen_id="S2")])  # their source column says LAB-TEST
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(client, data, submitter=review.pk)
        second = upload(client, data)
    held = Submission.objects.get(pk=first["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert (held.accepted, held.quarantined) == (0, 2)
    assert TestResult.objects.filter(source_id="LAB-TEST").count() == 2  # each result once
    page = client.get(second["Location"]).content.decode()
    assert "This file is identical to" in page
    assert "counted as duplicates" not in page
    assert "None of its 2 rows were duplicates" in page


def test_the_identical_file_warning_says_every_row_was_a_duplicate_when_every_row_was(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    data = csv_bytes([row(specimen_id="S1"), row(specimen_id="S2")])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, data)
        response = upload(client, data)
    page = client.get(response["Location"]).content.decode()
    assert "All 2 of its rows were duplicates of results already received" in page


def test_the_quarantine_download_uploaded_again_with_the_source_filled_in_settles_its_rows(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes([row(specimen_id="S7", source_id="")], header=[c for c in COLUMNS]))
    held = QuarantinedRow.objects.get(specimen_id="S7")
    assert held.reason_fields == ["source_id"]
    exported = b"".join(client.get(reverse("results:quarantine-export") + "?field=source_id").streaming_content)
    fixed = exported.decode().replace("\n,S7,", "\nLAB-TEST,S7,", 1).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, fixed)
    submission = Submission.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert (submission.received, submission.accepted) == (1, 1)
    held.refresh_from_db()
    assert held.status == QuarantinedRow.Status.REPROCESSED


def test_the_data_quality_report_counts_accepted_and_quarantined_rows_over_the_same_areas(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    from tests.personas import make_case

    # LAB-A: a result accepted in each of areas A and B; rows quarantined in areas A and B and with no area.
    make_case(world.area_a, world.submission, specimen_id="A-1")
    make_case(world.area_b, world.submission, specimen_id="B-1")
    QuarantinedRow.objects.create(
        submission=world.submission, row_number=3, source_id="LAB-A", fields={}, raw_text="…",
        reasons=["The specimen ID is missing."], reason_fields=["specimen_id"], area=world.area_b,
    )  # fmt: skip
    admin_page = client_for("admin").get(reverse("results:quality")).content.decode()
    assert "5 (2 accepted, 3 quarantined, 0 duplicates)" in admin_page
    lead_page = client_for("area_lead_a").get(reverse("results:quality")).content.decode()
    assert "2 (1 accepted, 1 quarantined)" in lead_page
    export = b"".join(client_for("admin").get(reverse("results:quality-export")).streaming_content).decode()
    assert "LAB-A,5,2,3,0," in export


def test_an_oversized_upload_names_a_size_that_differs_from_the_limit(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from localtrace.results import uploads

    settings.RESULTS_MAX_UPLOAD_MB = 500
    big = SimpleUploadedFile("big.csv", csv_bytes([row()]), "text/csv")
    big.size = 524_288_001  # one byte over 500 MB
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.store_upload(None, big, None)  # type: ignore[arg-type]
    assert "The file is 500.1 MB; the most we take in one upload is 500 MB." in str(refused.value)


def test_a_png_uploaded_as_csv_is_refused_as_not_a_csv_file_of_results(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    page = upload(client_for("area_lead_a"), png, name="photo.csv").content.decode()
    assert "not a CSV file of results" in page
    assert "no column for" not in page and "docs/intake.md" not in page
    assert Submission.objects.count() == 1  # only the world's


def test_the_note_on_quarantined_rows_is_grammatical_for_one_row_none_waiting(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    Submission.objects.filter(pk=world.submission.pk).update(received=1, quarantined=1)
    QuarantinedRow.objects.filter(pk=world.quarantined_a.pk).delete()
    page = client_for("area_lead_a").get(reverse("results:submission-detail", args=[world.submission.pk]))
    text = " ".join(page.content.decode().split())
    assert "0 of the 1 quarantined row are" not in text and "The others" not in text
    assert "The quarantined row is not waiting for you: it was fixed or dismissed already" in text


def test_the_note_on_quarantined_rows_says_how_many_others_there_are(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    Submission.objects.filter(pk=world.submission.pk).update(received=2, quarantined=2)
    page = client_for("area_lead_a").get(reverse("results:submission-detail", args=[world.submission.pk]))
    text = " ".join(page.content.decode().split())
    assert "1 of the 2 quarantined rows is waiting for you. The other one was fixed or dismissed already" in text


def test_the_quarantine_list_filters_by_the_field_at_fault(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("admin")
    assert "postcode is missing" in client.get(reverse("results:quarantine-list") + "?field=postcode").content.decode()
    page = client.get(reverse("results:quarantine-list") + "?field=nhs_number").content.decode()
    assert "No rows match." in page


def test_the_identical_file_warning_counts_some_duplicates_as_some() -> None:
    from localtrace.results.views import _identical_file_note

    done = Submission(status=Submission.Status.DONE, received=3, accepted=1, quarantined=1, duplicate=1)
    assert _identical_file_note(done) == (
        "1 of its 3 rows was a duplicate of a result already received; the rest are counted below."
    )


def test_the_quarantine_list_names_each_rows_submission_in_words(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    row = world.quarantined_a
    page = client_for("area_lead_a").get(reverse("results:quarantine-list")).content.decode()
    assert f"Row {row.row_number} of submission {row.submission_id}<" in page
    assert f"of #{row.submission_id}" not in page
